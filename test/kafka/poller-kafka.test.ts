import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Admin, Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { isRecordFault, readReadingRecord } from '../../lambdas/domain/reading-codec.js';
import type { Rejection } from '../../lambdas/domain/rejection.js';
import { DEFAULT_SOURCE_PATHS } from '../../lambdas/domain/source-api.js';
import { DEFAULT_INITIAL_LOOKBACK, type PollerConfig } from '../../lambdas/poller/config.js';
import { createReadingsProducer, KafkaWriter, partitionForKey } from '../../lambdas/poller/kafka-writer.js';
import { createPoller } from '../../lambdas/poller/poller.js';
import { JsonlQuarantineSink } from '../../lambdas/shared/quarantine.js';
import { startSimulatorServer, type RunningSimulator } from '../../local/simulator-server.js';

const START = Date.parse('2026-03-02T01:00:00Z');
const directory = mkdtempSync(join(tmpdir(), 'poller-kafka-'));
let simulator: RunningSimulator | undefined;
const writers: KafkaWriter[] = [];

afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
  for (const writer of writers.splice(0)) await writer.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A poller writing through the Kafka writer to `topic`, reading a simulator, quarantining to a JSONL file. */
async function setUp(bootstrap: string, topic: string) {
  const clock = { now: START };
  simulator = await startSimulatorServer({ seed: 'poller-kafka', instrumentsPerType: 4, recordServed: true, now: () => clock.now });
  const connection = { bootstrapServers: [bootstrap], topic, auth: 'none' as const, region: undefined };
  const config: PollerConfig = {
    streamName: topic,
    stream: { kind: 'kafka', connection },
    sourceBaseUrl: simulator.url,
    sourcePaths: [...DEFAULT_SOURCE_PATHS],
    sourceAuth: { mode: 'none' },
    pollIntervalMs: 10_000,
    requestTimeoutMs: 2_000,
    requestMaxAttempts: 3,
    maxFutureSkewMs: 60_000,
    quarantineQueueUrl: undefined,
    historyMode: 'off',
    initialLookback: DEFAULT_INITIAL_LOOKBACK,
    historyPageLimit: 2_000,
    cursorTableName: undefined,
  };
  const writer = new KafkaWriter({
    createProducer: () => createReadingsProducer({ bootstrapBrokers: [bootstrap] }),
    topic,
    maxAttempts: 2,
    sleep: async () => {},
  });
  writers.push(writer);
  const quarantinePath = join(directory, `${topic}.jsonl`);
  const poller = createPoller({
    config,
    writer,
    quarantine: new JsonlQuarantineSink(quarantinePath),
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => clock.now,
    sleep: async () => undefined,
  });
  const quarantined = (): Rejection[] =>
    existsSync(quarantinePath)
      ? readFileSync(quarantinePath, 'utf8')
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Rejection)
      : [];
  return { poller, quarantined, simulator };
}

async function readTopic(bootstrap: string, topic: string, expected: number) {
  const consumer = new Consumer({
    clientId: 'poller-kafka-test',
    groupId: `poller-kafka-${topic}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
  });
  try {
    const end = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const stored = end.reduce((sum, offset) => sum + Number(offset), 0);
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    const seen: Array<{ key: string; partition: number; value: Buffer }> = [];
    if (expected > 0) {
      for await (const message of stream) {
        seen.push({ key: message.key.toString('utf8'), partition: message.partition, value: message.value });
        if (seen.length === expected) break;
      }
    }
    await stream.close();
    return { stored, seen };
  } finally {
    await consumer.close(true);
  }
}

describe('the poller with STREAM_KIND=kafka, against the simulator and a real broker', () => {
  const bootstrap = (): string => inject('kafkaBootstrap');

  it("puts every accepted reading on the topic once, keyed by its instrument on Kafka's partition for it, encoded as on Kinesis", async () => {
    const admin = new Admin({ clientId: 'poller-kafka-test', bootstrapBrokers: [bootstrap()] });
    try {
      await admin.createTopics({ topics: ['poller-readings'], partitions: 3 });
    } finally {
      await admin.close();
    }
    const { poller, quarantined } = await setUp(bootstrap(), 'poller-readings');
    const summary = await poller.pollOnce();
    expect(summary.readingsPolled).toBeGreaterThan(0);
    expect(summary.readingsAccepted + summary.readingsRejected).toBe(summary.readingsPolled);
    expect(quarantined().filter((r) => r.reason === 'put_failed')).toEqual([]);
    expect(quarantined()).toHaveLength(summary.readingsRejected);

    const { stored, seen } = await readTopic(bootstrap(), 'poller-readings', summary.readingsAccepted);
    expect(stored).toBe(summary.readingsAccepted);
    const identities = new Set<string>();
    for (const record of seen) {
      const reading = readReadingRecord(record.value.toString('base64'));
      if (isRecordFault(reading)) throw new Error(`undecodable record: ${reading.fault}`);
      expect(record.key).toBe(reading.instrumentId);
      expect(record.partition).toBe(partitionForKey(record.key, 3));
      identities.add(`${reading.instrumentId}@${reading.observedAt}`);
    }
    expect(identities.size).toBe(summary.readingsAccepted);
  });

  it('quarantines every accepted reading as put_failed, with the reason, when the topic does not exist', async () => {
    const { poller, quarantined } = await setUp(bootstrap(), 'poller-missing-topic');
    const summary = await poller.pollOnce();
    expect(summary.readingsPolled).toBeGreaterThan(0);
    expect(summary.readingsAccepted).toBe(0);
    const putFailed = quarantined().filter((r) => r.reason === 'put_failed');
    expect(putFailed.length).toBeGreaterThan(0);
    expect(summary.rejectedByReason.put_failed).toBe(putFailed.length);
    for (const rejection of putFailed)
      expect(rejection.detail).toMatch(
        /^the stream refused the record 2 time\(s\); last error .*(unknown topic|UNKNOWN_TOPIC|does not exist)/i,
      );
  });
});
