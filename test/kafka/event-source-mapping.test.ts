import { Admin, Producer } from '@platformatic/kafka';
import { describe, expect, inject, it } from 'vitest';
import { kafkaRecordValue, type KafkaBatchResponse, type KafkaLambdaEvent } from '../../lambdas/shared/kafka-lambda-event.js';
import { partitionForKey } from '../../lambdas/poller/kafka-writer.js';
import { LocalKafkaEventSourceMapping, type KafkaFailedBatch, type KafkaMappingSettings } from '../../local/kafka/event-source-mapping.js';

/**
 * The local MSK event source mapping on a real broker. The function it invokes is a small
 * recording function written here (the mapping is what is under test, not a processor).
 */

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';
let serial = 0;

async function topicWith(values: Array<{ key: string; value: string; timestamp?: bigint }>, partitions = 2): Promise<string> {
  const topic = `esm-${++serial}-${Date.now()}`;
  const bootstrap = inject('kafkaBootstrap');
  const admin = new Admin({ clientId: 'esm-test', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions });
  await admin.close();
  const producer = new Producer({ clientId: 'esm-test', bootstrapBrokers: [bootstrap], idempotent: true, acks: -1 });
  await producer.send({
    messages: values.map(({ key, value, timestamp }) => ({
      topic,
      partition: partitionForKey(key, partitions),
      key: Buffer.from(key),
      value: Buffer.from(value),
      headers: new Map([[Buffer.from('source'), Buffer.from('test')]]),
      ...(timestamp === undefined ? {} : { timestamp }),
    })),
  });
  await producer.close();
  return topic;
}

function values(count: number): Array<{ key: string; value: string }> {
  return Array.from({ length: count }, (_, i) => ({ key: `SP-${i % 4}`, value: `reading-${i}` }));
}

function mapping(
  topic: string,
  invoke: (event: KafkaLambdaEvent) => Promise<KafkaBatchResponse | void>,
  settings: Partial<KafkaMappingSettings> = {},
  failures: KafkaFailedBatch[] = [],
  groupId = `group-${topic}`,
) {
  return new LocalKafkaEventSourceMapping({
    bootstrapServers: [inject('kafkaBootstrap')],
    topic,
    groupId,
    eventSourceArn: CLUSTER_ARN,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:local-test',
    invoke,
    onFailure: async (failure) => {
      failures.push(failure);
    },
    settings: { maximumBatchingWindowMs: 100, ...settings },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
  });
}

function delivered(event: KafkaLambdaEvent): string[] {
  return Object.values(event.records).flatMap((records) => records.map((r) => kafkaRecordValue(r).toString('utf8')));
}

