import { describe, expect, it } from 'vitest';
import { ReportUsageError } from '../../local/report/options.js';
import { loadReportData, type ReportSelection } from '../../local/report/queries.js';
import { startLocalBatchDatabase, type Engine } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { useKnownSiteDatabase } from './known-site.js';

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

function reportQuerySuite(engine: Engine) {
  const site = useKnownSiteDatabase(engine);

  it('reads a day of the known site: instruments by type, 5-minute buckets, daily rows, status changes and silent instruments', async () => {
    const data = await loadReportData(site.local.db, day('2024-03-02', '2024-03-02'), { now: () => 1_234 });
    expect(data.generatedAt).toBe(1_234);
    expect(data.settings).toEqual({ windowSeconds: 10, pollIntervalSeconds: 10, silentAfterSeconds: 900 });
    // A day over at most 400 points: 216 s wanted, 300 s is the next round length.
    expect(data.bucketSeconds).toBe(300);
    expect(data.instruments.map((i) => [i.instrumentId, i.type, i.status])).toEqual([
      ['WS-01', 'water_standpipe', 'normal'],
      ['PZ-01', 'piezometer', 'normal'],
      ['SM-01', 'settlement_marker', 'alert'],
    ]);
    expect(data.instruments[1]).toMatchObject({
      unit: 'kPa',
      easting: 320000,
      northing: 5812000,
      levels: { alert: 150, alarm: 175, action: 200 },
      triggerMode: 'rising',
      statusSince: at('2024-03-02T00:03:00Z'),
      lastReadingAt: at('2024-03-02T00:04:50Z'),
      lastValue: 120,
    });
    expect(data.instruments[0]).toMatchObject({
      levels: { alert: 47, alarm: 48, action: 49 },
      surfaceLevel: 50,
      lastReadingAt: site.writtenAt - 50_000,
    });

    // All of PZ-01's 30 readings that day fall in the 00:00 bucket: (6·120 + 6·160 + 6·180 + 12·120) / 30 = 140.
    expect(Object.fromEntries(data.series)).toEqual({
      'PZ-01': [{ bucketStart: at('2024-03-02T00:00:00Z'), mean: 140, lowestWindowMean: 120, highestWindowMean: 180, readingCount: 30 }],
      'SM-01': [
        { bucketStart: at('2024-03-02T00:00:00Z'), mean: -12.25, lowestWindowMean: -12.5, highestWindowMean: -12, readingCount: 6 },
      ],
    });

    expect(data.daily).toEqual([
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        day: '2024-03-02',
        readingCount: 30,
        min: 120,
        mean: 140,
        max: 180,
        readingsExpected: 8640,
        completeness: 30 / 8640,
      },
      {
        instrumentId: 'SM-01',
        type: 'settlement_marker',
        unit: 'mm',
        day: '2024-03-02',
        readingCount: 6,
        min: -12.5,
        mean: -12.25,
        max: -12,
        readingsExpected: 8640,
        completeness: 6 / 8640,
      },
    ]);

    const pzLevels = { alert: 150, alarm: 175, action: 200 };
    expect(data.exceedances).toEqual([
      {
        instrumentId: 'SM-01',
        type: 'settlement_marker',
        unit: 'mm',
        changedAt: at('2024-03-02T00:00:00Z'),
        fromStatus: 'normal',
        toStatus: 'alert',
        windowMean: -12,
        levels: { alert: 10, alarm: 15, action: 20 },
        endedAt: null,
        durationSeconds: null,
      },
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        changedAt: at('2024-03-02T00:01:00Z'),
        fromStatus: 'normal',
        toStatus: 'alert',
        windowMean: 160,
        levels: pzLevels,
        endedAt: at('2024-03-02T00:02:00Z'),
        durationSeconds: 60,
      },
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        changedAt: at('2024-03-02T00:02:00Z'),
        fromStatus: 'alert',
        toStatus: 'alarm',
        windowMean: 180,
        levels: pzLevels,
        endedAt: at('2024-03-02T00:03:00Z'),
        durationSeconds: 60,
      },
      {
        instrumentId: 'PZ-01',
        type: 'piezometer',
        unit: 'kPa',
        changedAt: at('2024-03-02T00:03:00Z'),
        fromStatus: 'alarm',
        toStatus: 'normal',
        windowMean: 120,
        levels: pzLevels,
        endedAt: null,
        durationSeconds: null,
      },
    ]);

    // Silent longest first.
    expect(data.silent.map((s) => [s.instrumentId, s.lastReadingAt])).toEqual([
      ['SM-01', at('2024-03-02T00:00:50Z')],
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
      point('00:01:00', 160, 160, 160),
      point('00:01:30', 160, 160, 160),
      point('00:02:00', 180, 180, 180),
    ]);
    // -12.5, -12 and -12.5 mm: a mean of -37/3, rounded once.
    expect(data.series.get('SM-01')).toEqual([point('00:00:30', -37 / 3, -12.5, -12)]);
  });

  it('narrows to a type or an instrument', async () => {
    const markers = await loadReportData(site.local.db, { ...day('2024-03-01', '2024-03-02'), type: 'settlement_marker' });
    expect(markers.instruments.map((i) => i.instrumentId)).toEqual(['SM-01']);
    expect([...markers.series.keys()]).toEqual(['SM-01']);
    expect(markers.daily.map((d) => `${d.instrumentId} ${d.day}`)).toEqual(['SM-01 2024-03-02']);

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
        'the database holds readings for settlement_marker instruments from 2024-03-02T00:00:00.000Z to 2024-03-02T00:00:50.000Z',
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
