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
    ]);
    expect(readdirSync(join(dir, 'tables')).sort()).toEqual([
      'daily-summary.csv',
      'exceedances.csv',
      'instruments.csv',
      'silent-instruments.csv',
    ]);
  });

  it('exports the daily summary at full precision', () => {
    expect(tableToCsv(reportTables(data).daily)).toBe(
      'day,instrument_id,instrument_type,unit,min,mean,max,reading_count,readings_expected,completeness\r\n' +
        '2024-03-01,PZ-01,piezometer,kPa,100.1,100.15,100.2,30,60,0.5\r\n' +
        `2024-03-02,PZ-01,piezometer,kPa,120,140,180,30,8640,${30 / 8640}\r\n` +
        `2024-03-02,SM-01,settlement_marker,mm,-12.5,-12.25,-12,6,8640,${6 / 8640}\r\n`,
    );
  });

  it('exports the exceedance log with ISO times, open statuses left without an end', async () => {
    await writeCsvTables(join(dir, 'again'), data);
    expect(readFileSync(join(dir, 'again', 'exceedances.csv'), 'utf8')).toBe(
      'changed_at,instrument_id,instrument_type,from_status,to_status,window_mean,unit,trigger_alert,trigger_alarm,trigger_action,ended_at,duration_seconds\r\n' +
        '2024-03-02T00:00:00.000Z,SM-01,settlement_marker,normal,alert,-12,mm,10,15,20,,\r\n' +
        '2024-03-02T00:01:00.000Z,PZ-01,piezometer,normal,alert,160,kPa,150,175,200,2024-03-02T00:02:00.000Z,60\r\n' +
        '2024-03-02T00:02:00.000Z,PZ-01,piezometer,alert,alarm,180,kPa,150,175,200,2024-03-02T00:03:00.000Z,60\r\n' +
        '2024-03-02T00:03:00.000Z,PZ-01,piezometer,alarm,normal,120,kPa,150,175,200,,\r\n',
    );
  });
});
