import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { encodeReading } from '../lambdas/domain/reading-codec.js';
import { kinesisClientFor } from '../local/kinesis-local.js';
import { startLocalPipeline } from '../local/pipeline.js';
import { syntheticReadings } from './data-api.js';
import type { Metric } from './metric.js';

const READINGS = 10_000;

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
