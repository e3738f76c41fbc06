import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableToCsv, writeCsvTables } from '../../local/report/csv.js';
import { loadReportData } from '../../local/report/queries.js';
import type { ReportData } from '../../local/report/report-data.js';
import { reportTables, type ReportTable } from '../../local/report/tables.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { reportSettings, writeKnownSite } from './known-site.js';

describe('CSV quoting', () => {
  it('quotes fields holding a comma, a quote or a line break, doubles quotes, and leaves absent values empty', () => {
    const table: ReportTable<{ text: string | null; n: number | null; flag: boolean }> = {
      id: 't',
      title: 'T',
      fileName: 't.csv',
      columns: [
        { key: 'text', label: 'Text', csv: (r) => r.text },
        { key: 'n', label: 'N', csv: (r) => r.n },
        { key: 'flag', label: 'Flag', csv: (r) => r.flag },
      ],
      rows: [
        { text: 'plain', n: 1.5, flag: true },
        { text: 'with,comma', n: -0.000125, flag: false },
        { text: 'with "quotes"', n: null, flag: true },
        { text: 'two\nlines', n: 1e21, flag: false },
        { text: null, n: 0, flag: false },
        { text: '', n: 3, flag: true },
      ],
    };
    expect(tableToCsv(table)).toBe(
      'text,n,flag\r\n' +
        'plain,1.5,true\r\n' +
        '"with,comma",-0.000125,false\r\n' +
        '"with ""quotes""",,true\r\n' +
        '"two\nlines",1e+21,false\r\n' +
        ',0,false\r\n' +
        ',3,true\r\n',
    );
  });

  it('quotes an awkward instrument id wherever it appears', () => {
    const data: ReportData = {
      generatedAt: 0,
      period: { from: 0, to: 1 },
      selection: {},
      settings: reportSettings(),
      bucketSeconds: 10,
      instruments: [],
      series: new Map(),
      daily: [],
      exceedances: [],
      baselines: [],
      spikes: [],
      corrections: [],
      silent: [
        {
          instrumentId: 'BH-1, "north"',
          type: 'piezometer',
          unit: 'kPa',
          lastReadingAt: Date.parse('2024-03-02T00:00:50Z'),
          silentSeconds: 1234.5,
        },
      ],
    };
    expect(tableToCsv(reportTables(data).silent)).toBe(
      'instrument_id,instrument_type,last_reading_at,silent_seconds\r\n"BH-1, ""north""",piezometer,2024-03-02T00:00:50.000Z,1234.5\r\n',
    );
  });
});

describe('CSV export of the known site', () => {
  let local: LocalBatchDatabase;
  let data: ReportData;
  let dir: string;

  beforeAll(async () => {
    local = await startLocalBatchDatabase('pglite');
    await writeKnownSite(local.db);
    data = await loadReportData(local.db, { from: Date.parse('2024-03-01T00:00:00Z'), to: Date.parse('2024-03-03T00:00:00Z') });
    dir = mkdtempSync(join(tmpdir(), 'report-csv-'));
  });
  afterAll(async () => {
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one file per table', async () => {
    const written = await writeCsvTables(join(dir, 'tables'), data);
    expect(written.map((path) => path.slice(join(dir, 'tables').length + 1))).toEqual([
      'exceedances.csv',
      'daily-summary.csv',
      'silent-instruments.csv',
      'instruments.csv',
      'baselines.csv',
      'unconfirmed-spikes.csv',
      'late-corrections.csv',
    ]);
    expect(readdirSync(join(dir, 'tables')).sort()).toEqual([
      'baselines.csv',
      'daily-summary.csv',
      'exceedances.csv',
      'instruments.csv',
      'late-corrections.csv',
      'silent-instruments.csv',
      'unconfirmed-spikes.csv',
    ]);
  });

  it('exports the daily summary at full precision', () => {
    expect(tableToCsv(reportTables(data).daily)).toBe(
      'day,instrument_id,instrument_type,unit,min,mean,max,reading_count,readings_expected,completeness\r\n' +
        '2024-03-01,PZ-01,piezometer,kPa,100.1,100.15,100.2,30,60,0.5\r\n' +
        `2024-03-02,PZ-01,piezometer,kPa,100,132,160,30,8640,${30 / 8640}\r\n` +
        `2024-03-02,SM-01,settlement_marker,mm,-12.5,${-83_500_000 / 11_000_000},-2,11,8640,${11 / 8640}\r\n`,
    );
  });

  it('exports the exceedance log with ISO times and what each change was judged on, open statuses left without an end', async () => {
    await writeCsvTables(join(dir, 'again'), data);
    const change = (mean: number) => String(mean - PZ_BASELINE);
    expect(readFileSync(join(dir, 'again', 'exceedances.csv'), 'utf8')).toBe(
      'changed_at,instrument_id,instrument_type,from_status,to_status,window_mean,unit,change_value,rate_per_day,cause,' +
        'trigger_alert,trigger_alarm,trigger_action,confirmed_by,baseline_id,baseline_value,late,delay_seconds,ended_at,duration_seconds\r\n' +
        '2024-03-02T00:01:00.000Z,SM-01,settlement_marker,normal,alert,-12.5,mm,-10.5,,level:fall,-10,-15,-20,windows,initial,-2,false,,,\r\n' +
        `2024-03-02T00:01:10.000Z,PZ-01,piezometer,normal,alert,140,kPa,${change(140)},,level:rise,30,50,70,windows,initial,${PZ_BASELINE},false,,2024-03-02T00:02:10.000Z,60\r\n` +
        `2024-03-02T00:02:10.000Z,PZ-01,piezometer,alert,alarm,160,kPa,${change(160)},,level:rise,30,50,70,windows,initial,${PZ_BASELINE},false,,2024-03-02T00:03:00.000Z,50\r\n` +
        `2024-03-02T00:03:00.000Z,PZ-01,piezometer,alarm,normal,120,kPa,${change(120)},,,,,,fall,initial,${PZ_BASELINE},false,,,\r\n`,
    );
  });

  it('exports the baselines, the unconfirmed spikes and the (here empty) late corrections', async () => {
    await writeCsvTables(join(dir, 'new-tables'), data);
    const read = (name: string) => readFileSync(join(dir, 'new-tables', name), 'utf8');
    expect(read('baselines.csv')).toBe(
      'instrument_id,instrument_type,baseline_id,source,value,unit,effective_from,reason,set_by\r\n' +
        `PZ-01,piezometer,initial,initial,${PZ_BASELINE},kPa,2024-03-01T23:51:30.000Z,mean of the first 5 or more readings,pipeline\r\n` +
        'SM-01,settlement_marker,initial,initial,-2,mm,2024-03-02T00:00:50.000Z,mean of the first 5 or more readings,pipeline\r\n',
    );
    expect(read('unconfirmed-spikes.csv')).toBe(
      'since,until,instrument_id,instrument_type,peak_status,cause,duration_seconds\r\n' +
        '2024-03-02T00:00:10.000Z,2024-03-02T00:00:20.000Z,PZ-01,piezometer,alert,level:rise,10\r\n',
    );
    expect(read('late-corrections.csv')).toBe(
      'changed_at,instrument_id,instrument_type,from_status,to_status,cause,correction,delay_seconds,found_at,withdrawn_at,notified_at\r\n',
    );
  });
});

/** PZ-01's initial baseline: its first five readings' sum in micro-units over 5. */
const PZ_BASELINE = (100_100_000 + 100_200_000 + 100_100_000 + 100_200_000 + 100_100_000) / (5 * 1_000_000);
