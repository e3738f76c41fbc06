import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { ServiceFunction, type ServiceFunctionOptions } from '../constructs/pipeline-function.js';
import { MskReadingStream } from '../ingestion/msk-reading-stream.js';
import type { ReadingStream } from '../ingestion/reading-stream.js';
import { QueueFailureDestination } from './queue-failure-destination.js';

/** How the processor consumes the stream. */
export interface TumblingWindowConsumerOptions {
  /** Lambda tumbling window: how long state is carried between invocations, at most 15 minutes. @default Duration.seconds(60) */
  readonly window?: Duration;
  /** Event-time window readings are averaged over (the function's WINDOW_SECONDS). @default Duration.seconds(10) */
  readonly averagingWindow?: Duration;
  /** Most records per invocation, 1-10000. @default 500 */
  readonly batchSize?: number;
  /** Longest wait to fill a batch, at most 5 minutes. @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /** Retries of a failing batch (each retry bisects it) before it goes to the on-failure destination. @default 3 */
  readonly retryAttempts?: number;
  /**
   * Records older than this are sent to the on-failure destination unprocessed; keep it below the
   * stream's retention, so the records are still there to redrive. @default Duration.days(6)
   */
  readonly maxRecordAge?: Duration;
  /** @default lambda.StartingPosition.TRIM_HORIZON */
  readonly startingPosition?: lambda.StartingPosition;
}

export interface StreamProcessorProps extends TumblingWindowConsumerOptions, ServiceFunctionOptions {
  /** Handler module relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** The Kinesis stream, or the MSK topic (consumer group = the function name, one poller per partition at most). */
  readonly stream: ReadingStream | MskReadingStream;
  /** Partitions of the MSK topic: the most provisioned pollers worth running. @default 1 */
  readonly partitions?: number;
  /** Where the metadata of batches that exhausted their retries is sent. */
  readonly onFailure: EncryptedQueue;
  /** Variables beyond WINDOW_SECONDS and the Powertools ones, which are set here. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Powertools service name: the `service` dimension of its metrics. */
  readonly serviceName: string;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

/**
 * A function subscribed to the reading stream through its own event source mapping with
 * tumbling windows, partial batch responses, bisect-on-error, bounded retries and record
 * age, and an SQS on-failure destination.
 */
export class StreamProcessor extends ServiceFunction {
  /** The Kinesis event source; undefined on MSK. */
  readonly eventSource: sources.KinesisEventSource | undefined;
  /** The MSK event source mapping; undefined on Kinesis. */
  readonly kafkaMapping: lambda.EventSourceMapping | undefined;
  /** The MSK consumer group (the function's name); undefined on Kinesis. */
  readonly consumerGroupId: string | undefined;

  constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id, {
      entry: props.entry,
      functionName: props.functionName,
      description: props.description,
      serviceName: props.serviceName,
      metricsNamespace: props.metricsNamespace,
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: props.memorySize ?? 512,
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        WINDOW_SECONDS: String((props.averagingWindow ?? Duration.seconds(10)).toSeconds()),
      },
    });

    if (props.stream instanceof MskReadingStream) {
      this.eventSource = undefined;
      this.consumerGroupId = props.functionName;
      this.kafkaMapping = props.stream.subscribe(this.lambdaFunction, {
        consumerGroupId: this.consumerGroupId,
        batchSize: props.batchSize ?? 500,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
        retryAttempts: props.retryAttempts ?? 3,
        maxRecordAge: props.maxRecordAge ?? Duration.days(6),
        onFailure: props.onFailure,
        maximumPollers: props.partitions ?? 1,
      });
      return;
    }
    this.kafkaMapping = undefined;
    this.consumerGroupId = undefined;
    this.eventSource = new sources.KinesisEventSource(props.stream.stream, {
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      tumblingWindow: props.window ?? Duration.seconds(60),
      batchSize: props.batchSize ?? 500,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts ?? 3,
      maxRecordAge: props.maxRecordAge ?? Duration.days(6),
      parallelizationFactor: 1,
      onFailure: new QueueFailureDestination(props.onFailure),
    });
    this.lambdaFunction.function.addEventSource(this.eventSource);
  }
}
