import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { PipelineFunction } from '../constructs/pipeline-function.js';
import { rotatingKey } from '../constructs/rotating-key.js';
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
  /** The source's history mode: `auto`, `on` or `off` (SOURCE_HISTORY_MODE). @default 'auto' */
  readonly historyMode?: 'auto' | 'on' | 'off';
  /** How far back a first start back-fills (INITIAL_LOOKBACK_SECONDS). @default the poller's per-path defaults */
  readonly initialLookback?: string;
  /** Of the history-cursor table and its key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The poller: a function started every minute by EventBridge Scheduler that polls the source
 * API every `pollInterval` until shortly before its timeout and puts the accepted readings on
 * the stream, rejected ones in the quarantine.
 */
export class Poller extends Construct implements iam.IGrantable {
  readonly handler: PipelineFunction;
  /** The history cursor of each source path (key `path`), read and written by the poller only. */
  readonly cursorTable: dynamodb.Table;
  readonly schedule: scheduler.Schedule;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    this.serviceName = props.serviceName ?? 'poller';

    this.handler = new PipelineFunction(this, 'Handler', {
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
    for (const [name, value] of Object.entries(props.source.bind(this.handler).environment)) this.handler.addEnvironment(name, value);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const cursorKey = rotatingKey(this, 'CursorKey', {
      alias: `${props.functionName}/cursors`,
      description: `Encrypts the history cursors of ${props.functionName}`,
      removalPolicy,
    });
    this.cursorTable = new dynamodb.Table(this, 'Cursors', {
      tableName: `${props.functionName}-cursors`,
      partitionKey: { name: 'path', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: cursorKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.handler.addEnvironment('CURSOR_TABLE_NAME', this.cursorTable.tableName);
    this.handler.addEnvironment('SOURCE_HISTORY_MODE', props.historyMode ?? 'auto');
    if (props.initialLookback !== undefined) this.handler.addEnvironment('INITIAL_LOOKBACK_SECONDS', props.initialLookback);
    // Least privilege: the two calls the cursor store makes, and the key operations DynamoDB makes for them.
    this.cursorTable.grant(this.handler, 'dynamodb:GetItem', 'dynamodb:PutItem');
    cursorKey.grant(this.handler, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    props.stream.grantPutRecords(this.handler);
    props.quarantine.grantSend(this.handler);

    // A start that cannot run (the previous poll still holds the single slot) is dropped, not queued.
    this.handler.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

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
      target: new targets.LambdaInvoke(this.handler.function, { role: scheduleRole, retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
    acknowledge(
      scheduleRole,
      wildcardResource(this, `${this.handler.functionArn}:*`),
      'The LambdaInvoke target grants lambda:InvokeFunction on the poller and its versions (ARN:*); the role can invoke nothing else.',
    );
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.handler.grantPrincipal;
  }
}
