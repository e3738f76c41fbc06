import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { encodeReading } from '../lambdas/domain/reading-codec.js';
import { createReadingsProducer, KafkaWriter } from '../lambdas/poller/kafka-writer.js';
import { kinesisClientFor } from '../local/kinesis-local.js';
import { startLocalPipeline } from '../local/pipeline.js';
import { syntheticReadings } from './data-api.js';
import type { Metric } from './metric.js';

const READINGS = 10_000;
/** Kafka's target: a site of 20,000 instruments read every 10 s. */
const KAFKA_TARGET_READINGS_PER_SECOND = 2_000;

/**
 * End to end on the embedded services: readings per second from the first PutRecords
 * to the last window aggregate committed by the batch processor; and the processing
 * part alone (reading the stream to committed aggregates), because the emulator's
 * PutRecords, which slows as its shards grow, dominates the whole.
 */
export async function benchPipeline(): Promise<Metric[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const pipeline = await startLocalPipeline({
    dataDir: dir,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    apiPort: 0,
    consolePort: 0,
    instrumentsPerType: 1,
    shards: 4,
    tumblingWindowSeconds: 5,
    persistStream: false,
    realtime: 'off',
  });
  const kinesis = kinesisClientFor(pipeline.kinesisEndpoint);
  try {
    const readings = syntheticReadings(READINGS, 500);
    const start = performance.now();
    for (let i = 0; i < readings.length; i += 500) {
      const entries = readings
        .slice(i, i + 500)
        .map(({ reading }) => ({ Data: Buffer.from(encodeReading(reading)), PartitionKey: reading.instrumentId }));
      const output = await kinesis.send(new PutRecordsCommand({ StreamName: pipeline.streamName, Records: entries }));
      if (output.FailedRecordCount) throw new Error(`kinesis-local refused ${output.FailedRecordCount} records`);
    }
    const processingStart = performance.now();
    await pipeline.drain();
    const end = performance.now();
    const seconds = (end - start) / 1000;
    const processingSeconds = (end - processingStart) / 1000;
    const [row] = await pipeline.database.query<{ total: number }>(
      'SELECT coalesce(sum(reading_count), 0)::int AS total FROM window_aggregates',
    );
    if (row?.total !== READINGS) throw new Error(`expected ${READINGS} readings in the aggregates, found ${row?.total}`);
    return [
      {
        name: 'end to end, local (PutRecords to committed aggregates, kinesis-local + PGlite)',
        value: Math.round(READINGS / seconds),
        unit: 'readings/s',
      },
      {
        name: 'batch processing, local (GetRecords to committed aggregates, 4 shards, PGlite)',
        value: Math.round(READINGS / processingSeconds),
        unit: 'readings/s',
      },
    ];
  } finally {
    kinesis.destroy();
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same on Kafka (`npm start -- --stream kafka`): readings per second from the first
 * produce request (the poller's idempotent writer) to every reading committed by the batch
 * processor on the local MSK event source mapping, through the real broker. Windows close by
 * each partition's watermark, so the last ones of the run stay pending: the check is on the
 * readings, and the windows closed are counted.
 */
export async function benchPipelineKafka(): Promise<Metric[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-kafka-'));
  const pipeline = await startLocalPipeline({
    dataDir: dir,
    stream: 'kafka',
    kafkaPort: 0,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    apiPort: 0,
    consolePort: 0,
    instrumentsPerType: 1,
    shards: 4,
    persistStream: false,
    realtime: 'off',
  });
  if (pipeline.stream.kind !== 'kafka') throw new Error('the pipeline did not start on Kafka');
  const writer = new KafkaWriter({
    createProducer: () =>
      createReadingsProducer({ bootstrapBrokers: [(pipeline.stream as { bootstrapServers: string }).bootstrapServers] }),
    topic: pipeline.streamName,
  });
  try {
    const readings = syntheticReadings(READINGS, 500);
    const start = performance.now();
    for (let i = 0; i < readings.length; i += 500) {
      const outcome = await writer.put(
        readings
          .slice(i, i + 500)
          .map(({ reading }) => ({ partitionKey: reading.instrumentId, data: Buffer.from(encodeReading(reading)), item: reading })),
      );
      if (outcome.failed.length > 0)
        throw new Error(`the broker refused ${outcome.failed.length} records: ${outcome.failed[0]!.errorMessage}`);
    }
    await pipeline.drain();
    const seconds = (performance.now() - start) / 1000;
    const [row] = await pipeline.database.query<{ readings: number }>('SELECT count(*)::int AS readings FROM readings');
    if (row?.readings !== READINGS) throw new Error(`expected ${READINGS} readings committed, found ${row?.readings}`);
    return [
      {
        name: 'end to end, local on Kafka (produce to committed readings and completed windows, real broker + PGlite)',
        value: Math.round(READINGS / seconds),
        unit: 'readings/s',
        target: `>= ${KAFKA_TARGET_READINGS_PER_SECOND}`,
      },
    ];
  } finally {
    await writer.close();
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
