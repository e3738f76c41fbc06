import { describe, expect, it } from 'vitest';
import { ReportUsageError } from '../../local/report/options.js';
import { loadReportData, type ReportSelection } from '../../local/report/queries.js';
import { startLocalBatchDatabase, type Engine } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { windowStartOf } from '../../lambdas/domain/window-aggregate.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { reportSettings, useKnownSiteDatabase } from './known-site.js';

const at = (iso: string) => Date.parse(iso);
const day = (from: string, to: string): ReportSelection => ({ from: at(`${from}T00:00:00Z`), to: at(`${to}T00:00:00Z`) + 86_400_000 });

async function refusal(promise: Promise<unknown>): Promise<ReportUsageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ReportUsageError) return error;
    throw error;
  }
  throw new Error('expected the report to be refused');
}

/** PZ-01's initial baseline: its first five readings' sum in micro-units over 5, as the machine computes it. */
const PZ_BASELINE = (100_100_000 + 100_200_000 + 100_100_000 + 100_200_000 + 100_100_000) / (5 * 1_000_000);

function reportQuerySuite(engine: Engine) {
  const site = useKnownSiteDatabase(engine);

  it("reads the known site's day in Melbourne: its UTC evening and morning are one site morning", async () => {
    await site.local.db.execute("UPDATE report_settings SET site_time_zone = 'Australia/Melbourne'");
    // 2 March 2024 in Melbourne (AEDT, UTC+11) runs from 2024-03-01T13:00Z to 2024-03-02T13:00Z.
    const data = await loadReportData(site.local.db, { from: at('2024-03-01T13:00:00Z'), to: at('2024-03-02T13:00:00Z') });
    expect(data.settings.siteTimeZone).toBe('Australia/Melbourne');
    const pz = data.daily.find((row) => row.instrumentId === 'PZ-01');
    // All 60 readings (23:50Z to 00:04:50Z) are on the site's 2 March, from 10:50 local: 13 h 10 min = 47 400 s, 4 740 due.
    // Mean (30 × 100.15 + 30 × 132) / 60 = 116.075.
    expect(pz).toEqual({
      instrumentId: 'PZ-01',
      type: 'piezometer',
      unit: 'kPa',
      day: '2024-03-02',
      dayHours: 24,
      readingCount: 60,
      min: 100,
      mean: expect.closeTo(116.075, 9),
      max: 160,
      readingsExpected: 4740,
      completeness: 60 / 4740,
    });
    expect(data.daily.filter((row) => row.instrumentId === 'PZ-01').map((row) => row.day)).toEqual(['2024-03-02']);
  });

  it('reads a day of the known site: instruments by type, 5-minute buckets, daily rows, status changes and silent instruments', async () => {
    const data = await loadReportData(site.local.db, day('2024-03-02', '2024-03-02'), { now: () => 1_234 });
    expect(data.generatedAt).toBe(1_234);
    expect(data.settings).toEqual(reportSettings());
    // A day over at most 400 points: 216 s wanted, 300 s is the next round length.
    expect(data.bucketSeconds).toBe(300);
    expect(data.instruments.map((i) => [i.instrumentId, i.type, i.status])).toEqual([
      ['WS-01', 'water_standpipe', 'normal'],
      ['PZ-01', 'piezometer', 'normal'],
      ['SM-01', 'settlement_marker', 'alert'],
    ]);
    // No rule of their own: each is judged by its type's default, resolved as the batch store resolves it.
    expect(data.instruments[1]).toMatchObject({
      unit: 'kPa',
      easting: 320000,
      northing: 5812000,
      rule: defaultTriggerRule('piezometer', null),
      ruleSource: 'default',
      baseline: { id: 'initial', source: 'initial', value: PZ_BASELINE, effectiveFrom: at('2024-03-01T23:51:30Z') },
      // The latest window (00:04:50, 120 kPa) against the baseline; piezometers have no rate band.
      lastChange: 120 - PZ_BASELINE,
      lastRate: null,
      statusSince: at('2024-03-02T00:03:00Z'),
      lastReadingAt: at('2024-03-02T00:04:50Z'),
      lastValue: 120,
    });
    // The standpipe's rise band is on its level, 3 / 2 / 1 m below its 50 m surface; no baseline yet (2 readings of 5).
    expect(data.instruments[0]).toMatchObject({
      rule: defaultTriggerRule('water_standpipe', 50),
      baseline: null,
      lastChange: null,
      surfaceLevel: 50,
      lastReadingAt: site.writtenAt - 50_000,
    });
    expect(data.instruments[0]!.rule.bands[0]).toEqual({
      direction: 'rise',
      quantity: 'absolute',
      levels: { alert: 47, alarm: 48, action: 49 },
    });
    // The marker's settlement rate is not judged yet: a minute of samples does not cover half of its 24 h.
    expect(data.instruments[2]).toMatchObject({ lastChange: -10.5, lastRate: null, baseline: { id: 'initial', value: -2 } });

    // All of PZ-01's 30 readings that day fall in the 00:00 bucket: (720 + 6·140 + 6·160 + 12·120) / 30 = 132.
    expect(Object.fromEntries(data.series)).toEqual({
      'PZ-01': [{ bucketStart: at('2024-03-02T00:00:00Z'), mean: 132, lowestWindowMean: 100, highestWindowMean: 160, readingCount: 30 }],
      'SM-01': [
        {
          bucketStart: at('2024-03-02T00:00:00Z'),
          mean: -83_500_000 / 11_000_000,
          lowestWindowMean: -12.5,
          highestWindowMean: -2,
          readingCount: 11,
        },
      ],
    });

    expect(data.daily).toEqual([
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        day: '2024-03-02',
        dayHours: 24,
        readingCount: 30,
        min: 100,
        mean: 132,
        max: 160,
        readingsExpected: 8640,
        completeness: 30 / 8640,
      },
      {
        instrumentId: 'SM-01',
        type: 'settlement_marker',
        unit: 'mm',
        day: '2024-03-02',
        dayHours: 24,
        readingCount: 11,
        min: -12.5,
        mean: -83_500_000 / 11_000_000,
        max: -2,
        readingsExpected: 8640,
        completeness: 11 / 8640,
      },
    ]);

    // Rises carry their band's levels in its judged quantity (the change); a fall to normal none.
    const pzRise = { alert: 30, alarm: 50, action: 70 };
    const pz = { instrumentId: 'PZ-01', type: 'piezometer', unit: 'kPa', rate: null, baselineId: 'initial', baselineValue: PZ_BASELINE };
    const onTime = { late: false, delaySeconds: null };
    expect(data.exceedances).toEqual([
      {
        instrumentId: 'SM-01',
        type: 'settlement_marker',
        unit: 'mm',
        changedAt: at('2024-03-02T00:01:00Z'),
        fromStatus: 'normal',
        toStatus: 'alert',
        windowMean: -12.5,
        levels: { alert: -10, alarm: -15, action: -20 },
        cause: 'level:fall',
        confirmedBy: 'windows',
        change: -10.5,
        rate: null,
        baselineId: 'initial',
        baselineValue: -2,
        ...onTime,
        endedAt: null,
        durationSeconds: null,
      },
      {
        ...pz,
        ...onTime,
        changedAt: at('2024-03-02T00:01:10Z'),
        fromStatus: 'normal',
        toStatus: 'alert',
        windowMean: 140,
        levels: pzRise,
        cause: 'level:rise',
        confirmedBy: 'windows',
        change: 140 - PZ_BASELINE,
        endedAt: at('2024-03-02T00:02:10Z'),
        durationSeconds: 60,
      },
      {
        ...pz,
        ...onTime,
        changedAt: at('2024-03-02T00:02:10Z'),
        fromStatus: 'alert',
        toStatus: 'alarm',
        windowMean: 160,
        levels: pzRise,
        cause: 'level:rise',
        confirmedBy: 'windows',
        change: 160 - PZ_BASELINE,
        endedAt: at('2024-03-02T00:03:00Z'),
        durationSeconds: 50,
      },
      {
        ...pz,
        ...onTime,
        changedAt: at('2024-03-02T00:03:00Z'),
        fromStatus: 'alarm',
        toStatus: 'normal',
        windowMean: 120,
        levels: null,
        cause: null,
        confirmedBy: 'fall',
        change: 120 - PZ_BASELINE,
        endedAt: null,
        durationSeconds: null,
      },
    ]);

    // The lone 140 kPa at 00:00:10 fell back the next window: a spike, not a change.
    expect(data.spikes).toEqual([
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        since: at('2024-03-02T00:00:10Z'),
        until: at('2024-03-02T00:00:20Z'),
        peakStatus: 'alert',
        cause: 'level:rise',
      },
    ]);
    expect(data.corrections).toEqual([]);
    expect(data.baselines.map((b) => [b.instrumentId, b.baselineId, b.source, b.value, b.effectiveFrom])).toEqual([
      ['PZ-01', 'initial', 'initial', PZ_BASELINE, at('2024-03-01T23:51:30Z')],
      ['SM-01', 'initial', 'initial', -2, at('2024-03-02T00:00:50Z')],
    ]);

    // Silent longest first.
    expect(data.silent.map((s) => [s.instrumentId, s.lastReadingAt])).toEqual([
      ['SM-01', at('2024-03-02T00:01:40Z')],
      ['PZ-01', at('2024-03-02T00:04:50Z')],
    ]);
  });

  it('averages whole windows into buckets exactly, and keeps each bucket’s range of window means', async () => {
    // 120 s over at most 4 points: 30 s buckets.
    const data = await loadReportData(
      site.local.db,
      { from: at('2024-03-02T00:00:30Z'), to: at('2024-03-02T00:02:30Z') },
      { maxPointsPerSeries: 4 },
    );
    expect(data.bucketSeconds).toBe(30);
    const point = (time: string, mean: number, lowest: number, highest: number) => ({
      bucketStart: at(`2024-03-02T${time}Z`),
      mean,
      lowestWindowMean: lowest,
      highestWindowMean: highest,
      readingCount: 3,
    });
    expect(data.series.get('PZ-01')).toEqual([
      point('00:00:30', 120, 120, 120),
      point('00:01:00', 140, 140, 140),
      point('00:01:30', 140, 140, 140),
      point('00:02:00', 160, 160, 160),
    ]);
    // -2, -2 and -12 mm, then -12.5, -12 and -12.5 mm, then -12 and -12.5 mm (the last two buckets).
    expect(data.series.get('SM-01')).toEqual([
      point('00:00:30', -16 / 3, -12, -2),
      point('00:01:00', -37 / 3, -12.5, -12),
      { ...point('00:01:30', -12.25, -12.5, -12), readingCount: 2 },
    ]);
  });

  it('narrows to a type or an instrument', async () => {
    const markers = await loadReportData(site.local.db, { ...day('2024-03-01', '2024-03-02'), type: 'settlement_marker' });
    expect(markers.instruments.map((i) => i.instrumentId)).toEqual(['SM-01']);
    expect([...markers.series.keys()]).toEqual(['SM-01']);
    expect(markers.daily.map((d) => `${d.instrumentId} ${d.day}`)).toEqual(['SM-01 2024-03-02']);
    expect(markers.spikes).toEqual([]);
    expect(markers.baselines.map((b) => b.instrumentId)).toEqual(['SM-01']);

    const piezometer = await loadReportData(site.local.db, { ...day('2024-03-01', '2024-03-02'), instrumentId: 'PZ-01' });
    expect(piezometer.selection).toEqual({ instrumentId: 'PZ-01' });
    expect(piezometer.daily.map((d) => [d.day, d.readingCount, d.readingsExpected, d.completeness])).toEqual([
      ['2024-03-01', 30, 60, 0.5],
      ['2024-03-02', 30, 8640, 30 / 8640],
    ]);
    expect(piezometer.exceedances.map((e) => e.toStatus)).toEqual(['alert', 'alarm', 'normal']);
  });

  it('refuses an unknown instrument, suggesting similar ones', async () => {
    const unknown = await refusal(loadReportData(site.local.db, { ...day('2024-03-02', '2024-03-02'), instrumentId: 'PZ-99' }));
    expect(unknown.argument).toBe('--instrument');
    expect(unknown.message).toBe('--instrument: no instrument "PZ-99" in the database; the database knows 3 instruments');
    const similar = await refusal(loadReportData(site.local.db, { ...day('2024-03-02', '2024-03-02'), instrumentId: 'pz-01' }));
    expect(similar.message).toBe('--instrument: no instrument "pz-01" in the database; similar: PZ-01');
  });

  it('refuses an instrument of another type than --type, and a type with no instruments', async () => {
    const mismatch = await refusal(
      loadReportData(site.local.db, { ...day('2024-03-02', '2024-03-02'), instrumentId: 'PZ-01', type: 'water_standpipe' }),
    );
    expect(mismatch.message).toBe('--instrument: "PZ-01" is a piezometer, not a water_standpipe (--type)');
    const none = await refusal(loadReportData(site.local.db, { ...day('2024-03-02', '2024-03-02'), type: 'strain_gauge' }));
    expect(none.message).toBe('--type: the database holds no strain_gauge instruments');
  });

  it('refuses a period without data, saying when the data are', async () => {
    const error = await refusal(loadReportData(site.local.db, { ...day('2024-02-01', '2024-02-01'), type: 'settlement_marker' }));
    expect(error.argument).toBe('--from/--to');
    expect(error.message).toBe(
      '--from/--to: no readings for settlement_marker instruments between 2024-02-01T00:00:00.000Z and 2024-02-02T00:00:00.000Z; ' +
        'the database holds readings for settlement_marker instruments from 2024-03-02T00:00:00.000Z to 2024-03-02T00:01:40.000Z',
    );
  });

  it('says so when the aggregates in the period are of another window length than report_settings names', async () => {
    await site.local.db.execute('UPDATE report_settings SET window_seconds = 60');
    const error = await refusal(loadReportData(site.local.db, day('2024-03-02', '2024-03-02')));
    expect(error.message).toMatch(
      /no 60 s window aggregates for any instrument between .* but there are 10 s ones: .*UPDATE report_settings SET window_seconds = 10$/,
    );
  });
}

