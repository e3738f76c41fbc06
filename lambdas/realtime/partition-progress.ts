import type { Client } from '@opensearch-project/opensearch';
import { NO_PROGRESS, rekeyPending, type PartitionProgress } from '../domain/partition-watermark.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { PartitionProgressStore } from '../shared/kafka-windows.js';
import { streamProgressIndex } from './index-names.js';

/** The consumer name of the real-time processor's partition progress. */
export const REALTIME_CONSUMER = 'realtime';

/** One partition's progress as stored: pending windows as `[instrument id, window start ms]`. */
interface ProgressDocument {
  readonly consumer: string;
  readonly topic_partition: string;
  readonly watermark: number;
  readonly window_seconds: number;
  readonly pending: ReadonlyArray<readonly [string, number]>;
  readonly updated_at: number;
}

/**
 * The real-time processor's progress on each topic-partition, one document per partition in
 * `<prefix>-stream-progress` (id `<consumer>:<topic-partition>`), read in real time by id (no
 * refresh needed). Each write reads the document and writes it back; the watermark is only
 * ever raised and pending windows are a set, so a repeated write changes nothing. A partition
 * is processed by one invocation at a time (the event source mapping's ordering per
 * partition), so the read and the write do not race.
 */
export class OpenSearchPartitionProgress implements PartitionProgressStore {
  constructor(
    private readonly client: Client,
    private readonly indexPrefix: string,
    private readonly windowMs: number,
    private readonly consumer: string = REALTIME_CONSUMER,
    private readonly now: () => number = Date.now,
  ) {}

  async load(topicPartition: string): Promise<PartitionProgress> {
    const held = await this.read(topicPartition);
    if (!held) return NO_PROGRESS;
    const keys = held.pending.map(([instrumentId, windowStart]) => ({ instrumentId, windowStart }));
    return { watermark: held.watermark, pending: rekeyPending(keys, held.window_seconds * 1000, this.windowMs) };
  }

  async save(topicPartition: string, watermark: number, added: readonly WindowKey[]): Promise<void> {
    const held = await this.load(topicPartition);
    await this.write(topicPartition, Math.max(watermark, held.watermark ?? watermark), union(held.pending, added));
  }

  async release(topicPartition: string, closed: readonly WindowKey[]): Promise<void> {
    const held = await this.load(topicPartition);
    if (held.watermark === null) return;
    const gone = new Set(closed.map(idOf));
    await this.write(
      topicPartition,
      held.watermark,
      held.pending.filter((key) => !gone.has(idOf(key))),
    );
  }

  private documentId(topicPartition: string): string {
    return `${this.consumer}:${topicPartition}`;
  }

  private async read(topicPartition: string): Promise<ProgressDocument | undefined> {
    const response = await this.client.mget({
      index: streamProgressIndex(this.indexPrefix),
      body: { ids: [this.documentId(topicPartition)] },
    });
    const [doc] = response.body.docs as Array<{ found?: boolean; _source?: ProgressDocument }>;
    return doc?.found ? doc._source : undefined;
  }

  private async write(topicPartition: string, watermark: number, pending: readonly WindowKey[]): Promise<void> {
    const document: ProgressDocument = {
      consumer: this.consumer,
      topic_partition: topicPartition,
      watermark,
      window_seconds: this.windowMs / 1000,
      pending: pending.map((key) => [key.instrumentId, key.windowStart] as const),
      updated_at: this.now(),
    };
    await this.client.index({ index: streamProgressIndex(this.indexPrefix), id: this.documentId(topicPartition), body: document });
  }
}

function idOf(key: WindowKey): string {
  return `${key.windowStart}\u0000${key.instrumentId}`;
}

function union(held: readonly WindowKey[], added: readonly WindowKey[]): WindowKey[] {
  const all = new Map<string, WindowKey>();
  for (const key of [...held, ...added]) all.set(idOf(key), key);
  return [...all.values()];
}
