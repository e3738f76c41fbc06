import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline.js';
import { bruteForceWindows, servedReadings, storedWindows, windowFaults } from '../support/served-readings.js';

/**
 * `npm start -- --stream kafka` end to end: the simulator, the poller's Kafka writer, a real
 * Apache Kafka broker, the local MSK event source mapping and the unchanged batch processor
 * on PGlite behind the local Data API. Windows close by each partition's event-time
 * watermark, so the windows still pending on a partition at the end are left out of the
 * comparison, and counted.
 */

const WINDOW_SECONDS = 2;
let dataDir: string;
let pipeline: LocalPipeline;

async function pollTimes(n: number) {
  for (let i = 0; i < n; i += 1) {
    await pipeline.pollNow();
    await new Promise((resolve) => setTimeout(resolve, 350));
  }
}

/** The (instrument, window) pairs the batch processor holds as not yet complete on their partition. */
async function pendingWindows(): Promise<Set<string>> {
  const rows = await pipeline.database.query<{ instrument_id: string; start: string }>(
    `SELECT instrument_id, to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS start
       FROM stream_pending_windows WHERE consumer = 'batch'`,
  );
  return new Set(rows.map((row) => `${row.instrument_id}|${row.start}`));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pipeline-kafka-'));
  pipeline = await startLocalPipeline({
    dataDir,
    stream: 'kafka',
    kafkaPort: 0,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    apiPort: 0,
    consolePort: 0,
    instrumentsPerType: 4,
    faultRate: 0,
    windowSeconds: WINDOW_SECONDS,
    allowedLatenessSeconds: 1,
    shards: 2,
    recordServed: true,
    realtime: 'off',
  });
});

afterAll(async () => {
  await pipeline?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded pipeline on Kafka end to end (simulator, a real broker, the local MSK event source mapping, PGlite)', () => {
  it('stores every completed window equal to a brute-force recomputation from what the simulator served, counting every reading once', async () => {
    expect(pipeline.stream.kind).toBe('kafka');
    await pollTimes(8);
    await pipeline.drain();

    const served = servedReadings(pipeline.simulator!.served);
    const expected = bruteForceWindows(served.values(), WINDOW_SECONDS);
    const pending = await pendingWindows();
    const completed = new Map([...expected].filter(([key]) => !pending.has(key)));
    expect(completed.size).toBeGreaterThanOrEqual(5 * 4);
    expect(pending.size).toBeLessThan(expected.size);
    expect(windowFaults(await storedWindows(pipeline.database, WINDOW_SECONDS), completed)).toEqual([]);

    const summary = await pipeline.summary();
    expect(summary.readingsPolled).toBe(summary.readingsAccepted + summary.readingsRejected);
    expect(summary.recordsProcessed).toBe(summary.recordsPut);
    const [counts] = await pipeline.database.query<{ readings: number; distinct_readings: number }>(
      'SELECT count(*)::int AS readings, count(DISTINCT (instrument_id, observed_at))::int AS distinct_readings FROM readings',
    );
    expect(counts!.readings).toBe(served.size);
    expect(counts!.distinct_readings).toBe(served.size);
  });

  it('quarantines a poison record once, under its topic-partition and offset, and keeps its partition moving', async () => {
    if (pipeline.stream.kind !== 'kafka') throw new Error('expected the Kafka stream');
    const producer = new Producer({ clientId: 'poison-test', bootstrapBrokers: [pipeline.stream.bootstrapServers] });
    await producer.send({
      messages: [{ topic: pipeline.streamName, partition: 0, key: Buffer.from('BH-X'), value: Buffer.from('not a reading') }],
    });
    await producer.close();
    const before = await pipeline.summary();
    await pollTimes(2);
    await pipeline.drain();
    const rows = await pipeline.database.query<{ quarantine_id: string; reason: string }>(
      `SELECT quarantine_id, reason FROM quarantined_readings WHERE quarantine_id LIKE :pattern`,
      { pattern: `${pipeline.streamName}-0@%` },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.reason).toBe('undecodable_record');
    const after = await pipeline.summary();
    expect(after.recordsProcessed - before.recordsProcessed).toBe(after.recordsPut - before.recordsPut + 1);
  });

  it('loses nothing and counts nothing twice across a database outage', async () => {
    const before = await pipeline.summary();
    for (let attempt = 1; ; attempt += 1) {
      const outage = pipeline.simulateDatabaseOutage(3_000);
      await pollTimes(3);
      await Promise.all([pipeline.drain(), outage]);
      if ((await pipeline.summary()).recordsPut > before.recordsPut || attempt === 10) break;
    }
    const after = await pipeline.summary();
    expect(after.recordsPut).toBeGreaterThan(before.recordsPut);
    expect(after.recordsProcessed - before.recordsProcessed).toBe(after.recordsPut - before.recordsPut);
    expect(after.failedBatches).toBe(0);
    expect(after.invocationErrors).toBeGreaterThan(before.invocationErrors);
    const [counts] = await pipeline.database.query<{ readings: number; distinct_readings: number }>(
      'SELECT count(*)::int AS readings, count(DISTINCT (instrument_id, observed_at))::int AS distinct_readings FROM readings',
    );
    const servedItems = pipeline.simulator!.served.reduce((n, s) => n + s.items.length, 0);
    expect(counts!.readings).toBe(servedItems);
    expect(counts!.distinct_readings).toBe(servedItems);
  });
});
