import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../local/esm/checkpoint-store.js';
import { LocalEventSourceMapping } from '../../local/esm/event-source-mapping.js';
import { kinesisClientFor } from '../../local/kinesis-local.js';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline.js';
import { bruteForceWindows, servedReadings, storedWindows, windowFaults } from '../support/served-readings.js';

const WINDOW_SECONDS = 2;
let dataDir: string;
let pipeline: LocalPipeline;
let kinesis: KinesisClient;

async function pollTimes(n: number) {
  for (let i = 0; i < n; i += 1) {
    await pipeline.pollNow();
    await new Promise((resolve) => setTimeout(resolve, 350));
  }
}

async function tables() {
  const q = (sql: string) => pipeline.database.query<Record<string, unknown>>(sql);
  return {
    instruments: await q(
      'SELECT instrument_id, instrument_type, surface_level, latitude, longitude, trigger_levels_source, trigger_rule FROM instruments ORDER BY 1',
    ),
    readings: await q('SELECT instrument_id, observed_at::text, value_micro FROM readings ORDER BY 1, 2'),
    windows: await q(
      'SELECT instrument_id, window_start::text, reading_count, sum_micro, mean, min_value, max_value, first_observed_at::text, last_observed_at::text FROM window_aggregates ORDER BY 1, 2',
    ),
    status: await q('SELECT * FROM instrument_status ORDER BY 1'),
    events: await q('SELECT instrument_id, window_start::text, from_status, to_status, window_mean FROM trigger_events ORDER BY 1, 2'),
  };
}

/** Every record in the stream, read back over all shards. */
async function streamRecords(): Promise<Array<{ data: Uint8Array; partitionKey: string }>> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: pipeline.streamName }));
  const all: Array<{ data: Uint8Array; partitionKey: string }> = [];
  for (const shard of Shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({ StreamName: pipeline.streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) all.push({ data: r.Data!, partitionKey: r.PartitionKey! });
      iterator = page.NextShardIterator;
      if (!page.Records?.length) break;
    }
  }
  return all;
}

/**
 * The tables agree on everything the data decides. Trigger evaluation also moves with the
 * watermark (arrival time), so a later run may evaluate windows that were still pending:
 * earlier changes must stand unaltered and new ones may only concern later windows.
 */
function expectSameOutcome(after: Awaited<ReturnType<typeof tables>>, before: Awaited<ReturnType<typeof tables>>) {
  expect(after.instruments).toEqual(before.instruments);
  expect(after.readings).toEqual(before.readings);
  expect(after.windows).toEqual(before.windows);
  const evaluatedUpTo = before.status.reduce(
    (latest, row) => (String(row.last_window_start) > latest ? String(row.last_window_start) : latest),
    '',
  );
  const key = (row: Record<string, unknown>) => `${String(row.instrument_id)}@${String(row.window_start)}`;
  const earlier = after.events.filter((row) => String(row.window_start) <= evaluatedUpTo);
  expect(new Set(earlier.map(key))).toEqual(new Set(before.events.filter((row) => String(row.window_start) <= evaluatedUpTo).map(key)));
  expect(after.events.filter((row) => before.events.some((b) => key(b) === key(row)))).toEqual(before.events);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-'));
  pipeline = await startLocalPipeline({
    dataDir,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    instrumentsPerType: 4,
    faultRate: 0,
    windowSeconds: WINDOW_SECONDS,
    tumblingWindowSeconds: 2,
    allowedLatenessSeconds: 1,
    shards: 2,
    recordServed: true,
    realtime: 'off',
    siteTimeZone: 'Australia/Perth',
  });
  kinesis = kinesisClientFor(pipeline.kinesisEndpoint);
});

afterAll(async () => {
  await pipeline?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded pipeline end to end (simulator, kinesis-local, PGlite behind the local Data API)', () => {
  it('writes its site time zone into report_settings, and refuses one that is not an IANA name before starting anything', async () => {
    expect(pipeline.siteTimeZone).toBe('Australia/Perth');
    expect(await pipeline.database.query('SELECT site_time_zone FROM report_settings')).toEqual([{ site_time_zone: 'Australia/Perth' }]);
    await expect(startLocalPipeline({ dataDir, siteTimeZone: 'Perth' })).rejects.toThrow(
      'site time zone must be an IANA time zone name such as Australia/Melbourne or UTC (got "Perth")',
    );
  });

  it('stores window aggregates equal to a brute-force recomputation from what the simulator served', async () => {
    await pollTimes(8);
    await pipeline.drain();

    const served = servedReadings(pipeline.simulator!.served);
    const expected = bruteForceWindows(served.values(), WINDOW_SECONDS);
    expect(expected.size).toBeGreaterThanOrEqual(5 * 4);
    expect(windowFaults(await storedWindows(pipeline.database, WINDOW_SECONDS), expected)).toEqual([]);
    const summary = await pipeline.summary();
    expect(summary.readingsPolled).toBe(summary.readingsAccepted + summary.readingsRejected);
    expect(summary.recordsProcessed).toBe(summary.recordsPut);
  });

  it('gives identical tables when the stream is processed again from the start', async () => {
    const before = await tables();
    const replay = new LocalEventSourceMapping({
      kinesis,
      streamName: pipeline.streamName,
      region: 'us-east-1',
      invoke: pipeline.batchHandler,
      checkpoints: new MemoryCheckpointStore(),
      onFailure: async (failure) => {
        throw new Error(`replay lost a batch: ${failure.error}`);
      },
      settings: { tumblingWindowSeconds: 2, batchSize: 37 },
    });
    await replay.drain();
    expectSameOutcome(await tables(), before);
  });

  it('changes nothing when every record is delivered again as a duplicate', async () => {
    const before = await tables();
    const records = await streamRecords();
    for (let i = 0; i < records.length; i += 500) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: pipeline.streamName,
          Records: records.slice(i, i + 500).map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        }),
      );
    }
    await pipeline.drain();
    expectSameOutcome(await tables(), before);
  });

  it('quarantines a poison record and keeps its shard moving', async () => {
    const poison = { v: 1, id: 'BH-POISON', type: 'piezometer', value: 'lots', t: Date.now() };
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: pipeline.streamName,
        Records: [{ Data: Buffer.from(JSON.stringify(poison)), PartitionKey: 'BH-POISON' }],
      }),
    );
    const readingsBefore = (await tables()).readings.length;
    await pollTimes(2);
    await pipeline.drain();
    const quarantined = await pipeline.database.query<{ reason: string; detail: string; raw: string }>(
      "SELECT reason, detail, raw FROM quarantined_readings WHERE raw LIKE '%BH-POISON%'",
    );
    expect(quarantined).toEqual([
      { reason: 'undecodable_record', detail: 'record value "lots" is not a finite number', raw: JSON.stringify(poison) },
    ]);
    expect((await tables()).readings.length).toBeGreaterThan(readingsBefore);
  });

  it('loses nothing and counts nothing twice across a database outage', async () => {
    const before = await pipeline.summary();
    // The database goes down first, so the readings these polls put reach it during the outage
    // (instruments log every few seconds to minutes, so a poll can carry only a few, processed at once).
    const outage = pipeline.simulateDatabaseOutage(3_000);
    await pollTimes(3);
    await Promise.all([pipeline.drain(), outage]);
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
    const [windowTotal] = await pipeline.database.query<{ total: number }>(
      'SELECT sum(reading_count)::int AS total FROM window_aggregates',
    );
    expect(windowTotal!.total).toBe(servedItems);
  });
});
