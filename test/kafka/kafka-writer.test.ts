import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReadingsProducer, KafkaWriter, partitionForKey } from '../../lambdas/poller/kafka-writer.js';
import type { StreamRecord } from '../../lambdas/poller/stream-writer.js';
import { requireCachedKafka } from '../../local/kafka/distribution.js';
import { startKafka, type RunningKafka } from '../../local/kafka/server.js';

const noWait = async (): Promise<void> => {};

function records(count: number, size = 40): StreamRecord<number>[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: `PZ-${String(i % 12).padStart(3, '0')}`,
    data: Buffer.alloc(size, i % 256),
    item: i,
  }));
}

async function createTopic(bootstrap: string, topic: string, partitions: number, configs: Array<{ name: string; value: string }> = []) {
  const admin = new Admin({ clientId: 'writer-test', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, configs });
  } finally {
    await admin.close();
  }
}

/** How many records the topic holds: the sum of its partitions' end offsets (no transactions, so no control records). */
async function storedCount(bootstrap: string, topic: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'writer-test', groupId: `writer-count-${topic}-${Date.now()}`, bootstrapBrokers: [bootstrap] });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic] });
    return (offsets.get(topic) ?? []).reduce((sum, end) => sum + Number(end), 0);
  } finally {
    await consumer.close(true);
  }
}

/** The first `expected` records on the topic, read from the beginning: key, partition, value size and first byte (the test's item number). */
async function readTopic(
  bootstrap: string,
  topic: string,
  expected: number,
): Promise<Array<{ key: string; partition: number; bytes: number; first: number }>> {
  const consumer = new Consumer({ clientId: 'writer-test', groupId: `writer-test-${topic}-${Date.now()}`, bootstrapBrokers: [bootstrap] });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    const seen: Array<{ key: string; partition: number; bytes: number; first: number }> = [];
    if (expected > 0) {
      for await (const message of stream) {
        seen.push({
          key: message.key.toString('utf8'),
          partition: message.partition,
          bytes: message.value.length,
          first: message.value[0]!,
        });
        if (seen.length === expected) break;
      }
    }
    await stream.close();
    return seen;
  } finally {
    await consumer.close(true);
  }
}

