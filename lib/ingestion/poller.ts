import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { PipelineFunction } from '../constructs/pipeline-function.js';
import { acknowledge, wildcardResource } from '../nag.js';
import type { PollSource } from './poll-source.js';
import type { ReadingStream } from './reading-stream.js';

export interface PollerProps {
  /** Physical name of the function; the schedule is named after it. */
  readonly functionName: string;
  readonly source: PollSource;
  readonly stream: ReadingStream;
  /** Where rejected readings are kept. */
  readonly quarantine: EncryptedQueue;
  /** Time from the start of one poll to the next, within an invocation. @default Duration.seconds(10) */
  readonly pollInterval?: Duration;
  /**
   * How long each invocation polls (the function timeout); the schedule starts one invocation a
   * minute and the reserved concurrency of 1 keeps them from overlapping. @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /** @default 'GeotechMonitoring' */
  readonly metricsNamespace?: string;
  /** Powertools service name: the `service` dimension of the poller's metrics. @default 'poller' */
  readonly serviceName?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The poller: a function started every minute by EventBridge Scheduler that polls the source
 * API every `pollInterval` until shortly before its timeout and puts the accepted readings on
 * the stream, rejected ones in the quarantine.
 */
export class Poller extends Construct implements iam.IGrantable {
  readonly lambdaFunction: PipelineFunction;
  readonly schedule: scheduler.Schedule;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    this.serviceName = props.serviceName ?? 'poller';

    this.lambdaFunction = new PipelineFunction(this, 'Handler', {
      entry: 'lambdas/poller/handler.ts',
      functionName: props.functionName,
      description: 'Polls the source API and puts canonical readings on the Kinesis stream',
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      logRetention: props.logRetention,
      environment: {
        STREAM_NAME: props.stream.streamName,
        POLL_INTERVAL_SECONDS: String((props.pollInterval ?? Duration.seconds(10)).toSeconds()),
        QUARANTINE_QUEUE_URL: props.quarantine.queueUrl,
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'GeotechMonitoring',
      },
    });
    for (const [name, value] of Object.entries(props.source.bind(this.lambdaFunction).environment))
      this.lambdaFunction.addEnvironment(name, value);
    props.stream.grantPutRecords(this.lambdaFunction);
    props.quarantine.grantSend(this.lambdaFunction);

    // A start that cannot run (the previous poll still holds the single slot) is dropped, not queued.
    this.lambdaFunction.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: `Lets EventBridge Scheduler start ${props.functionName}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.functionName,
      description: 'Starts a polling session every minute',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new targets.LambdaInvoke(this.lambdaFunction.function, {
        role: scheduleRole,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
    acknowledge(
      scheduleRole,
      wildcardResource(this, `${this.lambdaFunction.functionArn}:*`),
      'The LambdaInvoke target grants lambda:InvokeFunction on the poller and its versions (ARN:*); the role can invoke nothing else.',
    );
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.lambdaFunction.grantPrincipal;
  }
}
