import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TumblingWindowEvent } from '../../lambdas/shared/tumbling-window.js';
import { FileCheckpointStore, MemoryCheckpointStore } from '../../local/esm/checkpoint-store.js';
import { LocalEventSourceMapping, type FailedBatchRecord } from '../../local/esm/event-source-mapping.js';
import { startKinesisLocal, type KinesisLocal } from '../../local/kinesis-local.js';

let kinesis: KinesisLocal;
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startKinesisLocal({ streamName: 'esm-base', shardCount: 1 });
});

afterAll(async () => {
  await kinesis?.stop();
});

/** A fresh stream with `count` records whose payloads are "0", "1", ... */
async function streamWith(count: number, shards = 1): Promise<string> {
  streamCounter += 1;
  const name = `esm-test-${streamCounter}`;
  await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let tries = 0; ; tries += 1) {
    const summary = await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    if (tries > 100) throw new Error(`stream ${name} did not become active`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await putPayloads(name, 0, count);
  return name;
}

async function putPayloads(name: string, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 500) {
    const entries = Array.from({ length: Math.min(500, from + count - start) }, (_, i) => ({
      Data: Buffer.from(String(start + i)),
      PartitionKey: `k${start + i}`,
    }));
    await kinesis.client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
  }
}

const payloads = (event: TumblingWindowEvent) => event.Records.map((r) => Number(Buffer.from(r.kinesis.data, 'base64').toString()));

/** A function that counts what it saw in its tumbling-window state and logs every invocation. */
function countingFunction(misbehave?: (event: TumblingWindowEvent, call: number) => unknown) {
  const log: Array<{ payloads: number[]; final: boolean; state: Record<string, unknown> }> = [];
  const committed: number[] = [];
  let calls = 0;
  const invoke = async (event: TumblingWindowEvent) => {
    calls += 1;
    log.push({ payloads: payloads(event), final: event.isFinalInvokeForWindow, state: event.state ?? {} });
    const override = misbehave?.(event, calls);
    if (override !== undefined) return override;
    const seen = ((event.state?.seen as number[] | undefined) ?? []).concat(payloads(event));
    if (event.isFinalInvokeForWindow) {
      committed.push(...seen);
      return { state: {}, batchItemFailures: [] };
    }
    return { state: { seen }, batchItemFailures: [] };
  };
  return { invoke, log, committed };
}

function mapping(
  streamName: string,
  invoke: (event: TumblingWindowEvent) => Promise<unknown>,
  extra: Partial<ConstructorParameters<typeof LocalEventSourceMapping>[0]> = {},
) {
  const failures: FailedBatchRecord[] = [];
  const esm = new LocalEventSourceMapping({
    kinesis: kinesis.client,
    streamName,
    region: kinesis.region,
    invoke: invoke as never,
    checkpoints: new MemoryCheckpointStore(),
    onFailure: async (failure) => {
      failures.push(failure);
    },
    settings: { batchSize: 40, maximumBatchingWindowMs: 0 },
    idlePollMs: 20,
    sleep: async () => undefined,
    ...extra,
  });
  return { esm, failures };
}

