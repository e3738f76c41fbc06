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
import { readOutbox } from '../../lambdas/alarms/notification-channels.js';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { encodeReading } from '../../lambdas/domain/reading-codec.js';
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
    apiPort: 0,
    consolePort: 0,
    instrumentsPerType: 4,
    faultRate: 0,
    windowSeconds: WINDOW_SECONDS,
    tumblingWindowSeconds: 2,
    allowedLatenessSeconds: 1,
    shards: 2,
    recordServed: true,
    realtime: 'off',
    siteTimeZone: 'Australia/Perth',
    contacts: [{ tier: 1, levels: ['alert', 'alarm', 'action'], to: 'oncall@example.com' }],
    responsePlans: [
      { scope: { kind: 'default' }, level: 'alarm', entry: { response: 'Call the designer', limitMinutes: 1, noteRequired: true } },
    ],
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

  it('serves the alarm API on the same database, behind the sign-in stand-in', async () => {
    const signIn = await fetch(`${pipeline.alarmApi.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer', password: 'local-viewer' }),
    });
    expect(signIn.status).toBe(200);
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const list = await fetch(`${pipeline.alarmApi.url}/alarms?limit=200`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { siteTimeZone: string; alarms: { alarmId: string }[] };
    expect(body.siteTimeZone).toBe('Australia/Perth');
    const stored = await pipeline.alarms.listAlarms({}, { limit: 200 });
    expect(body.alarms.map((alarm) => alarm.alarmId)).toEqual(stored.alarms.map((alarm) => alarm.alarmId));
    expect((await fetch(`${pipeline.alarmApi.url}/alarms`)).status).toBe(401);
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
    // (a poll can carry only a few readings, processed at once).
    // Instruments log every few seconds to minutes, so three polls may find nothing new: outages until some did.
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
    const [windowTotal] = await pipeline.database.query<{ total: number }>(
      'SELECT sum(reading_count)::int AS total FROM window_aggregates',
    );
    expect(windowTotal!.total).toBe(servedItems);
  });

  it('applies status changes to alarms and sends their notifications to the outbox file, counted in the summary', async () => {
    expect(await pipeline.alarms.responsePlanRules()).toEqual([
      { scope: { kind: 'default' }, level: 'alarm', entry: { response: 'Call the designer', limitMinutes: 1, noteRequired: true } },
    ]);
    // A piezometer of its own, one reading per 2-s window: baseline 100 kPa, three windows at +60 kPa (Alarm), then 100.
    const start = Math.floor((Date.now() - 10 * 60_000) / 2_000) * 2_000;
    const means = [100, 100, 100, 100, 100, 160, 160, 160, 100, 100, 100];
    const readings = means.map((value, k) => ({
      instrumentId: 'PZ-LOCAL',
      type: 'piezometer' as const,
      value,
      observedAt: start + k * 2_000 + 500,
      surfaceLevel: null,
      northing: null,
      easting: null,
    }));
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: pipeline.streamName,
        Records: readings.map((r) => ({ Data: Buffer.from(encodeReading(r)), PartitionKey: r.instrumentId })),
      }),
    );
    await pipeline.drain();
    const [alarm] = (await pipeline.alarms.listAlarms({ instrumentId: 'PZ-LOCAL' })).alarms;
    expect(alarm).toMatchObject({ state: 'cleared', level: 'alarm', openedAt: start + 6 * 2_000 });
    expect(alarm!.history.map((step) => step.kind)).toEqual(['opened', 'cleared']);

    const outbox = await readOutbox(pipeline.outboxPath);
    const own = outbox.filter((entry) => entry.instrumentId === 'PZ-LOCAL');
    expect(own.map((entry) => [entry.kind, entry.tier, entry.to])).toEqual([
      ['opened', 1, ['oncall@example.com']],
      ['cleared', 1, ['oncall@example.com']],
    ]);
    expect(own[0]!.body).toContain('Call the designer');
    expect(pipeline.newNotifications().map((n) => n.notificationId)).toEqual(expect.arrayContaining(own.map((e) => e.notificationId)));

    // The run's counts, against what the database and the outbox file hold (the data directory was new).
    const { alarms } = await pipeline.summary();
    const [held] = await pipeline.database.query<{ opened: number; cleared: number }>(
      "SELECT count(*)::int AS opened, count(*) FILTER (WHERE state = 'cleared')::int AS cleared FROM alarms",
    );
    expect(alarms.opened).toBe(held!.opened);
    expect(alarms.cleared).toBeGreaterThanOrEqual(held!.cleared);
    expect(alarms.notificationsSent).toBe(outbox.length);
    expect(alarms.tierEscalations).toBe(outbox.filter((entry) => entry.kind === 'tier').length);
    expect(alarms.reminders).toBe(0);
    // Nothing is sent twice by another run.
    await pipeline.escalateNow();
    expect((await readOutbox(pipeline.outboxPath)).length).toBeGreaterThanOrEqual(outbox.length);
    expect(new Set((await readOutbox(pipeline.outboxPath)).map((e) => e.notificationId)).size).toBe(
      (await readOutbox(pipeline.outboxPath)).length,
    );
  });

  it('takes manual readings through the API onto its stream, and processes them with the polled ones', async () => {
    const signIn = await fetch(`${pipeline.alarmApi.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'engineer', password: 'local-engineer' }),
    });
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    // The registry holds an instrument once a polled reading of it is stored.
    await pollTimes(1);
    await pipeline.drain();
    // Any instrument registered so far whose type can read 101.25 (a type logging every few minutes may not have yet).
    const registered = await pipeline.database.query<{ instrument_id: string; instrument_type: InstrumentType }>(
      "SELECT instrument_id, instrument_type FROM instruments WHERE instrument_id <> 'PZ-LOCAL' ORDER BY 1",
    );
    const instrument = registered.find(({ instrument_type }) => {
      const { min, max } = INSTRUMENT_TYPE_SPECS[instrument_type].physicalRange;
      return min <= 101.25 && 101.25 <= max;
    });
    // Odd milliseconds: no logger stamps a reading there.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000 + 123).toISOString();
    const csv = [
      'instrument_id,observed_at,value,note',
      `${instrument!.instrument_id},${at},101.25,dipped by hand`,
      `NOT-AN-INSTRUMENT,${at},1,`,
    ];
    const upload = await fetch(`${pipeline.alarmApi.url}/readings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'text/csv' },
      body: csv.join('\n'),
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ received: 2, accepted: 1, rejected: [{ row: 2, reason: 'unknown_instrument' }] });
    await pipeline.drain();
    expect(
      await pipeline.database.query(
        `SELECT value, source, author, note FROM readings WHERE instrument_id = '${instrument!.instrument_id}' AND observed_at = '${at}'`,
      ),
    ).toEqual([{ value: 101.25, source: 'manual', author: 'engineer@site.local', note: 'dipped by hand' }]);
    // The window it fell in (the pipeline's 2-s windows), as the read API shows it.
    const from = encodeURIComponent(new Date(Date.parse(at) - 2_000).toISOString());
    const windows = await fetch(`${pipeline.alarmApi.url}/instruments/${instrument!.instrument_id}/windows?from=${from}&limit=5`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const page = (await windows.json()) as { windows: { windowStart: string; windowEnd: string; count: number }[] };
    const holding = page.windows.filter((w) => Date.parse(w.windowStart) <= Date.parse(at) && Date.parse(at) < Date.parse(w.windowEnd));
    expect(holding).toEqual([expect.objectContaining({ count: expect.any(Number) })]);
  });
});
