import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../lambdas/shared/telemetry.js';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { type FunctionNetwork, ServiceFunction, type ServiceFunctionOptions } from '../constructs/pipeline-function.js';
import { rotatingKey } from '../constructs/rotating-key.js';
import { acknowledge, wildcardResource } from '../nag.js';
import type { PollSource } from './poll-source.js';
import { MskReadingStream } from './msk-reading-stream.js';
import type { ReadingStream } from './reading-stream.js';

export interface PollerProps extends ServiceFunctionOptions {
  readonly source: PollSource;
  /** The Kinesis stream (STREAM_NAME), or the MSK topic (STREAM_KIND=kafka and the KAFKA_* variables). */
  readonly stream: ReadingStream | MskReadingStream;
  /** Subnets with internet egress the poller runs in: needed beside an MSK cluster. @default - outside any VPC */
  readonly network?: FunctionNetwork;
  /** Where rejected readings are kept. */
  readonly quarantine: EncryptedQueue;
  /** Time from the start of one poll to the next, within an invocation. @default Duration.seconds(10) */
  readonly pollInterval?: Duration;
  /**
   * How long each invocation polls (the function timeout); the schedule starts one invocation a
   * minute and the reserved concurrency of 1 keeps them from overlapping. @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /** Powertools service name: the `service` dimension of the poller's metrics. @default 'poller' */
  readonly serviceName?: string;
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
 * the stream, rejected ones in the quarantine. The schedule is named after the function.
 */
export class Poller extends ServiceFunction {
  /** The history cursor of each source path (key `path`), read and written by the poller only. */
  readonly cursorTable: dynamodb.Table;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id, {
      entry: 'lambdas/poller/handler.ts',
      functionName: props.functionName,
      description: `Polls the source API and puts canonical readings on the ${props.stream instanceof MskReadingStream ? 'MSK topic' : 'Kinesis stream'}`,
      serviceName: props.serviceName ?? SERVICE_NAMES.poller,
      metricsNamespace: props.metricsNamespace,
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      logRetention: props.logRetention,
      network: props.network,
      environment: {
        ...(props.stream instanceof MskReadingStream
          ? { STREAM_KIND: 'kafka', ...props.stream.kafkaEnvironment }
          : { STREAM_NAME: props.stream.streamName }),
        POLL_INTERVAL_SECONDS: String((props.pollInterval ?? Duration.seconds(10)).toSeconds()),
        QUARANTINE_QUEUE_URL: props.quarantine.queueUrl,
      },
    });
    for (const [name, value] of Object.entries(props.source.bind(this.lambdaFunction).environment))
      this.lambdaFunction.addEnvironment(name, value);

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
    this.lambdaFunction.addEnvironment('CURSOR_TABLE_NAME', this.cursorTable.tableName);
    this.lambdaFunction.addEnvironment('SOURCE_HISTORY_MODE', props.historyMode ?? 'auto');
    if (props.initialLookback !== undefined) this.lambdaFunction.addEnvironment('INITIAL_LOOKBACK_SECONDS', props.initialLookback);
    // Least privilege: the two calls the cursor store makes, and the key operations DynamoDB makes for them.
    this.cursorTable.grant(this.lambdaFunction, 'dynamodb:GetItem', 'dynamodb:PutItem');
    cursorKey.grant(this.lambdaFunction, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    if (props.stream instanceof MskReadingStream) props.stream.grantWrite(this.lambdaFunction);
    else props.stream.grantPutRecords(this.lambdaFunction);
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
}