describe('local event source mapping (against kinesis-local)', () => {
  it('delivers every record once, in order, carrying state through the window to a final invocation', async () => {
    const name = await streamWith(150);
    const fn = countingFunction();
    const { esm } = mapping(name, fn.invoke);
    await esm.drain();
    expect(fn.committed).toEqual(Array.from({ length: 150 }, (_, i) => i));
    const batches = fn.log.filter((entry) => !entry.final);
    expect(batches.every((b) => b.payloads.length <= 40)).toBe(true);
    expect(fn.log.at(-1)).toMatchObject({ final: true, payloads: [] });
    expect((fn.log.at(-1)!.state.seen as number[]).length).toBe(150);
  });

  it('sends Lambda’s tumbling-window event shape', async () => {
    const name = await streamWith(3);
    let seen: TumblingWindowEvent | undefined;
    const { esm } = mapping(name, async (event: TumblingWindowEvent) => {
      seen ??= event;
      return { state: {} };
    });
    await esm.drain();
    expect(seen).toMatchObject({
      shardId: 'shardId-000000000000',
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
      state: {},
    });
    expect(seen!.window.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(seen!.window.end) - Date.parse(seen!.window.start)).toBe(30_000);
    const record = seen!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k0' },
    });
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThan(1.6e9);
    expect(record.eventSourceARN).toContain(`stream/${name}`);
  });

  it('retries a failing batch with the same state until it succeeds, losing and repeating nothing', async () => {
    const name = await streamWith(60);
    const fn = countingFunction((event, call) =>
      call <= 3 && !event.isFinalInvokeForWindow ? Promise.reject(new Error('sink down')) : undefined,
    );
    const waits: number[] = [];
    const { esm, failures } = mapping(name, fn.invoke, {
      settings: { batchSize: 40, maximumBatchingWindowMs: 0, bisectBatchOnFunctionError: false },
      idlePollMs: 20,
      sleep: async (ms) => void waits.push(ms),
    });
    await esm.drain();
    expect(fn.committed).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(failures).toEqual([]);
    expect(waits.filter((ms) => ms !== 20)).toEqual([100, 200, 400]);
  });

  it('bisects a batch around a poison record and sends it to the on-failure destination once retries run out', async () => {
    const name = await streamWith(40);
    const fn = countingFunction((event) => (payloads(event).includes(13) ? Promise.reject(new Error('cannot handle 13')) : undefined));
    const { esm, failures } = mapping(name, fn.invoke, {
      settings: { batchSize: 40, maximumBatchingWindowMs: 0, maximumRetryAttempts: 8 },
    });
    await esm.drain();
    expect(fn.committed).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 13));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      batchSize: 1,
      condition: 'RetryAttemptsExhausted',
      error: 'cannot handle 13',
      shardId: 'shardId-000000000000',
    });
    expect(failures[0]!.startSequenceNumber).toBe(failures[0]!.endSequenceNumber);
  });

  it('re-delivers from the first failed item a function reports, keeping the state it returned', async () => {
    const name = await streamWith(10);
    let reported = false;
    const fn = countingFunction((event) => {
      const index = payloads(event).indexOf(6);
      if (index === -1 || reported) return undefined;
      reported = true;
      const seen = ((event.state?.seen as number[] | undefined) ?? []).concat(payloads(event).slice(0, index));
      return { state: { seen }, batchItemFailures: [{ itemIdentifier: event.Records[index]!.kinesis.sequenceNumber }] };
    });
    const { esm } = mapping(name, fn.invoke);
    await esm.drain();
    expect(fn.committed).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('treats a response without state as a failed invocation, as Lambda does', async () => {
    const name = await streamWith(5);
    let bad = 2;
    const fn = countingFunction((event) => (!event.isFinalInvokeForWindow && bad-- > 0 ? { batchItemFailures: [] } : undefined));
    const { esm } = mapping(name, fn.invoke);
    await esm.drain();
    expect(fn.committed).toEqual([0, 1, 2, 3, 4]);
    expect(fn.log.filter((e) => !e.final && e.payloads[0] === 0)).toHaveLength(3);
  });

  it('resumes from a persisted checkpoint after a restart with nothing lost or repeated', async () => {
    const name = await streamWith(30);
    const dir = mkdtempSync(join(tmpdir(), 'esm-checkpoint-'));
    try {
      const checkpointPath = join(dir, 'checkpoint.json');
      const first = countingFunction();
      await mapping(name, first.invoke, { checkpoints: new FileCheckpointStore(checkpointPath) }).esm.drain();
      await putPayloads(name, 30, 25);
      const second = countingFunction();
      await mapping(name, second.invoke, { checkpoints: new FileCheckpointStore(checkpointPath) }).esm.drain();
      expect(first.committed).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(second.committed).toEqual(Array.from({ length: 25 }, (_, i) => 30 + i));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('consumes every shard of a multi-shard stream', async () => {
    const name = await streamWith(200, 3);
    const fn = countingFunction();
    const shards = new Set<string>();
    const { esm } = mapping(name, async (event: TumblingWindowEvent) => {
      shards.add(event.shardId);
      return fn.invoke(event);
    });
    await esm.drain();
    expect([...fn.committed].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(shards.size).toBe(3);
  });

  it('refuses settings Lambda would refuse, naming the setting', () => {
    expect(() => mapping('x', async () => ({ state: {} }), { settings: { tumblingWindowSeconds: 901 } })).toThrow(
      /tumblingWindowSeconds must be 1..900/,
    );
    expect(() => mapping('x', async () => ({ state: {} }), { settings: { batchSize: 20_000 } })).toThrow(/batchSize/);
  });
});
