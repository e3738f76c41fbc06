import { addDeliveries, deliverShardRecords, NO_DELIVERY, type Delivery, type ReprocessTarget } from './reprocess.js';
import { describeStream, listShardIds, readArrivalRange, type StreamRef } from './stream-reader.js';

/**
 * Replay: the records that reached the stream in a time range are read again on every shard
 * from an `AT_TIMESTAMP` iterator and delivered to the processors' own processing. Stores are
 * keyed by instrument and event time and windows are recomputed from what is stored, so a
 * replay of data already processed changes nothing, and a replay after a store lost data
 * (or never got it) restores it.
 */

export interface ReplayRequest {
  /** Arrival time range, epoch ms: from inclusive, to exclusive. */
  readonly from: number;
  readonly to: number;
  readonly targets: readonly ReprocessTarget[];
}

/** The part of the range the stream no longer holds. */
export interface RetentionGap {
  readonly from: number;
  readonly to: number;
  readonly retentionHours: number;
  /** Readings the batch store holds that arrived in the gap: they were processed, but cannot be replayed. Null when not counted. */
  readonly storedReadings: number | null;
}

export interface ReplayReport {
  readonly from: number;
  readonly to: number;
  readonly shards: ReadonlyArray<{ readonly shardId: string; readonly records: number; readonly gap?: string }>;
  /** What each target did with them, in all. */
  readonly targets: ReadonlyArray<{ readonly target: ReprocessTarget['name']; readonly delivery: Delivery }>;
  readonly records: number;
  readonly pastRetention: RetentionGap | null;
}

export type ReplayProgress =
  | { readonly kind: 'shard'; readonly shardId: string; readonly index: number; readonly shards: number }
  | { readonly kind: 'read'; readonly shardId: string; readonly records: number }
  | { readonly kind: 'delivered'; readonly shardId: string; readonly target: ReprocessTarget['name']; readonly delivery: Delivery };

export interface ReplayDependencies {
  readonly stream: StreamRef;
  readonly region: string;
  /** How many readings the batch store has that arrived in a range (for the report's retention gap). */
  readonly countStoredArrivals?: (from: number, to: number) => Promise<number>;
  readonly batchSize?: number;
  readonly tumblingWindowSeconds?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly now?: () => number;
}

/** Replays `request.from`..`request.to` on every shard into every target. */
export async function replay(request: ReplayRequest, deps: ReplayDependencies): Promise<ReplayReport> {
  if (!(request.to > request.from)) throw new RangeError('the replay range is empty: --to must be after --from');
  const now = (deps.now ?? Date.now)();
  const { streamArn, retentionHours: hours } = await describeStream(deps.stream);
  const oldestKept = now - hours * 3_600_000;
  const pastRetention: RetentionGap | null =
    request.from < oldestKept
      ? {
          from: request.from,
          to: Math.min(oldestKept, request.to),
          retentionHours: hours,
          storedReadings: deps.countStoredArrivals ? await deps.countStoredArrivals(request.from, Math.min(oldestKept, request.to)) : null,
        }
      : null;

  const shardIds = await listShardIds(deps.stream);
  const shards: Array<{ shardId: string; records: number; gap?: string }> = [];
  const totals = new Map(request.targets.map((target) => [target.name, NO_DELIVERY]));
  let records = 0;
  for (const [index, shardId] of shardIds.entries()) {
    deps.onProgress?.({ kind: 'shard', shardId, index: index + 1, shards: shardIds.length });
    const read = await readArrivalRange(deps.stream, { shardId, from: request.from, to: request.to }, (n) =>
      deps.onProgress?.({ kind: 'read', shardId, records: n }),
    );
    shards.push({ shardId, records: read.records.length, ...(read.gap ? { gap: read.gap } : {}) });
    records += read.records.length;
    if (read.records.length === 0) continue;
    for (const target of request.targets) {
      const delivery = await deliverShardRecords(target, read.records, {
        shardId,
        streamArn,
        region: deps.region,
        ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
        ...(deps.tumblingWindowSeconds ? { tumblingWindowSeconds: deps.tumblingWindowSeconds } : {}),
      });
      totals.set(target.name, addDeliveries(totals.get(target.name)!, delivery));
      deps.onProgress?.({ kind: 'delivered', shardId, target: target.name, delivery });
    }
  }
  return {
    from: request.from,
    to: request.to,
    shards,
    targets: request.targets.map((target) => ({ target: target.name, delivery: totals.get(target.name)! })),
    records,
    pastRetention,
  };
}
