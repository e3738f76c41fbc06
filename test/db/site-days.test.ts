import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { localDay } from '../../lambdas/domain/site-time.js';
import { windowStartOf } from '../../lambdas/domain/window-aggregate.js';
import type { SourcedReading } from '../../lambdas/shared/tumbling-window.js';
import { startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';

/**
 * The report views' days are the site's local days (report_settings.site_time_zone,
 * migration 0003). A Melbourne site read across both daylight-saving changes of 2025:
 *
 * - DST ends on Sunday 6 April 2025 (the first Sunday of April) at 03:00 AEDT =
 *   2025-04-05T16:00Z, when clocks go back to 02:00 AEST: the local day 2025-04-06 runs
 *   from 00:00 AEDT (2025-04-05T13:00Z) to 00:00 AEST (2025-04-06T14:00Z), 25 hours.
 * - DST starts on Sunday 5 October 2025 at 02:00 AEST = 2025-10-04T16:00Z, when clocks go
 *   forward to 03:00 AEDT: 2025-10-05 runs from 2025-10-04T14:00Z to 2025-10-05T13:00Z, 23 hours.
 *
 * PZ-M1 (piezometer), readings at (UTC → Melbourne):
 *   2025-04-05T12:59:50Z 100 kPa → 04-05 23:59:50 AEDT
 *   2025-04-05T13:00:00Z 110 kPa → 04-06 00:00:00 AEDT
 *   2025-04-05T15:30:00Z 120 kPa → 04-06 02:30:00 AEDT (the first 02:30)
 *   2025-04-05T16:30:00Z 130 kPa → 04-06 02:30:00 AEST (the second)
 *   2025-04-06T13:59:50Z 140 kPa → 04-06 23:59:50 AEST
 *   2025-04-06T14:00:00Z 150 kPa → 04-07 00:00:00 AEST
 * SM-M1 (settlement marker):
 *   2025-10-04T13:59:50Z -5 mm → 10-04 23:59:50 AEST
 *   2025-10-04T14:00:00Z -6 mm → 10-05 00:00:00 AEST
 *   2025-10-05T12:59:50Z -7 mm → 10-05 23:59:50 AEDT
 *   2025-10-05T13:00:00Z -8 mm → 10-06 00:00:00 AEDT
 * EX-M1 (extensometer): five readings of 0 mm, 2026-04-04T14:29:10Z to 14:29:50Z (its initial
 *   baseline, 0 mm from 14:30:00Z), then a reading of 12 mm at 2026-04-04T14:30Z (01:30 AEDT on
 *   5 April 2026) read again at 14:30:05Z: a change of +12 mm, above its +10 mm alert level,
 *   confirmed at once by the window's re-reads. The README's worked example.
 */

const at = (iso: string) => Date.parse(iso);
const SHARD = 'shardId-000000000000';
const WINDOW_SECONDS = 10;

const READINGS: ReadonlyArray<readonly [string, InstrumentType, string, number]> = [
  ['PZ-M1', 'piezometer', '2025-04-05T12:59:50Z', 100],
  ['PZ-M1', 'piezometer', '2025-04-05T13:00:00Z', 110],
  ['PZ-M1', 'piezometer', '2025-04-05T15:30:00Z', 120],
  ['PZ-M1', 'piezometer', '2025-04-05T16:30:00Z', 130],
  ['PZ-M1', 'piezometer', '2025-04-06T13:59:50Z', 140],
  ['PZ-M1', 'piezometer', '2025-04-06T14:00:00Z', 150],
  ['SM-M1', 'settlement_marker', '2025-10-04T13:59:50Z', -5],
  ['SM-M1', 'settlement_marker', '2025-10-04T14:00:00Z', -6],
  ['SM-M1', 'settlement_marker', '2025-10-05T12:59:50Z', -7],
  ['SM-M1', 'settlement_marker', '2025-10-05T13:00:00Z', -8],
  ['EX-M1', 'extensometer', '2026-04-04T14:29:10Z', 0],
  ['EX-M1', 'extensometer', '2026-04-04T14:29:20Z', 0],
  ['EX-M1', 'extensometer', '2026-04-04T14:29:30Z', 0],
  ['EX-M1', 'extensometer', '2026-04-04T14:29:40Z', 0],
  ['EX-M1', 'extensometer', '2026-04-04T14:29:50Z', 0],
  ['EX-M1', 'extensometer', '2026-04-04T14:30:00Z', 12],
  ['EX-M1', 'extensometer', '2026-04-04T14:30:05Z', 12],
];

async function writeMelbourneSite(db: LocalBatchDatabase['db']): Promise<void> {
  const readings: SourcedReading[] = READINGS.map(([instrumentId, type, observed, value], i) => ({
    reading: { instrumentId, type, value, observedAt: at(observed), surfaceLevel: null, easting: 320000 + i, northing: 5812000 },
    shardId: SHARD,
    sequenceNumber: String(i + 1).padStart(20, '0'),
    arrivedAt: at(observed) + 500,
  }));
  const store = new AuroraBatchStore(db, WINDOW_SECONDS);
  await store.writeBatch(readings, []);
  const windows = readings.map(({ reading }) => ({
    instrumentId: reading.instrumentId,
    windowStart: windowStartOf(reading.observedAt, WINDOW_SECONDS * 1000),
  }));
  await store.finaliseWindows(windows, SHARD, at('2026-04-05T00:00:00Z'));
}

/** A timestamptz column as ISO-8601 UTC text, the same on every engine. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

const DAILY = `
SELECT instrument_id, day::text AS day, ${iso('day_start')} AS day_start, ${iso('day_end')} AS day_end, day_hours,
  reading_count, min_value, mean, max_value, readings_expected, completeness, site_time_zone, expected_interval_seconds
FROM report_daily_summary
WHERE (instrument_id = 'PZ-M1' AND day BETWEEN '2025-04-05' AND '2025-04-07')
   OR (instrument_id = 'SM-M1' AND day BETWEEN '2025-10-04' AND '2025-10-06')
ORDER BY instrument_id, day`;

interface DailyRow {
  instrument_id: string;
  day: string;
  day_start: string;
  day_end: string;
  day_hours: number;
  reading_count: number;
}

function siteDaySuite(engine: Engine) {
  let local: LocalBatchDatabase | undefined;
  const db = () => {
    if (!local) throw new Error('the database is opened in beforeAll');
    return local.db;
  };
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
    await writeMelbourneSite(local.db);
  });
  afterAll(async () => {
    await local?.close();
  });
  afterEach(async () => {
    await db().execute("UPDATE report_settings SET site_time_zone = 'Australia/Melbourne', poll_interval_seconds = 10");
    await db().execute('UPDATE report_reading_intervals SET expected_interval_seconds = NULL');
  });

  it('starts in Melbourne, with every type expecting readings at the polling interval', async () => {
    expect(await db().query('SELECT site_time_zone FROM report_settings')).toEqual([{ site_time_zone: 'Australia/Melbourne' }]);
    expect(
      await db().query('SELECT instrument_type, expected_interval_seconds FROM report_reading_intervals ORDER BY instrument_type'),
    ).toEqual(
      ['extensometer', 'piezometer', 'settlement_marker', 'strain_gauge', 'water_standpipe'].map((instrument_type) => ({
        instrument_type,
        expected_interval_seconds: null,
      })),
    );
  });

  it('cuts Melbourne days at local midnight across both changes: 25 hours in April, 23 in October', async () => {
    const melbourne = { site_time_zone: 'Australia/Melbourne', expected_interval_seconds: 10 };
    expect(await db().query(DAILY)).toEqual([
      // From the first reading (12:59:50Z) to the day's end (13:00Z): 10 s, 1 reading due, 1 came.
      {
        instrument_id: 'PZ-M1',
        day: '2025-04-05',
        day_start: '2025-04-04T13:00:00Z',
        day_end: '2025-04-05T13:00:00Z',
        day_hours: 24,
        reading_count: 1,
        min_value: 100,
        mean: 100,
        max_value: 100,
        readings_expected: 1,
        completeness: 1,
        ...melbourne,
      },
      // 25 h = 90 000 s: 9 000 readings due; 110, 120, 130, 140 came (both 02:30s), mean 125.
      {
        instrument_id: 'PZ-M1',
        day: '2025-04-06',
        day_start: '2025-04-05T13:00:00Z',
        day_end: '2025-04-06T14:00:00Z',
        day_hours: 25,
        reading_count: 4,
        min_value: 110,
        mean: 125,
        max_value: 140,
        readings_expected: 9000,
        completeness: 4 / 9000,
        ...melbourne,
      },
      {
        instrument_id: 'PZ-M1',
        day: '2025-04-07',
        day_start: '2025-04-06T14:00:00Z',
        day_end: '2025-04-07T14:00:00Z',
        day_hours: 24,
        reading_count: 1,
        min_value: 150,
        mean: 150,
        max_value: 150,
        readings_expected: 8640,
        completeness: 1 / 8640,
        ...melbourne,
      },
      {
        instrument_id: 'SM-M1',
        day: '2025-10-04',
        day_start: '2025-10-03T14:00:00Z',
        day_end: '2025-10-04T14:00:00Z',
        day_hours: 24,
        reading_count: 1,
        min_value: -5,
        mean: -5,
        max_value: -5,
        readings_expected: 1,
        completeness: 1,
        ...melbourne,
      },
      // 23 h = 82 800 s: 8 280 due; -6 and -7 came.
      {
        instrument_id: 'SM-M1',
        day: '2025-10-05',
        day_start: '2025-10-04T14:00:00Z',
        day_end: '2025-10-05T13:00:00Z',
        day_hours: 23,
        reading_count: 2,
        min_value: -7,
        mean: -6.5,
        max_value: -6,
        readings_expected: 8280,
        completeness: 2 / 8280,
        ...melbourne,
      },
      {
        instrument_id: 'SM-M1',
        day: '2025-10-06',
        day_start: '2025-10-05T13:00:00Z',
        day_end: '2025-10-06T13:00:00Z',
        day_hours: 24,
        reading_count: 1,
        min_value: -8,
        mean: -8,
        max_value: -8,
        readings_expected: 8640,
        completeness: 1 / 8640,
        ...melbourne,
      },
    ]);
  });

  it('gives the same days as the domain rule (lambdas/domain/site-time.ts)', async () => {
    const rows = await db().query<DailyRow>(DAILY);
    for (const row of rows) {
      const day = localDay(row.day, 'Australia/Melbourne');
      expect([row.day, Date.parse(row.day_start), Date.parse(row.day_end), row.day_hours]).toEqual([
        day.day,
        day.start,
        day.end,
        day.hours,
      ]);
    }
    // Zones with other changes: Santiago skips midnight, Lord Howe moves by 30 minutes, Kolkata and Chatham are off the hour.
    const cases: Array<[string, string]> = [
      ['America/Santiago', '2026-09-06'],
      ['America/Santiago', '2026-04-05'],
      ['Australia/Lord_Howe', '2026-04-05'],
      ['Australia/Lord_Howe', '2026-10-04'],
      ['Asia/Kolkata', '2026-06-01'],
      ['Pacific/Chatham', '2026-04-05'],
      ['Europe/London', '2026-03-29'],
      ['America/New_York', '2026-11-01'],
    ];
    for (const [zone, date] of cases) {
      const [row] = await db().query<{ start: string; end: string }>(
        `SELECT ${iso('report_local_day_start(:day::date, :zone)')} AS start, ${iso('report_local_day_start(:day::date + 1, :zone)')} AS "end"`,
        { day: date, zone },
      );
      const day = localDay(date, zone);
      expect([zone, date, Date.parse(row!.start), Date.parse(row!.end)]).toEqual([zone, date, day.start, day.end]);
    }
  });

  it('keeps the site days whatever the session time zone', async () => {
    const inSession = await db().transaction(async (session) => {
      await session.execute("SET LOCAL TimeZone TO 'America/New_York'");
      return session.query(DAILY);
    });
    expect(inSession).toEqual(await db().query(DAILY));
  });

  it('follows the zone in report_settings: in UTC the same readings fall on UTC days', async () => {
    await db().execute("UPDATE report_settings SET site_time_zone = 'UTC'");
    const rows = await db().query<DailyRow & { readings_expected: number }>(
      `SELECT day::text AS day, ${iso('day_start')} AS day_start, day_hours, reading_count, readings_expected
       FROM report_daily_summary WHERE instrument_id = 'PZ-M1' AND day BETWEEN '2025-04-05' AND '2025-04-07' ORDER BY day`,
    );
    expect(rows).toEqual([
      // 12:59:50Z to midnight UTC: 39 610 s, 3 961 due; 100, 110, 120, 130 came.
      { day: '2025-04-05', day_start: '2025-04-05T00:00:00Z', day_hours: 24, reading_count: 4, readings_expected: 3961 },
      { day: '2025-04-06', day_start: '2025-04-06T00:00:00Z', day_hours: 24, reading_count: 2, readings_expected: 8640 },
      { day: '2025-04-07', day_start: '2025-04-07T00:00:00Z', day_hours: 24, reading_count: 0, readings_expected: 8640 },
    ]);
  });

  it('puts the reading at 2026-04-04T14:30Z on the local day 2026-04-05, a 25-hour day, in every view that gives days', async () => {
    expect(
      await db().query(
        `SELECT day::text AS day, mean, status, change_value FROM report_instrument_history
         WHERE instrument_id = 'EX-M1' AND window_start = '2026-04-04T14:30:00Z'`,
      ),
    ).toEqual([{ day: '2026-04-05', mean: 12, status: 'alert', change_value: 12 }]);
    expect(
      await db().query(
        `SELECT day::text AS day, ${iso('changed_at')} AS changed_at, to_status, confirmed_by FROM report_trigger_exceedances
         WHERE instrument_id = 'EX-M1'`,
      ),
    ).toEqual([{ day: '2026-04-05', changed_at: '2026-04-04T14:30:00Z', to_status: 'alert', confirmed_by: 're-read' }]);
    expect(
      await db().query(
        `SELECT baseline_id, value, ${iso('effective_from')} AS effective_from FROM report_baselines WHERE instrument_id = 'EX-M1'`,
      ),
    ).toEqual([{ baseline_id: 'initial', value: 0, effective_from: '2026-04-04T14:30:00Z' }]);
    expect(
      await db().query(
        `SELECT day::text AS day, ${iso('day_start')} AS day_start, ${iso('day_end')} AS day_end, day_hours, reading_count
         FROM report_daily_summary WHERE instrument_id = 'EX-M1' AND day BETWEEN '2026-04-04' AND '2026-04-06' ORDER BY day`,
      ),
    ).toEqual([
      { day: '2026-04-05', day_start: '2026-04-04T13:00:00Z', day_end: '2026-04-05T14:00:00Z', day_hours: 25, reading_count: 7 },
      { day: '2026-04-06', day_start: '2026-04-05T14:00:00Z', day_end: '2026-04-06T14:00:00Z', day_hours: 24, reading_count: 0 },
    ]);
  });

  it("counts completeness at the type's expected interval where one is set, else at the polling interval", async () => {
    await db().execute("UPDATE report_reading_intervals SET expected_interval_seconds = 900 WHERE instrument_type = 'settlement_marker'");
    await db().execute('UPDATE report_settings SET poll_interval_seconds = 20');
    const rows = await db().query(
      `SELECT instrument_id, day::text AS day, readings_expected, completeness, expected_interval_seconds FROM report_daily_summary
       WHERE (instrument_id = 'SM-M1' AND day BETWEEN '2025-10-04' AND '2025-10-06') OR (instrument_id = 'PZ-M1' AND day = '2025-04-06')
       ORDER BY instrument_id, day`,
    );
    expect(rows).toEqual([
      // The piezometer follows the polling interval: 90 000 s / 20 s.
      { instrument_id: 'PZ-M1', day: '2025-04-06', readings_expected: 4500, completeness: 4 / 4500, expected_interval_seconds: 20 },
      // 10 s at one per 900 s: 1 due. 82 800 s / 900 s = 92. 86 400 s / 900 s = 96.
      { instrument_id: 'SM-M1', day: '2025-10-04', readings_expected: 1, completeness: 1, expected_interval_seconds: 900 },
      { instrument_id: 'SM-M1', day: '2025-10-05', readings_expected: 92, completeness: 2 / 92, expected_interval_seconds: 900 },
      { instrument_id: 'SM-M1', day: '2025-10-06', readings_expected: 96, completeness: 1 / 96, expected_interval_seconds: 900 },
    ]);
    await expect(
      db().execute("UPDATE report_reading_intervals SET expected_interval_seconds = 0 WHERE instrument_type = 'piezometer'"),
    ).rejects.toThrow(/report_reading_intervals_expected_interval_seconds_check|check constraint/);
  });

  it('refuses a time zone PostgreSQL does not know, naming it, and keeps the one it had', async () => {
    await expect(db().execute("UPDATE report_settings SET site_time_zone = 'Mars/Olympus_Mons'")).rejects.toThrow(
      /report_settings\.site_time_zone: unknown time zone "Mars\/Olympus_Mons"/,
    );
    await expect(db().execute("UPDATE report_settings SET site_time_zone = 'australia/melbourne'")).rejects.toThrow(
      /unknown time zone "australia\/melbourne"/,
    );
    expect(await db().query('SELECT site_time_zone FROM report_settings')).toEqual([{ site_time_zone: 'Australia/Melbourne' }]);
    expect(await db().execute("UPDATE report_settings SET site_time_zone = 'Australia/Perth'")).toBe(1);
  });
}

describe('site days in the report views (PGlite)', () => siteDaySuite('pglite'));
describeWithPostgres('site days in the report views (PostgreSQL)', () => siteDaySuite('postgres'));
