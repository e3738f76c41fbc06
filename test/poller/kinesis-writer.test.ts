import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisWriter, type StreamRecord } from '../../lambdas/poller/kinesis-writer.js';
import { kinesisClientFor, type KinesisLocal } from '../../local/kinesis-local.js';
import { createActiveStream, injectPutRecordsFailures, readAllRecords, startTestKinesis } from '../support/kinesis.js';

let kinesis: KinesisLocal;
const clients: KinesisClient[] = [];
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startTestKinesis({ streamName: 'writer-base', shardCount: 1 });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await kinesis?.stop();
});

/** A fresh stream, and a client of its own (so injected failures stay with one test). */
async function freshStream(shards: number): Promise<{ streamName: string; client: KinesisClient }> {
  streamCounter++;
  const streamName = `writer-${streamCounter}`;
  await createActiveStream(kinesis.client, streamName, shards);
  const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
  clients.push(client);
  return { streamName, client };
}

function records(count: number): StreamRecord<string>[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `BH-${String(i % 97).padStart(4, '0')}`;
    const payload = JSON.stringify({ n: i, id });
    return { partitionKey: id, data: Buffer.from(payload), item: payload };
  });
}

/** Delays the writer asked for, without waiting them out. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('KinesisWriter against kinesis-local', () => {
  it('puts every record exactly once across shards, in calls of at most 500, partition key kept', async () => {
    const { streamName, client } = await freshStream(4);
    const input = records(1_001);
    const writer = new KinesisWriter({ client, streamName });
    const outcome = await writer.put(input);

    expect(outcome.failed).toEqual([]);
    expect(outcome.calls).toBe(3);
    expect(new Set(outcome.put)).toEqual(new Set(input.map((r) => r.item)));
    const stored = await readAllRecords(client, streamName);
    expect(stored.map((r) => r.data.toString()).sort()).toEqual(input.map((r) => r.item).sort());
    for (const record of stored) expect(JSON.parse(record.data.toString()).id).toBe(record.partitionKey);
    expect(new Set(stored.map((r) => r.shardId)).size).toBeGreaterThan(1);
  });

  it('retries only the entries a partly failed call refused, until every record is in the stream once', async () => {
    const { streamName, client } = await freshStream(2);
    const input = records(520);
    const refusedOnce = new Set(input.filter((_, i) => i % 7 === 0).map((r) => r.item));
    const refusedTwice = new Set(input.filter((_, i) => i % 50 === 3 || i === 511).map((r) => r.item));
    const calls = injectPutRecordsFailures(client, (entry, call) => {
      const payload = Buffer.from(entry.Data ?? new Uint8Array()).toString();
      return (call <= 2 && refusedOnce.has(payload)) || (call <= 3 && refusedTwice.has(payload));
    });
    const { sleep, delays } = recordingSleep();
    const outcome = await new KinesisWriter({ client, streamName, sleep }).put(input);

    expect(outcome.failed).toEqual([]);
    expect(outcome.put).toHaveLength(520);
    const payloadsOf = (n: number) => (calls[n - 1]?.entries ?? []).map((e) => Buffer.from(e.Data ?? new Uint8Array()).toString());
    // First attempt: 500 + 20; then only what was refused.
    expect(calls.slice(0, 2).map((c) => c.entries.length)).toEqual([500, 20]);
    const refusedFirstTime = calls
      .slice(0, 2)
      .flatMap((c) => c.failedPositions.map((p) => Buffer.from(c.entries[p]?.Data ?? new Uint8Array()).toString()));
    const refused = new Set([...refusedOnce, ...refusedTwice]);
    expect(new Set(refusedFirstTime)).toEqual(refused);
    expect(payloadsOf(3)).toHaveLength(refused.size);
    expect(new Set(payloadsOf(3))).toEqual(refused);
    expect(new Set(payloadsOf(4))).toEqual(refusedTwice);
    expect(calls).toHaveLength(4);
    expect(delays).toHaveLength(2);

    const stored = (await readAllRecords(client, streamName)).map((r) => r.data.toString());
    expect(stored).toHaveLength(520);
    expect(new Set(stored)).toEqual(new Set(input.map((r) => r.item)));
  });

  it('gives up on a record after the attempt bound and reports it failed, never stored', async () => {
    const { streamName, client } = await freshStream(1);
    const input = records(40);
    const doomed = new Set([input[3]?.item, input[17]?.item]);
    const calls = injectPutRecordsFailures(client, (entry) => doomed.has(Buffer.from(entry.Data ?? new Uint8Array()).toString()));
    const { sleep, delays } = recordingSleep();
    const outcome = await new KinesisWriter({ client, streamName, maxAttempts: 3, sleep, backoff: { baseMs: 100, maxMs: 1_000 } }).put(
      input,
    );

    expect(outcome.put).toHaveLength(38);
    expect(outcome.failed.map((f) => f.item).sort()).toEqual([...doomed].sort());
    for (const failed of outcome.failed) {
      expect(failed).toMatchObject({ errorCode: 'ProvisionedThroughputExceededException', attempts: 3 });
    }
    expect(calls.map((c) => c.entries.length)).toEqual([40, 2, 2]);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    const stored = (await readAllRecords(client, streamName)).map((r) => r.data.toString());
    expect(stored.sort()).toEqual(
      input
        .map((r) => r.item)
        .filter((p) => !doomed.has(p))
        .sort(),
    );
  });

  it('counts a call that fails as a whole (no such stream) against every record in it', async () => {
    const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
    clients.push(client);
    const { sleep } = recordingSleep();
    const outcome = await new KinesisWriter({ client, streamName: 'no-such-stream', maxAttempts: 2, sleep }).put(records(3));
    expect(outcome.put).toEqual([]);
    expect(outcome.failed).toHaveLength(3);
    for (const failed of outcome.failed) expect(failed).toMatchObject({ errorCode: 'ResourceNotFoundException', attempts: 2 });
  });

  it('refuses malformed records before sending and still puts the rest', async () => {
    const { streamName, client } = await freshStream(1);
    const good = records(2);
    const badKey: StreamRecord<string> = { partitionKey: '', data: Buffer.from('x'), item: 'empty-key' };
    const outcome = await new KinesisWriter({ client, streamName }).put([good[0]!, badKey, good[1]!]);
    expect(outcome.put.sort()).toEqual(good.map((r) => r.item).sort());
    expect(outcome.failed).toEqual([
      { item: 'empty-key', errorCode: 'InvalidRecord', errorMessage: 'partition key is empty', attempts: 0 },
    ]);
  });
});