describe('the local MSK event source mapping, on a real broker', () => {
  it('sends the event Lambda sends for MSK, in batches, each record once, and commits what it delivered', async () => {
    const topic = await topicWith(values(25));
    const events: KafkaLambdaEvent[] = [];
    const esm = mapping(
      topic,
      async (event) => {
        events.push(event);
      },
      { batchSize: 10 },
    );
    await esm.start();
    await esm.drain();
    await esm.stop();

    const first = events[0]!;
    expect(first.eventSource).toBe('aws:kafka');
    expect(first.eventSourceArn).toBe(CLUSTER_ARN);
    expect(first.bootstrapServers).toBe(inject('kafkaBootstrap'));
    for (const [group, records] of Object.entries(first.records)) {
      expect(group).toBe(`${topic}-${records[0]!.partition}`);
      for (const record of records) {
        expect(record).toMatchObject({ topic, timestampType: 'CREATE_TIME', headers: [{ source: [...Buffer.from('test')] }] });
        expect(Buffer.from(record.key!, 'base64').toString()).toMatch(/^SP-\d$/);
      }
      expect(records.map((r) => r.offset)).toEqual([...records.map((r) => r.offset)].sort((a, b) => a - b));
    }
    expect(events.every((event) => delivered(event).length <= 10)).toBe(true);
    expect(events.flatMap(delivered).sort()).toEqual(
      values(25)
        .map((v) => v.value)
        .sort(),
    );

    // The same group again: everything is committed, so nothing is delivered twice.
    const again: KafkaLambdaEvent[] = [];
    const restarted = mapping(topic, async (event) => {
      again.push(event);
    });
    await restarted.start();
    await restarted.drain();
    await restarted.stop();
    expect(again).toEqual([]);
  });

  it('commits nothing for a failing batch: a retry delivers it again until it succeeds, losing nothing', async () => {
    const topic = await topicWith(values(12), 1);
    let calls = 0;
    const seen: string[] = [];
    const esm = mapping(
      topic,
      async (event) => {
        calls += 1;
        if (calls <= 2) throw new Error('database unavailable');
        seen.push(...delivered(event));
      },
      { batchSize: 100, bisectBatchOnFunctionError: false },
    );
    await esm.start();
    await esm.drain();
    await esm.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual(
      values(12)
        .map((v) => v.value)
        .sort(),
    );
  });

  it('a mapping stopped in the middle of a batch leaves it uncommitted, and the next start delivers it again', async () => {
    const topic = await topicWith(values(6), 1);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const first = mapping(
      topic,
      async () => {
        await stuck;
        throw new Error('cut off');
      },
      { batchSize: 100, bisectBatchOnFunctionError: false },
      [],
      'group-stop',
    );
    await first.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stopping = first.stop();
    release();
    await stopping;

    const seen: string[] = [];
    const second = mapping(
      topic,
      async (event) => {
        seen.push(...delivered(event));
      },
      { batchSize: 100 },
      [],
      'group-stop',
    );
    await second.start();
    await second.drain();
    await second.stop();
    expect(seen.sort()).toEqual(
      values(6)
        .map((v) => v.value)
        .sort(),
    );
  });

  it('splits a failing batch (each split an attempt, as on Kinesis) until the poison record is alone, sends it to the on-failure destination after its retries, and delivers the rest', async () => {
    const input = values(16);
    input[9] = { key: 'SP-1', value: 'poison' };
    const topic = await topicWith(input, 1);
    const failures: KafkaFailedBatch[] = [];
    const seen: string[] = [];
    const esm = mapping(
      topic,
      async (event) => {
        const batch = delivered(event);
        if (batch.includes('poison')) throw new Error('cannot process poison');
        seen.push(...batch);
      },
      { batchSize: 16, maximumRetryAttempts: 5, bisectBatchOnFunctionError: true },
      failures,
    );
    await esm.start();
    await esm.drain();
    await esm.stop();
    expect(failures).toHaveLength(1);
    expect(failures[0]!.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failures[0]!.responseContext.functionError).toBe('cannot process poison');
    expect(failures[0]!.KafkaBatchInfo).toMatchObject({ topic, partition: 0, batchSize: 1, firstRecordOffset: 9, lastRecordOffset: 9 });
    expect(new Set(seen)).toEqual(new Set(input.map((v) => v.value).filter((v) => v !== 'poison')));
  });

  it('honours a partial batch response: that partition again from the lowest reported offset, the others done', async () => {
    const topic = await topicWith(values(20), 2);
    const deliveries = new Map<string, number>();
    let answered = false;
    const esm = mapping(
      topic,
      async (event) => {
        for (const value of delivered(event)) deliveries.set(value, (deliveries.get(value) ?? 0) + 1);
        if (answered) return;
        answered = true;
        const [group, records] = Object.entries(event.records)[0]!;
        const failed = records[Math.floor(records.length / 2)]!;
        return { batchItemFailures: [{ itemIdentifier: { 'topic-partition': group, offset: failed.offset } }] };
      },
      { batchSize: 100 },
    );
    await esm.start();
    await esm.drain();
    await esm.stop();
    expect([...deliveries.keys()].sort()).toEqual(
      values(20)
        .map((v) => v.value)
        .sort(),
    );
    const twice = [...deliveries].filter(([, n]) => n === 2).length;
    expect(twice).toBeGreaterThan(0);
    expect(twice).toBeLessThan(20);
    expect([...deliveries.values()].every((n) => n <= 2)).toBe(true);
  });

  it('sends records older than the maximum record age to the on-failure destination without invoking the function', async () => {
    const old = BigInt(Date.now() - 10 * 60_000);
    const topic = await topicWith(
      [
        { key: 'SP-0', value: 'stale', timestamp: old },
        { key: 'SP-0', value: 'fresh' },
      ],
      1,
    );
    const failures: KafkaFailedBatch[] = [];
    const seen: string[] = [];
    const esm = mapping(
      topic,
      async (event) => {
        seen.push(...delivered(event));
      },
      { maximumRecordAgeSeconds: 60 },
      failures,
    );
    await esm.start();
    await esm.drain();
    await esm.stop();
    expect(seen).toEqual(['fresh']);
    expect(failures.map((f) => [f.requestContext.condition, f.KafkaBatchInfo.firstRecordOffset])).toEqual([['RecordAgeExceeded', 0]]);
  });
});
