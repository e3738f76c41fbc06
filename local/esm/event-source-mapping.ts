import { DescribeStreamSummaryCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { sleep, type Sleep } from '../../lambdas/shared/retry.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { StreamIdentity } from '../../lambdas/shared/kinesis-lambda-event.js';
import { ShardConsumer, type FailedBatchRecord, type InvocationReport, type MappingSettings } from './shard-consumer.js';

export const DEFAULT_MAPPING_SETTINGS: MappingSettings = {
  tumblingWindowSeconds: 30,
  batchSize: 500,
  maximumBatchingWindowMs: 1_000,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: -1,
  maximumRecordAgeSeconds: -1,
};

export interface EventSourceMappingOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly region: string;
  /** The function, called with the tumbling-window event; its resolved value is the response. */
  readonly invoke: (event: never) => Promise<unknown>;
  readonly checkpoints: CheckpointStore;
  readonly onFailure: (failure: FailedBatchRecord) => Promise<void>;
  readonly settings?: Partial<MappingSettings>;
  readonly onInvocation?: (report: InvocationReport) => void;
  /** Pause between read rounds when there is nothing to do, ms. Default 200. */
  readonly idlePollMs?: number;
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

/**
 * A local stand-in for Lambda's Kinesis event source mapping: one consumer per shard,
 * each reading in order and invoking the function with tumbling-window events, with
 * Lambda's retry, bisect and on-failure behaviour and a persisted checkpoint.
 */
export class LocalEventSourceMapping {
  private consumers: ShardConsumer[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  readonly settings: MappingSettings;

  constructor(private readonly options: EventSourceMappingOptions) {
    this.settings = { ...DEFAULT_MAPPING_SETTINGS, ...options.settings };
    validateSettings(this.settings);
  }

  /** Starts consuming every shard in the background. */
  async start(): Promise<void> {
    await this.openConsumers();
    this.stopping = false;
    this.running = Promise.all(this.consumers.map((consumer) => this.consume(consumer))).then(() => undefined);
  }

  /** Stops after the invocations under way; the checkpoint keeps what was done. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  /**
   * Processes everything in the stream now and closes the open windows, then returns.
   * Works whether or not the mapping was started.
   */
  async drain(): Promise<void> {
    if (this.running) await this.stop();
    if (this.consumers.length === 0) await this.openConsumers();
    await Promise.all(
      this.consumers.map(async (consumer) => {
        for (;;) {
          const worked = await consumer.step(true);
          if (!worked && consumer.idle && !consumer.hasOpenWindow) return;
          if (!worked) await this.pause();
        }
      }),
    );
  }

  private async openConsumers(): Promise<void> {
    const { kinesis, streamName, region } = this.options;
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const streamArn = summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:000000000000:stream/${streamName}`;
    const identity: StreamIdentity = { streamArn, region, functionRoleArn: `arn:aws:iam::000000000000:role/local-${streamName}-consumer` };
    const shardIds: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await kinesis.send(
        nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: streamName }),
      );
      for (const shard of page.Shards ?? []) if (shard.ShardId) shardIds.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken);
    this.consumers = shardIds.map(
      (shardId) =>
        new ShardConsumer(shardId, {
          kinesis,
          streamName,
          identity,
          settings: this.settings,
          checkpoints: this.options.checkpoints,
          invoke: this.options.invoke as (event: unknown) => Promise<unknown>,
          onFailure: this.options.onFailure,
          ...(this.options.onInvocation ? { onInvocation: this.options.onInvocation } : {}),
          ...(this.options.now ? { now: this.options.now } : {}),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        }),
    );
    await Promise.all(this.consumers.map((consumer) => consumer.open()));
  }

  private async consume(consumer: ShardConsumer): Promise<void> {
    while (!this.stopping) {
      const worked = await consumer.step();
      if (!worked) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return (this.options.sleep ?? sleep)(this.options.idlePollMs ?? 200);
  }
}

function validateSettings(settings: MappingSettings): void {
  const fault = (message: string) => {
    throw new RangeError(`event source mapping: ${message}`);
  };
  if (!Number.isInteger(settings.tumblingWindowSeconds) || settings.tumblingWindowSeconds < 1 || settings.tumblingWindowSeconds > 900) {
    fault(`tumblingWindowSeconds must be 1..900, got ${settings.tumblingWindowSeconds}`);
  }
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1 || settings.batchSize > 10_000)
    fault(`batchSize must be 1..10000, got ${settings.batchSize}`);
  if (settings.maximumBatchingWindowMs < 0 || settings.maximumBatchingWindowMs > 300_000)
    fault(`maximumBatchingWindowMs must be 0..300000, got ${settings.maximumBatchingWindowMs}`);
  if (!Number.isInteger(settings.maximumRetryAttempts) || settings.maximumRetryAttempts < -1 || settings.maximumRetryAttempts > 10_000) {
    fault(`maximumRetryAttempts must be -1..10000, got ${settings.maximumRetryAttempts}`);
  }
  if (settings.maximumRecordAgeSeconds !== -1 && (settings.maximumRecordAgeSeconds < 60 || settings.maximumRecordAgeSeconds > 604_800)) {
    fault(`maximumRecordAgeSeconds must be -1 or 60..604800, got ${settings.maximumRecordAgeSeconds}`);
  }
}

export type { FailedBatchRecord, InvocationReport, MappingSettings };
