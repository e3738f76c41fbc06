import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../lambdas/shared/telemetry.js';
import type { BatchStore } from '../batch-store/batch-store.js';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { ServiceFunction, type ServiceFunctionOptions } from '../constructs/pipeline-function.js';

export interface QuarantineRecorderProps extends ServiceFunctionOptions {
  /** The quarantine queue the poller and the real-time processor send their rejections to. */
  readonly queue: EncryptedQueue;
  /** The batch store whose `quarantined_readings` table the rejections are written to. */
  readonly store: BatchStore;
  /** Most messages per invocation, 1-10. @default 10 */
  readonly batchSize?: number;
  /** Longest wait to fill a batch; rejections are not urgent. @default Duration.seconds(10) */
  readonly maxBatchingWindow?: Duration;
  /** Most concurrent invocations the event source starts, 2-1000; the Data API writes are small. @default 2 */
  readonly maxConcurrency?: number;
  /** Powertools service name: the `service` dimension of its metrics. @default 'quarantine-recorder' */
  readonly serviceName?: string;
  /** At most the queue's visibility timeout (AWS advises a sixth of it). @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
}

/**
 * Drains the quarantine queue into the batch store: a function subscribed to the queue
 * (partial batch responses, small concurrency) that writes each rejection to
 * `quarantined_readings`, where the batch processor's poison records already are, so every
 * rejection can be queried in one place. It may consume the queue and use the Data API on
 * the cluster and its secret, nothing else.
 *
 * A message is deleted only once its row is stored. One that cannot be stored is not moved
 * aside: it becomes visible again after the queue's visibility timeout and is delivered
 * again, for as long as the queue keeps messages, so it is stored as soon as the database
 * takes it. The function's `RejectionsNotRecorded` metric counts those deliveries.
 */
export class QuarantineRecorder extends ServiceFunction {
  readonly eventSourceMapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: QuarantineRecorderProps) {
    const timeout = props.timeout ?? Duration.seconds(30);
    if (timeout.toSeconds() > props.queue.visibilityTimeout.toSeconds()) {
      throw new Error(
        `the quarantine recorder's timeout (${timeout.toSeconds()} s) exceeds the queue's visibility timeout (${props.queue.visibilityTimeout.toSeconds()} s); Lambda refuses such a mapping`,
      );
    }
    super(scope, id, {
      entry: 'lambdas/batch/quarantine-handler.ts',
      functionName: props.functionName,
      description: 'Writes each rejection from the quarantine queue to the quarantined_readings table in Aurora',
      serviceName: props.serviceName ?? SERVICE_NAMES.quarantineRecorder,
      metricsNamespace: props.metricsNamespace,
      timeout,
      memorySize: props.memorySize ?? 256,
      logRetention: props.logRetention,
      environment: props.store.dataApiEnvironment,
    });
    props.queue.grantConsume(this.lambdaFunction);
    props.store.grantDataApiAccess(this.lambdaFunction);

    this.eventSourceMapping = this.lambdaFunction.function.addEventSourceMapping('Quarantine', {
      eventSourceArn: props.queue.queue.queueArn,
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(10),
      maxConcurrency: props.maxConcurrency ?? 2,
      reportBatchItemFailures: true,
    });
  }
}
