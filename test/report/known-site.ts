import { afterAll, afterEach, beforeAll } from 'vitest';
import type { SqlDatabase } from '../../lambdas/db/sql-client.js';
import { INSTRUMENT_TYPES, type InstrumentType } from '../../lambdas/domain/instrument-types.js';
import type { ReportSettings } from '../../local/report/report-data.js';
import { windowStartOf } from '../../lambdas/domain/window-aggregate.js';
import type { WindowKey } from '../../lambdas/domain/window-accumulator.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { RECOMPUTE_WINDOWS } from '../../lambdas/batch/aurora-sql.js';
import { toMicroUnits } from '../../lambdas/domain/reading.js';
import type { SourcedReading } from '../../lambdas/shared/tumbling-window.js';
import { startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';

/**
 * A small site with known readings, written through the batch store's real write path
 * (readings, then window aggregates and trigger evaluation), so every figure the views
 * and the report show can be worked out by hand from the readings below.
 *
 * Windows are 10 s, readings are due every 10 s (the report_settings defaults). The site's
 * days are UTC days (report_settings.site_time_zone = 'UTC', set when the site is written), so
 * the figures below read in UTC; the Melbourne days are tested in test/db/site-days.test.ts.
 *
 * Every instrument is judged by its type's default rule (lambdas/domain/trigger-rules.ts):
 * its initial baseline is the mean of its first 5 readings (here one reading a window), in
 * force from the end of the window that completed it, and a rise is confirmed by 2
 * consecutive windows (a window of one reading has no re-reads to confirm it at once).
 *
 * PZ-01, piezometer (change from baseline: rise +30 / +50 / +70 kPa, fall -20 / -30 / -40
 * kPa), E 320000 N 5812000:
 *   2024-03-01 23:50:00 to 23:59:40, every 20 s: 30 readings alternating 100.1, 100.2 kPa.
 *     Baseline (100.1 + 100.2 + 100.1 + 100.2 + 100.1) / 5 = 100.14 kPa, from 23:51:30.
 *   2024-03-02 00:00:00 to 00:04:50, every 10 s: 120, 140, 100, 120, 120, 120 (the first minute:
 *     still a mean of 120), then 6 × 140, 6 × 160, 12 × 120 kPa. Changes: +19.86 (normal), +39.86
 *     (alert), -0.14 (normal), +59.86 (alarm), +19.86 (normal, below 30 - 4 of dead band). So the
 *     lone 140 at 00:00:10 is an unconfirmed spike (peak alert, 00:00:10 until 00:00:20, never
 *     notified); normal → alert at 00:01:10 (the second window at 140), alert → alarm at 00:02:10
 *     (the second at 160), alarm → normal at once at 00:03:00.
 * SM-01, settlement marker (change: heave +5 / +8 / +10 mm, settlement -10 / -15 / -20 mm;
 * settlement rate not yet judged: a minute of samples does not cover half its 24 h), E 320050 N 5812030:
 *   2024-03-02 00:00:00 to 00:00:40, every 10 s: 5 × -2 mm, the baseline -2 mm, from 00:00:50;
 *   00:00:50 to 00:01:40, every 10 s: -12, -12.5, -12, -12.5, -12, -12.5 mm, changes -10 and -10.5,
 *     so normal → alert (settlement) at 00:01:00, the second window, still open.
 * WS-01, water standpipe at surface level 50 m (rise on the level itself: 47 / 48 / 49 m;
 * drawdown from baseline once it has one), E 320100 N 5811980:
 *   two readings of 45 m, 60 s and 50 s before the site is written: reporting, not silent,
 *   normal, still without a baseline (2 readings of 5).
 */
export const KNOWN_SITE = {
  windowSeconds: 10,
  piezometer: 'PZ-01',
  settlementMarker: 'SM-01',
  standpipe: 'WS-01',
} as const;

/** The known site's report settings: the report_settings defaults, in UTC. */
const KNOWN_SITE_SETTINGS =
  "UPDATE report_settings SET window_seconds = 10, poll_interval_seconds = 10, silent_after_seconds = 900, site_time_zone = 'UTC'";

/** Report settings as the report reads them: the known site's (UTC, readings every 10 s), with changes. */
export function reportSettings(changes: Partial<Omit<ReportSettings, 'readingIntervalSeconds'>> = {}): ReportSettings {
  const settings = { windowSeconds: 10, pollIntervalSeconds: 10, silentAfterSeconds: 900, siteTimeZone: 'UTC', ...changes };
  return {
    ...settings,
    readingIntervalSeconds: Object.fromEntries(INSTRUMENT_TYPES.map((type) => [type, settings.pollIntervalSeconds])) as Record<
      InstrumentType,
      number
    >,
  };
}

const at = (iso: string) => Date.parse(iso);

function reading(
  instrumentId: string,
  type: InstrumentType,
  observedAt: number,
  value: number,
  position: { easting: number; northing: number; surfaceLevel?: number },
  sequence: number,
): SourcedReading {
  return {
    reading: {
      instrumentId,
      type,
      value,
      observedAt,
      surfaceLevel: position.surfaceLevel ?? null,
      easting: position.easting,
      northing: position.northing,
    },
    shardId: 'shardId-000000000000',
    sequenceNumber: String(sequence).padStart(20, '0'),
    arrivedAt: observedAt + 500,
  };
}

/** The known site's readings; `now` places the standpipe's recent readings. */
export function knownSiteReadings(now: number): SourcedReading[] {
  const readings: SourcedReading[] = [];
  let sequence = 0;
  const add = (
    id: string,
    type: InstrumentType,
    observedAt: number,
    value: number,
    position: { easting: number; northing: number; surfaceLevel?: number },
  ) => readings.push(reading(id, type, observedAt, value, position, (sequence += 1)));

  const pz = { easting: 320000, northing: 5812000 };
  for (let i = 0; i < 30; i++) add('PZ-01', 'piezometer', at('2024-03-01T23:50:00Z') + i * 20_000, i % 2 === 0 ? 100.1 : 100.2, pz);
  const day2 = [
    ...[120, 140, 100, 120, 120, 120],
    ...Array<number>(6).fill(140),
    ...Array<number>(6).fill(160),
    ...Array<number>(12).fill(120),
  ];
  day2.forEach((value, i) => add('PZ-01', 'piezometer', at('2024-03-02T00:00:00Z') + i * 10_000, value, pz));

  const sm = { easting: 320050, northing: 5812030 };
  [-2, -2, -2, -2, -2, -12, -12.5, -12, -12.5, -12, -12.5].forEach((value, i) =>
    add('SM-01', 'settlement_marker', at('2024-03-02T00:00:00Z') + i * 10_000, value, sm),
  );

  const ws = { easting: 320100, northing: 5811980, surfaceLevel: 50 };
  add('WS-01', 'water_standpipe', now - 60_000, 45, ws);
  add('WS-01', 'water_standpipe', now - 50_000, 45, ws);
  return readings;
}

/**
 * Writes the known site through the batch store and evaluates every window, and its report
 * settings unless told not to. Returns the instant the standpipe's readings were placed relative to.
 */
export async function writeKnownSite(db: SqlDatabase, now = Date.now(), options: { settings?: boolean } = {}): Promise<number> {
  // Without the report views' migrations (an older database) there are no settings to write.
  if (options.settings !== false) await db.execute(KNOWN_SITE_SETTINGS);
  const store = new AuroraBatchStore(db, KNOWN_SITE.windowSeconds);
  const readings = knownSiteReadings(now);
  await store.writeBatch(readings, []);
  await store.finaliseWindows(windowsOf(readings, KNOWN_SITE.windowSeconds), 'shardId-000000000000', now + 3_600_000);
  return now;
}

/**
 * Writes the known site into a database that has only the core schema (migration 0001), as
 * the pipeline stored it then: instruments with the single-band trigger mode of that schema
 * (every column it requires), readings, and the window aggregates, not yet judged (the
 * trigger model's columns come with migration 0004).
 */
export async function writeKnownSiteInCoreSchema(db: SqlDatabase, now = Date.now()): Promise<number> {
  const readings = knownSiteReadings(now);
  const iso = (ms: number) => new Date(ms).toISOString();
  const instruments = new Map<string, { type: InstrumentType; first: number; last: number }>();
  for (const { reading: r } of readings) {
    const held = instruments.get(r.instrumentId) ?? { type: r.type, first: r.observedAt, last: r.observedAt };
    instruments.set(r.instrumentId, { ...held, first: Math.min(held.first, r.observedAt), last: Math.max(held.last, r.observedAt) });
  }
  const units: Record<string, string> = { piezometer: 'kPa', settlement_marker: 'mm', water_standpipe: 'm' };
  for (const [id, i] of instruments)
    await db.execute(
      `INSERT INTO instruments (instrument_id, instrument_type, unit, trigger_mode, first_observed_at, last_observed_at)
       VALUES (:id, :type, :unit, :mode, :first::timestamptz, :last::timestamptz)`,
      {
        id,
        type: i.type,
        unit: units[i.type]!,
        mode: i.type === 'settlement_marker' ? 'magnitude' : 'rising',
        first: iso(i.first),
        last: iso(i.last),
      },
    );
  for (const { reading: r, shardId, sequenceNumber } of readings)
    await db.execute(
      `INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence)
       VALUES (:id, :at::timestamptz, :micro, :shard, :sequence)`,
      { id: r.instrumentId, at: iso(r.observedAt), micro: toMicroUnits(r.value), shard: shardId, sequence: sequenceNumber },
    );
  const windowMs = KNOWN_SITE.windowSeconds * 1000;
  const windows = windowsOf(readings, KNOWN_SITE.windowSeconds).map((k) => ({
    instrument_id: k.instrumentId,
    window_start: iso(k.windowStart),
    window_end: iso(k.windowStart + windowMs),
  }));
  await db.execute(RECOMPUTE_WINDOWS, {
    windows: { json: windows },
    window_seconds: KNOWN_SITE.windowSeconds,
    shard: 'shardId-000000000000',
  });
  return now;
}

/**
 * Writes aggregates of another window length over the same readings, without evaluating
 * them (as a second processor configured with that window would before its watermark).
 */
export async function writeAggregatesOfWindow(db: SqlDatabase, windowSeconds: number, now: number): Promise<void> {
  const store = new AuroraBatchStore(db, windowSeconds);
  await store.finaliseWindows(windowsOf(knownSiteReadings(now), windowSeconds), 'shardId-000000000000', 0);
}

/** The distinct windows the readings fall in. */
function windowsOf(readings: readonly SourcedReading[], windowSeconds: number): WindowKey[] {
  const keys = new Map<string, WindowKey>();
  for (const { reading: r } of readings) {
    const windowStart = windowStartOf(r.observedAt, windowSeconds * 1000);
    keys.set(`${r.instrumentId}@${windowStart}`, { instrumentId: r.instrumentId, windowStart });
  }
  return [...keys.values()];
}

/**
 * The known site written to a fresh database on `engine` before the suite's tests, closed
 * after them, with the report settings put back to the known site's after each test.
 */
export function useKnownSiteDatabase(engine: Engine): { readonly local: LocalBatchDatabase; readonly writtenAt: number } {
  let local: LocalBatchDatabase | undefined;
  let writtenAt = 0;
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
    writtenAt = await writeKnownSite(local.db);
  });
  afterAll(async () => {
    await local?.close();
  });
  afterEach(async () => {
    await local?.db.execute(KNOWN_SITE_SETTINGS);
    await local?.db.execute('UPDATE report_reading_intervals SET expected_interval_seconds = NULL');
  });
  return {
    get local() {
      if (!local) throw new Error('the known-site database is opened in beforeAll');
      return local;
    },
    get writtenAt() {
      return writtenAt;
    },
  };
}
