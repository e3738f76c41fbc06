import { describe, expect, it } from 'vitest';
import type { Engine } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { KNOWN_SITE, useKnownSiteDatabase, writeAggregatesOfWindow } from '../report/known-site.js';

/** A timestamptz column as ISO-8601 UTC text, so rows compare the same on every engine. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

function reportViewSuite(engine: Engine) {
  const site = useKnownSiteDatabase(engine);

  const daily = (where = '') =>
    site.local.db.query(
      `SELECT instrument_id, instrument_type, unit, day::text AS day, reading_count, min_value, mean, max_value, readings_expected, completeness
       FROM report_daily_summary WHERE instrument_id IN ('PZ-01', 'SM-01') AND day BETWEEN '2024-03-01' AND '2024-03-03' ${where}
       ORDER BY instrument_id, day`,
    );

  it('starts with the default settings in its single settings row', async () => {
    expect(await site.local.db.query('SELECT window_seconds, poll_interval_seconds, silent_after_seconds FROM report_settings')).toEqual([
      { window_seconds: 10, poll_interval_seconds: 10, silent_after_seconds: 900 },
    ]);
    await expect(site.local.db.execute('INSERT INTO report_settings DEFAULT VALUES')).rejects.toThrow(/report_settings_pkey|duplicate key/);
    await expect(site.local.db.execute('INSERT INTO report_settings (singleton) VALUES (false)')).rejects.toThrow(
      /report_settings_singleton_check|check constraint/,
    );
  });

  it('summarises each instrument per UTC day: exact mean, completeness at the polling interval, empty days kept', async () => {
    const piezometer = { instrument_id: 'PZ-01', instrument_type: 'piezometer', unit: 'kPa' };
    const marker = { instrument_id: 'SM-01', instrument_type: 'settlement_marker', unit: 'mm' };
    expect(await daily()).toEqual([
      // First reading 23:50:00: 600 s of the day at one reading per 10 s = 60 expected; 30 came (every 20 s).
      {
        ...piezometer,
        day: '2024-03-01',
        reading_count: 30,
        min_value: 100.1,
        mean: 100.15,
        max_value: 100.2,
        readings_expected: 60,
        completeness: 0.5,
      },
      // A whole past day: 86 400 s / 10 s = 8 640 expected. Mean (720 + 6·140 + 6·160 + 12·120) / 30 = 132.
      {
        ...piezometer,
        day: '2024-03-02',
        reading_count: 30,
        min_value: 100,
        mean: 132,
        max_value: 160,
        readings_expected: 8640,
        completeness: 30 / 8640,
      },
      {
        ...piezometer,
        day: '2024-03-03',
        reading_count: 0,
        min_value: null,
        mean: null,
        max_value: null,
        readings_expected: 8640,
        completeness: 0,
      },
      // The marker's first day is 2024-03-02: no row before it. 5 × -2 then 3 × -12 and 3 × -12.5:
      // mean -83.5 / 11, computed once from the sum in micro-units.
      {
        ...marker,
        day: '2024-03-02',
        reading_count: 11,
        min_value: -12.5,
        mean: -83_500_000 / 11_000_000,
        max_value: -2,
        readings_expected: 8640,
        completeness: 11 / 8640,
      },
      {
        ...marker,
        day: '2024-03-03',
        reading_count: 0,
        min_value: null,
        mean: null,
        max_value: null,
        readings_expected: 8640,
        completeness: 0,
      },
    ]);
  });

  it("keeps the site's days (here UTC days) whatever the session time zone", async () => {
    const inUtc = await daily();
    const inMelbourne = await site.local.db.transaction(async (session) => {
      await session.execute("SET LOCAL TimeZone TO 'Australia/Melbourne'");
      return session.query(
        `SELECT instrument_id, instrument_type, unit, day::text AS day, reading_count, min_value, mean, max_value, readings_expected, completeness
         FROM report_daily_summary WHERE instrument_id IN ('PZ-01', 'SM-01') AND day BETWEEN '2024-03-01' AND '2024-03-03'
         ORDER BY instrument_id, day`,
      );
    });
    expect(inMelbourne).toEqual(inUtc);
  });

  it('reads the polling interval from report_settings', async () => {
    await site.local.db.execute('UPDATE report_settings SET poll_interval_seconds = 20');
    const [first] = await daily("AND instrument_id = 'PZ-01' AND day = '2024-03-01'");
    // 600 s at one reading per 20 s: 30 expected, 30 came.
    expect(first).toMatchObject({ readings_expected: 30, completeness: 1 });
  });

  it('shows the history of one instrument over a time range, window by window, with how each window was judged', async () => {
    const rows = await site.local.db.query(
      `SELECT instrument_id, instrument_type, unit, window_seconds, ${iso('window_start')} AS window_start, ${iso('window_end')} AS window_end,
         reading_count, mean, min_value, max_value, status, raw_status, change_value, rate_per_day, baseline_id, baseline_value, beyond_horizon
       FROM report_instrument_history
       WHERE instrument_id = 'PZ-01' AND window_start >= '2024-03-02T00:01:00Z' AND window_start < '2024-03-02T00:02:00Z'
       ORDER BY window_start`,
    );
    const starts = ['00:01:00', '00:01:10', '00:01:20', '00:01:30', '00:01:40', '00:01:50'];
    expect(rows).toEqual(
      starts.map((start, i) => ({
        instrument_id: 'PZ-01',
        instrument_type: 'piezometer',
        unit: 'kPa',
        window_seconds: 10,
        window_start: `2024-03-02T${start}Z`,
        window_end: `2024-03-02T${starts[i + 1] ?? '00:02:00'}Z`,
        reading_count: 1,
        mean: 140,
        min_value: 140,
        max_value: 140,
        // The first window at 140 is raw alert only; the second confirms the rise.
        status: i === 0 ? 'normal' : 'alert',
        raw_status: 'alert',
        change_value: 140 - PZ_BASELINE,
        // A piezometer's default rule has no rate band.
        rate_per_day: null,
        baseline_id: 'initial',
        baseline_value: PZ_BASELINE,
        beyond_horizon: false,
      })),
    );
  });

  it('filters the history on the primary key: instrument, window length and window start are all index conditions', async () => {
    const plan = (
      await site.local.db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM report_instrument_history
         WHERE instrument_id = 'PZ-01' AND window_start >= '2024-03-02T00:00:00Z' AND window_start < '2024-03-03T00:00:00Z'`,
      )
    )
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    expect(plan).toMatch(/Index Scan using window_aggregates_pkey on window_aggregates/);
    const condition = /Index Cond: (.*)/.exec(plan.split(/window_aggregates_pkey/)[1] ?? '')?.[1] ?? '';
    expect(condition).toMatch(/instrument_id = 'PZ-01'/);
    expect(condition).toMatch(/window_seconds = /);
    expect(condition).toMatch(/window_start >= /);
    expect(condition).toMatch(/window_start < /);
    expect(plan).not.toMatch(/Seq Scan on window_aggregates/);
  });

  it('reports on the configured window length only, and sums to the same day whatever that length', async () => {
    await writeAggregatesOfWindow(site.local.db, 60, site.writtenAt);
    try {
      const tenSecondDays = await daily();
      expect(tenSecondDays.map((row) => (row as { reading_count: number }).reading_count)).toEqual([30, 30, 0, 11, 0]);

      await site.local.db.execute('UPDATE report_settings SET window_seconds = 60');
      const minutes = await site.local.db.query(
        `SELECT ${iso('window_start')} AS window_start, window_seconds, reading_count, mean FROM report_instrument_history
         WHERE instrument_id = 'PZ-01' AND window_start >= '2024-03-02T00:00:00Z' AND window_start < '2024-03-02T00:05:00Z' ORDER BY window_start`,
      );
      expect(minutes).toEqual([
        { window_start: '2024-03-02T00:00:00Z', window_seconds: 60, reading_count: 6, mean: 120 },
        { window_start: '2024-03-02T00:01:00Z', window_seconds: 60, reading_count: 6, mean: 140 },
        { window_start: '2024-03-02T00:02:00Z', window_seconds: 60, reading_count: 6, mean: 160 },
        { window_start: '2024-03-02T00:03:00Z', window_seconds: 60, reading_count: 6, mean: 120 },
        { window_start: '2024-03-02T00:04:00Z', window_seconds: 60, reading_count: 6, mean: 120 },
      ]);
      expect(await daily()).toEqual(tenSecondDays);
    } finally {
      await site.local.db.execute('DELETE FROM window_aggregates WHERE window_seconds = 60');
    }
  });

  it('logs every status change with the duration of the status it entered, open while current, and what it was judged on', async () => {
    const rows = await site.local.db.query(
      `SELECT instrument_id, instrument_type, unit, ${iso('changed_at')} AS changed_at, ${iso('window_end')} AS window_end, from_status, to_status,
         window_mean, trigger_alert, trigger_alarm, trigger_action, ${iso('ended_at')} AS ended_at, duration::text AS duration, duration_seconds, is_open,
         cause, confirmed_by, change_value, rate_per_day, baseline_id, baseline_value, late
       FROM report_trigger_exceedances ORDER BY instrument_id, changed_at`,
    );
    const pz = { instrument_id: 'PZ-01', instrument_type: 'piezometer', unit: 'kPa', rate_per_day: null, late: false };
    // A rise carries the levels of the band that caused it, in its judged quantity (here the change).
    const riseLevels = { trigger_alert: 30, trigger_alarm: 50, trigger_action: 70 };
    expect(rows).toEqual([
      {
        ...pz,
        ...riseLevels,
        changed_at: '2024-03-02T00:01:10Z',
        window_end: '2024-03-02T00:01:20Z',
        from_status: 'normal',
        to_status: 'alert',
        window_mean: 140,
        ended_at: '2024-03-02T00:02:10Z',
        duration: '00:01:00',
        duration_seconds: 60,
        is_open: false,
        cause: 'level:rise',
        confirmed_by: 'windows',
        change_value: 140 - PZ_BASELINE,
        baseline_id: 'initial',
        baseline_value: PZ_BASELINE,
      },
      {
        ...pz,
        ...riseLevels,
        changed_at: '2024-03-02T00:02:10Z',
        window_end: '2024-03-02T00:02:20Z',
        from_status: 'alert',
        to_status: 'alarm',
        window_mean: 160,
        ended_at: '2024-03-02T00:03:00Z',
        duration: '00:00:50',
        duration_seconds: 50,
        is_open: false,
        cause: 'level:rise',
        confirmed_by: 'windows',
        change_value: 160 - PZ_BASELINE,
        baseline_id: 'initial',
        baseline_value: PZ_BASELINE,
      },
      {
        ...pz,
        // A fall to normal takes effect at once and has no band behind it.
        trigger_alert: null,
        trigger_alarm: null,
        trigger_action: null,
        changed_at: '2024-03-02T00:03:00Z',
        window_end: '2024-03-02T00:03:10Z',
        from_status: 'alarm',
        to_status: 'normal',
        window_mean: 120,
        ended_at: null,
        duration: null,
        duration_seconds: null,
        is_open: true,
        cause: null,
        confirmed_by: 'fall',
        change_value: 120 - PZ_BASELINE,
        baseline_id: 'initial',
        baseline_value: PZ_BASELINE,
      },
      {
        instrument_id: 'SM-01',
        instrument_type: 'settlement_marker',
        unit: 'mm',
        changed_at: '2024-03-02T00:01:00Z',
        window_end: '2024-03-02T00:01:10Z',
        from_status: 'normal',
        to_status: 'alert',
        window_mean: -12.5,
        // The settlement band: fall levels, descending.
        trigger_alert: -10,
        trigger_alarm: -15,
        trigger_action: -20,
        ended_at: null,
        duration: null,
        duration_seconds: null,
        is_open: true,
        cause: 'level:fall',
        confirmed_by: 'windows',
        change_value: -10.5,
        rate_per_day: null,
        baseline_id: 'initial',
        baseline_value: -2,
        late: false,
      },
    ]);
  });

  it('lists the unconfirmed spikes: rises that fell back before they were confirmed', async () => {
    expect(
      await site.local.db.query(
        `SELECT instrument_id, instrument_type, unit, ${iso('since')} AS since, ${iso('until')} AS until, duration::text AS duration, peak_status, cause
         FROM report_unconfirmed_spikes ORDER BY instrument_id, since`,
      ),
    ).toEqual([
      {
        instrument_id: 'PZ-01',
        instrument_type: 'piezometer',
        unit: 'kPa',
        since: '2024-03-02T00:00:10Z',
        until: '2024-03-02T00:00:20Z',
        duration: '00:00:10',
        peak_status: 'alert',
        cause: 'level:rise',
      },
    ]);
    // Nothing in the known site arrived late: no corrections.
    expect(await site.local.db.query('SELECT * FROM report_late_corrections')).toEqual([]);
  });

  it('gives every instrument its latest status, position, rule, baseline in force and last reading', async () => {
    const rows = await site.local.db.query<Record<string, unknown>>(
      `SELECT instrument_id, instrument_type, unit, easting, northing, latitude, longitude, surface_level, trigger_levels_source,
         trigger_rule, status, ${iso('status_since')} AS status_since, last_mean,
         (extract(epoch FROM last_reading_at) * 1000)::bigint AS last_reading_ms, last_value,
         baseline_id, baseline_source, baseline_value, ${iso('baseline_effective_from')} AS baseline_effective_from
       FROM report_latest_status ORDER BY instrument_id`,
    );
    const standpipeLast = site.writtenAt - 50_000;
    expect(rows).toEqual([
      {
        instrument_id: 'PZ-01',
        instrument_type: 'piezometer',
        unit: 'kPa',
        easting: 320000,
        northing: 5812000,
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        surface_level: null,
        // No rule of its own: judged by its type's default.
        trigger_levels_source: 'default',
        trigger_rule: null,
        status: 'normal',
        status_since: '2024-03-02T00:03:00Z',
        last_mean: 120,
        last_reading_ms: Date.parse('2024-03-02T00:04:50Z'),
        last_value: 120,
        // The fifth reading (23:51:20) completed it, in force from its window's end.
        baseline_id: 'initial',
        baseline_source: 'initial',
        baseline_value: PZ_BASELINE,
        baseline_effective_from: '2024-03-01T23:51:30Z',
      },
      {
        instrument_id: 'SM-01',
        instrument_type: 'settlement_marker',
        unit: 'mm',
        easting: 320050,
        northing: 5812030,
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        surface_level: null,
        trigger_levels_source: 'default',
        trigger_rule: null,
        status: 'alert',
        status_since: '2024-03-02T00:01:00Z',
        last_mean: -12.5,
        last_reading_ms: Date.parse('2024-03-02T00:01:40Z'),
        last_value: -12.5,
        baseline_id: 'initial',
        baseline_source: 'initial',
        baseline_value: -2,
        baseline_effective_from: '2024-03-02T00:00:50Z',
      },
      {
        instrument_id: 'WS-01',
        instrument_type: 'water_standpipe',
        unit: 'm',
        easting: 320100,
        northing: 5811980,
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        surface_level: 50,
        trigger_levels_source: 'default',
        trigger_rule: null,
        status: 'normal',
        status_since: iso10(site.writtenAt - 60_000),
        last_mean: 45,
        last_reading_ms: standpipeLast,
        last_value: 45,
        // Two readings of the five its initial baseline needs.
        baseline_id: null,
        baseline_source: null,
        baseline_value: null,
        baseline_effective_from: null,
      },
    ]);
    // MGA zone 55, E 320 000 N 5 812 000 is in central Melbourne.
    expect(rows[0]!.latitude).toBeCloseTo(-37.81, 1);
    expect(rows[0]!.longitude).toBeCloseTo(144.96, 1);
  });

  it('lists instruments silent for longer than the configured period', async () => {
    const silent = () =>
      site.local.db.query<{ instrument_id: string; last_reading_ms: number; silent_seconds: number; silent_after_seconds: number }>(
        `SELECT instrument_id, (extract(epoch FROM last_reading_at) * 1000)::bigint AS last_reading_ms, silent_seconds, silent_after_seconds
         FROM report_silent_instruments ORDER BY instrument_id`,
      );
    const before = Date.now();
    const rows = await silent();
    const after = Date.now();
    expect(rows.map((r) => [r.instrument_id, r.last_reading_ms, r.silent_after_seconds])).toEqual([
      ['PZ-01', Date.parse('2024-03-02T00:04:50Z'), 900],
      ['SM-01', Date.parse('2024-03-02T00:01:40Z'), 900],
    ]);
    for (const row of rows) {
      expect(row.silent_seconds).toBeGreaterThanOrEqual((before - row.last_reading_ms) / 1000 - 1);
      expect(row.silent_seconds).toBeLessThanOrEqual((after - row.last_reading_ms) / 1000 + 1);
    }

    // The standpipe last read 50 s before the site was written: silent once the period is 30 s.
    await site.local.db.execute('UPDATE report_settings SET silent_after_seconds = 30');
    expect((await silent()).map((r) => r.instrument_id)).toEqual(['PZ-01', 'SM-01', 'WS-01']);
  });
}

/**
 * PZ-01's initial baseline: the mean of its first five readings, as the machine computes it
 * (their sum in micro-units over 5 readings).
 */
const PZ_BASELINE = (100_100_000 + 100_200_000 + 100_100_000 + 100_200_000 + 100_100_000) / (5 * 1_000_000);

/** The window start of a time, as the views print it. */
function iso10(epochMs: number): string {
  const start = epochMs - (epochMs % (KNOWN_SITE.windowSeconds * 1000));
  return new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe('report views (PGlite)', () => reportViewSuite('pglite'));
describeWithPostgres('report views (PostgreSQL)', () => reportViewSuite('postgres'));