describe("the poller's Kafka writer, against a real broker", () => {
  const bootstrap = (): string => inject('kafkaBootstrap');

  it("puts every record once, acknowledged, each instrument on the partition Kafka's default partitioner gives its key", async () => {
    await createTopic(bootstrap(), 'writer-all', 4);
    const writer = new KafkaWriter({
      createProducer: () => createReadingsProducer({ bootstrapBrokers: [bootstrap()] }),
      topic: 'writer-all',
      sleep: noWait,
    });
    try {
      const outcome = await writer.put(records(120));
      expect(outcome.failed).toEqual([]);
      expect(outcome.put.sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
      expect(outcome.calls).toBeLessThanOrEqual(4);
    } finally {
      await writer.close();
    }
    expect(await storedCount(bootstrap(), 'writer-all')).toBe(120);
    const stored = await readTopic(bootstrap(), 'writer-all', 120);
    expect(stored).toHaveLength(120);
    for (const { key, partition } of stored) expect(partition).toBe(partitionForKey(key, 4));
    expect(new Set(stored.map((r) => r.partition)).size).toBeGreaterThan(1);
    // One instrument's readings come back in the order they were put (item i is byte i of its value).
    const byKey = new Map<string, number[]>();
    for (const { key, first } of stored) byKey.set(key, [...(byKey.get(key) ?? []), first]);
    expect(byKey.size).toBe(12);
    for (const [key, items] of byKey) {
      const index = Number(key.slice(3));
      expect(items).toEqual(Array.from({ length: 10 }, (_, n) => index + 12 * n));
    }
  });

  it("a partition whose request the broker refuses fails alone, with the broker's error, after every attempt; the rest are acknowledged", async () => {
    // Records over the topic's max.message.bytes make their partition's produce request fail.
    await createTopic(bootstrap(), 'writer-partial', 3, [{ name: 'max.message.bytes', value: '2000' }]);
    const writer = new KafkaWriter({
      createProducer: () => createReadingsProducer({ bootstrapBrokers: [bootstrap()] }),
      topic: 'writer-partial',
      maxAttempts: 2,
      sleep: noWait,
    });
    const small = records(30);
    const bigKey = small[0]!.partitionKey;
    const bigPartition = partitionForKey(bigKey, 3);
    const big: StreamRecord<number> = { partitionKey: bigKey, data: Buffer.alloc(5_000, 7), item: 999 };
    try {
      const outcome = await writer.put([...small, big]);
      const failedItems = outcome.failed.map((f) => f.item).sort((a, b) => a - b);
      const onBigPartition = small.filter((r) => partitionForKey(r.partitionKey, 3) === bigPartition).map((r) => r.item);
      expect(failedItems).toEqual([...onBigPartition, 999].sort((a, b) => a - b));
      for (const failure of outcome.failed) {
        expect(failure.attempts).toBe(2);
        expect(failure.errorCode).toBe('MESSAGE_TOO_LARGE');
      }
      expect(outcome.put.sort((a, b) => a - b)).toEqual(small.map((r) => r.item).filter((i) => !onBigPartition.includes(i)));
      // Accounting: every record is either put or failed, none both.
      expect(outcome.put.length + outcome.failed.length).toBe(31);
    } finally {
      await writer.close();
    }
    const acknowledged = small.filter((r) => partitionForKey(r.partitionKey, 3) !== bigPartition).length;
    expect(await storedCount(bootstrap(), 'writer-partial')).toBe(acknowledged);
    const stored = await readTopic(bootstrap(), 'writer-partial', acknowledged);
    expect(stored.every((r) => r.partition !== bigPartition)).toBe(true);
  });

  it('refuses a record over the size limit or without a key before sending it', async () => {
    await createTopic(bootstrap(), 'writer-invalid', 1);
    const writer = new KafkaWriter({
      createProducer: () => createReadingsProducer({ bootstrapBrokers: [bootstrap()] }),
      topic: 'writer-invalid',
      maxRecordBytes: 100,
      sleep: noWait,
    });
    try {
      const outcome = await writer.put([
        { partitionKey: 'SP-1', data: Buffer.alloc(10), item: 'ok' },
        { partitionKey: 'SP-2', data: Buffer.alloc(200), item: 'too big' },
        { partitionKey: '', data: Buffer.alloc(10), item: 'no key' },
      ]);
      expect(outcome.put).toEqual(['ok']);
      expect(outcome.failed).toEqual([
        { item: 'too big', errorCode: 'InvalidRecord', errorMessage: 'record is 204 bytes (limit 100)', attempts: 0 },
        { item: 'no key', errorCode: 'InvalidRecord', errorMessage: 'record key is empty', attempts: 0 },
      ]);
    } finally {
      await writer.close();
    }
  });

  it('a topic that does not exist fails every record with the reason, after its attempts', async () => {
    const writer = new KafkaWriter({
      createProducer: () => createReadingsProducer({ bootstrapBrokers: [bootstrap()] }),
      topic: 'writer-missing',
      maxAttempts: 3,
      sleep: noWait,
    });
    try {
      const outcome = await writer.put(records(5));
      expect(outcome.put).toEqual([]);
      expect(outcome.failed).toHaveLength(5);
      for (const failure of outcome.failed) {
        expect(failure.attempts).toBe(3);
        expect(`${failure.errorCode} ${failure.errorMessage}`).toMatch(/unknown topic|UNKNOWN_TOPIC|does not exist/i);
      }
    } finally {
      await writer.close();
    }
  });

  describe('with its own broker', () => {
    let broker: RunningKafka;
    const dataDir = mkdtempSync(join(tmpdir(), 'kafka-writer-outage-'));
    beforeAll(async () => {
      broker = await startKafka({ distribution: requireCachedKafka(), dataDir });
      await createTopic(broker.bootstrapServers, 'writer-outage', 2);
    });
    afterAll(async () => {
      await broker?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a broker that is down fails the records as put_failed material; after it is back, nothing is written twice', async () => {
      const writer = new KafkaWriter({
        createProducer: () => createReadingsProducer({ bootstrapBrokers: [broker.bootstrapServers] }),
        topic: 'writer-outage',
        maxAttempts: 2,
        sleep: noWait,
      });
      try {
        const first = await writer.put(records(20));
        expect(first.failed).toEqual([]);
      } finally {
        await writer.close();
      }
      const port = broker.port;
      await broker.stop();
      const during = new KafkaWriter({
        createProducer: () => createReadingsProducer({ bootstrapBrokers: [`127.0.0.1:${port}`] }),
        topic: 'writer-outage',
        maxAttempts: 2,
        sleep: noWait,
      });
      try {
        const outcome = await during.put(records(5));
        expect(outcome.put).toEqual([]);
        expect(outcome.failed.map((f) => f.item)).toEqual([0, 1, 2, 3, 4]);
        for (const failure of outcome.failed) expect(failure.errorMessage).not.toBe('');
      } finally {
        await during.close().catch(() => {});
      }
      broker = await startKafka({ distribution: requireCachedKafka(), dataDir, port });
      const after = new KafkaWriter({
        createProducer: () => createReadingsProducer({ bootstrapBrokers: [broker.bootstrapServers] }),
        topic: 'writer-outage',
        sleep: noWait,
      });
      try {
        expect((await after.put(records(10))).failed).toEqual([]);
      } finally {
        await after.close();
      }
      // 20 before the outage, 10 after, none of the outage's 5, none twice.
      expect(await storedCount(broker.bootstrapServers, 'writer-outage')).toBe(30);
    });
  });
});
