/**
 * Kinesis capacity of a site, from a measured record size: pure arithmetic, no I/O.
 * Per-shard limits of Kinesis Data Streams in provisioned mode: 1 MB/s or 1,000 records/s
 * written, 2 MB/s read (shared by the stream's standard consumers).
 */
export const SHARD_WRITE_BYTES_PER_S = 1_000_000;
export const SHARD_WRITE_RECORDS_PER_S = 1_000;
export const SHARD_READ_BYTES_PER_S = 2_000_000;

export interface SiteLoad {
  readonly instruments: number;
  /** Seconds between an instrument's readings. */
  readonly readingIntervalSeconds: number;
  /** Bytes of one record on the stream (the encoded reading plus its partition key). */
  readonly recordBytes: number;
  /** Standard consumers reading every record (the batch and real-time processors: 2). */
  readonly consumers: number;
}

export interface StreamCapacity {
  readonly readingsPerSecond: number;
  readonly writeBytesPerSecond: number;
  /** Shards the limits need, the tightest one deciding; at least 1. */
  readonly shards: number;
  readonly limitingFactor: 'records written' | 'bytes written' | 'bytes read';
}

export function streamCapacity(load: SiteLoad): StreamCapacity {
  if (!(load.instruments > 0 && load.readingIntervalSeconds > 0 && load.recordBytes > 0 && load.consumers > 0))
    throw new RangeError('instruments, readingIntervalSeconds, recordBytes and consumers must be positive');
  const readingsPerSecond = load.instruments / load.readingIntervalSeconds;
  const writeBytesPerSecond = readingsPerSecond * load.recordBytes;
  const needs = [
    { factor: 'records written', shards: readingsPerSecond / SHARD_WRITE_RECORDS_PER_S },
    { factor: 'bytes written', shards: writeBytesPerSecond / SHARD_WRITE_BYTES_PER_S },
    { factor: 'bytes read', shards: (writeBytesPerSecond * load.consumers) / SHARD_READ_BYTES_PER_S },
  ] as const;
  const tightest = needs.reduce((a, b) => (b.shards > a.shards ? b : a));
  return {
    readingsPerSecond,
    writeBytesPerSecond,
    shards: Math.max(1, Math.ceil(tightest.shards)),
    limitingFactor: tightest.factor,
  };
}
