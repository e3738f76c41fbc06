import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkRecords, PUT_RECORDS_LIMITS, recordBytes, recordProblem, type StreamRecord } from '../../lambdas/poller/kinesis-writer.js';

const MiB = 1024 * 1024;

/** Records share one buffer (as views of it), so thousands of large ones cost no memory. */
const SHARED = new ArrayBuffer(2 * MiB);

function record(index: number, dataBytes: number, partitionKey = `BH-${index}`): StreamRecord<number> {
  return { partitionKey, data: new Uint8Array(SHARED, 0, dataBytes), item: index };
}

describe('chunkRecords', () => {
  it('cuts small records into calls of at most 500', () => {
    const records = Array.from({ length: 1_234 }, (_, i) => record(i, 100));
    expect(chunkRecords(records).map((chunk) => chunk.length)).toEqual([500, 500, 234]);
  });

  it('cuts 1 MiB records into calls of at most 5 MiB, partition keys included', () => {
    const key = 'BH-1234';
    const records = Array.from({ length: 12 }, (_, i) => record(i, MiB - key.length, key));
    expect(records.every((r) => recordBytes(r) === MiB)).toBe(true);
    expect(chunkRecords(records).map((chunk) => chunk.length)).toEqual([5, 5, 2]);
    const oneByteMore = Array.from({ length: 5 }, (_, i) => record(i, MiB - key.length + (i === 4 ? 1 : 0), key));
    expect(chunkRecords(oneByteMore).map((chunk) => chunk.length)).toEqual([4, 1]);
  });

  it('keeps every record once, in order, within both limits, starting a call only when the next record would not fit', () => {
    const sizes = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 200_000, max: MiB - 16 }));
    fc.assert(
      fc.property(fc.array(sizes, { maxLength: 1_500 }), (dataSizes) => {
        const records = dataSizes.map((size, i) => record(i, size));
        const chunks = chunkRecords(records);
        expect(chunks.flat().map((r) => r.item)).toEqual(records.map((r) => r.item));
        chunks.forEach((chunk, index) => {
          const bytes = chunk.reduce((sum, r) => sum + recordBytes(r), 0);
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRecords);
          expect(bytes).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxBytes);
          const next = chunks[index + 1]?.[0];
          if (next) {
            const wouldOverflow = chunk.length === PUT_RECORDS_LIMITS.maxRecords || bytes + recordBytes(next) > PUT_RECORDS_LIMITS.maxBytes;
            expect(wouldOverflow).toBe(true);
          }
        });
      }),
      { numRuns: 60 },
    );
  });

  it('makes no calls for no records', () => {
    expect(chunkRecords([])).toEqual([]);
  });
});

describe('recordProblem', () => {
  it('accepts an ordinary record', () => {
    expect(recordProblem(record(1, 120))).toBeUndefined();
  });

  it('names what Kinesis would refuse', () => {
    expect(recordProblem(record(1, 10, ''))).toMatch(/partition key is empty/);
    expect(recordProblem(record(1, 10, 'x'.repeat(257)))).toMatch(/257 characters \(limit 256\)/);
    expect(recordProblem(record(1, 10, '€'.repeat(256)))).toBeUndefined();
    expect(recordProblem(record(1, MiB, 'k'))).toMatch(/1048577 bytes \(limit 1048576\)/);
  });
});
