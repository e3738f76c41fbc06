import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { requireCachedKafka } from '../../local/kafka/distribution.js';
import { serverProperties, startKafka } from '../../local/kafka/server.js';

/** Reads every record of `topic` from the beginning until `count` have arrived. */
async function readAll(bootstrap: string, topic: string, count: number): Promise<Array<{ key: string; value: string; partition: number }>> {
  const consumer = new Consumer({
    clientId: 'broker-test-reader',
    groupId: `broker-test-${Date.now()}-${Math.random()}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    const seen: Array<{ key: string; value: string; partition: number }> = [];
    for await (const message of stream) {
      seen.push({ key: message.key, value: message.value, partition: message.partition });
      if (seen.length === count) break;
    }
    await stream.close();
    return seen;
  } finally {
    await consumer.close(true);
  }
}

describe('the local Apache Kafka broker (a real KRaft broker from the cached jars)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-broker-test-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('configures one node as broker and controller on loopback, with no ZooKeeper', () => {
    const properties = serverProperties({ port: 9092, controllerPort: 9093, logDir: '/data/log' });
    expect(properties).toContain('process.roles=broker,controller');
    expect(properties).toContain('listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(properties).toContain('log.dirs=/data/log');
    expect(properties).not.toMatch(/zookeeper/i);
  });

  it('the project broker serves produce and fetch', async () => {
    const bootstrap = inject('kafkaBootstrap');
    const admin = new Admin({ clientId: 'broker-test', bootstrapBrokers: [bootstrap] });
    await admin.createTopics({ topics: ['broker-smoke'], partitions: 2, replicas: 1 });
    await admin.close();
    const producer = new Producer({ clientId: 'broker-test', bootstrapBrokers: [bootstrap], serializers: stringSerializers });
    await producer.send({ messages: [{ topic: 'broker-smoke', key: 'SP-001', value: 'one' }] });
    await producer.close();
    expect(await readAll(bootstrap, 'broker-smoke', 1)).toEqual([expect.objectContaining({ key: 'SP-001', value: 'one' })]);
  });

  it('a broker restarted on the same data folder still holds every record it acknowledged', async () => {
    const distribution = requireCachedKafka();
    const first = await startKafka({ distribution, dataDir });
    const admin = new Admin({ clientId: 'broker-test', bootstrapBrokers: [first.bootstrapServers] });
    await admin.createTopics({ topics: ['kept'], partitions: 3, replicas: 1 });
    await admin.close();
    const producer = new Producer({
      clientId: 'broker-test',
      bootstrapBrokers: [first.bootstrapServers],
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
    });
    const messages = Array.from({ length: 30 }, (_, i) => ({ topic: 'kept', key: `PZ-${i % 5}`, value: `reading ${i}` }));
    await producer.send({ messages });
    await producer.close();
    await first.stop();

    const second = await startKafka({ distribution, dataDir });
    try {
      const read = await readAll(second.bootstrapServers, 'kept', 30);
      expect(read.map((r) => r.value).sort()).toEqual(messages.map((m) => m.value).sort());
      // One key, one partition: an instrument's readings stay in order.
      const partitionsOfKey = new Map<string, Set<number>>();
      for (const r of read) partitionsOfKey.set(r.key, (partitionsOfKey.get(r.key) ?? new Set()).add(r.partition));
      for (const partitions of partitionsOfKey.values()) expect(partitions.size).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
