import { describe, expect, it } from 'vitest';
import { streamCapacity } from '../../bench/capacity-model.js';

describe('streamCapacity', () => {
  it('needs one shard for 500 instruments at 10 s (50 records/s, 10 KB/s of 200-byte records)', () => {
    expect(streamCapacity({ instruments: 500, readingIntervalSeconds: 10, recordBytes: 200, consumers: 2 })).toEqual({
      readingsPerSecond: 50,
      writeBytesPerSecond: 10_000,
      shards: 1,
      limitingFactor: 'records written',
    });
  });

  it('is limited by records written for 20,000 instruments at 10 s: 2,000 records/s is 2 shards', () => {
    // 2,000 records/s / 1,000 = 2; 400 KB/s / 1 MB = 0.4; 800 KB/s read / 2 MB = 0.4.
    expect(streamCapacity({ instruments: 20_000, readingIntervalSeconds: 10, recordBytes: 200, consumers: 2 }).shards).toBe(2);
  });

  it('is limited by bytes read when large records are read by several consumers', () => {
    // 100 records/s x 5,000 bytes = 500 KB/s written (0.5 shard), x 6 consumers = 3 MB/s read (1.5 shards).
    const capacity = streamCapacity({ instruments: 1_000, readingIntervalSeconds: 10, recordBytes: 5_000, consumers: 6 });
    expect(capacity).toMatchObject({ shards: 2, limitingFactor: 'bytes read' });
  });

  it('rejects a non-positive load', () => {
    expect(() => streamCapacity({ instruments: 0, readingIntervalSeconds: 10, recordBytes: 200, consumers: 2 })).toThrow(RangeError);
  });
});