describe('report queries (PGlite)', () => reportQuerySuite('pglite'));
describeWithPostgres('report queries (PostgreSQL)', () => reportQuerySuite('postgres'));

/**
 * Series buckets longer than an hour follow the site's clocks. EX-M1 reads 10 mm at
 * 2026-04-04T13:00Z (00:00 AEDT on 5 April), 20 mm at 2026-04-05T13:30Z (23:30 AEST, still
 * 5 April: a 25-hour day) and 30 mm at 2026-04-05T14:00Z (00:00 AEST on 6 April).
 */
function siteBucketSuite(engine: Engine) {
  it('averages into site days: the 25-hour 5 April is one bucket, starting at its midnight', async () => {
    const local = await startLocalBatchDatabase(engine);
    try {
      const readings = [
        ['2026-04-04T13:00:00Z', 10],
        ['2026-04-05T13:30:00Z', 20],
        ['2026-04-05T14:00:00Z', 30],
      ].map(([observed, value], i) => ({
        reading: {
          instrumentId: 'EX-M1',
          type: 'extensometer' as const,
          value: value as number,
          observedAt: at(observed as string),
          surfaceLevel: null,
          easting: 320000,
          northing: 5812000,
        },
        shardId: 'shardId-000000000000',
        sequenceNumber: String(i + 1).padStart(20, '0'),
        arrivedAt: at(observed as string) + 500,
      }));
      const store = new AuroraBatchStore(local.db, 10);
      await store.writeBatch(readings, []);
      await store.finaliseWindows(
        readings.map(({ reading }) => ({ instrumentId: reading.instrumentId, windowStart: windowStartOf(reading.observedAt, 10_000) })),
        'shardId-000000000000',
        0,
      );
      // 5 and 6 April in Melbourne: 49 hours; at most 3 points a series wants 58 800 s, so 1-day buckets.
      const period = { from: at('2026-04-04T13:00:00Z'), to: at('2026-04-06T14:00:00Z') };
      const data = await loadReportData(local.db, period, { maxPointsPerSeries: 3 });
      expect(data.bucketSeconds).toBe(86_400);
      expect(data.series.get('EX-M1')!.map((p) => [new Date(p.bucketStart).toISOString(), p.mean, p.readingCount])).toEqual([
        ['2026-04-04T13:00:00.000Z', 15, 2],
        ['2026-04-05T14:00:00.000Z', 30, 1],
      ]);
      expect(data.daily.map((d) => [d.day, d.dayHours, d.readingCount])).toEqual([
        ['2026-04-05', 25, 2],
        ['2026-04-06', 24, 1],
      ]);

      // In UTC the same readings fall on 4 April (10) and 5 April (20, 30).
      await local.db.execute("UPDATE report_settings SET site_time_zone = 'UTC'");
      const utc = await loadReportData(local.db, period, { maxPointsPerSeries: 3 });
      expect(utc.series.get('EX-M1')!.map((p) => [new Date(p.bucketStart).toISOString(), p.mean])).toEqual([
        ['2026-04-04T00:00:00.000Z', 10],
        ['2026-04-05T00:00:00.000Z', 25],
      ]);
    } finally {
      await local.close();
    }
  });
}

describe('report series in site time (PGlite)', () => siteBucketSuite('pglite'));
describeWithPostgres('report series in site time (PostgreSQL)', () => siteBucketSuite('postgres'));

describe('report queries on an empty database', () => {
  it('refuses, pointing at npm start', async () => {
    const local = await startLocalBatchDatabase('pglite');
    try {
      const error = await refusal(loadReportData(local.db, day('2024-03-02', '2024-03-02')));
      expect(error.message).toBe('--data-dir: the database holds no instruments yet: run `npm start` to collect readings first');
    } finally {
      await local.close();
    }
  });
});
