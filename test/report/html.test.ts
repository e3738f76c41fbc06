import { parse, type HTMLElement } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../local/report/html/render-report.js';
import { renderTimeSeriesChart } from '../../local/report/html/time-series-chart.js';
import { loadReportData } from '../../local/report/queries.js';
import type { InstrumentState, ReportData, SeriesPoint } from '../../local/report/report-data.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { reportSettings, writeKnownSite } from './known-site.js';

/** The text of each body cell of a table, row by row. */
function cells(document: HTMLElement, tableId: string): string[][] {
  const table = document.querySelector(`table#${tableId}`);
  if (!table) throw new Error(`no table #${tableId}`);
  return table.querySelectorAll('tbody tr').map((row) => row.querySelectorAll('td').map((cell) => cell.text.trim()));
}

describe('the HTML report of the known site', () => {
  let local: LocalBatchDatabase;
  let html: string;
  let document: HTMLElement;

  beforeAll(async () => {
    local = await startLocalBatchDatabase('pglite');
    await writeKnownSite(local.db);
    const data = await loadReportData(
      local.db,
      { from: Date.parse('2024-03-01T00:00:00Z'), to: Date.parse('2024-03-03T00:00:00Z') },
      { now: () => Date.parse('2024-03-04T08:00:00Z') },
    );
    html = renderReportHtml(data);
    document = parse(html);
  });
  afterAll(async () => {
    await local?.close();
  });

  it('stands alone: no script, no external resource, a policy that forbids loading any', () => {
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(document.querySelectorAll('link, img, iframe, object, embed')).toHaveLength(0);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    expect(document.querySelector('style')?.text.length).toBeGreaterThan(1000);
  });

  it('names the period, the selection and when it was generated', () => {
    const header = document.querySelector('header.masthead')!.text.replace(/\s+/g, ' ');
    expect(header).toContain('Period2024-03-01 to 2024-03-02 (UTC)');
    expect(header).toContain('Instruments3 instruments, all types');
    expect(header).toContain('Generated2024-03-04 08:00:00 UTC');
  });

  it('sums the period up in cards', () => {
    const value = (id: string) => document.querySelector(`#card-${id} .value`)!.text;
    expect(value('instruments')).toBe('3');
    expect(value('status')).toBe('1');
    expect(value('changes')).toBe('4');
    expect(document.querySelector('#card-changes .detail')!.text).toBe('3 escalations in the period');
    expect(value('spikes')).toBe('1');
    expect(document.querySelector('#card-spikes .detail')!.text).toBe('0 late or withdrawn changes');
    expect(value('silent')).toBe('2');
    // Readings 30 + 30 + 11 over expected 60 + 8640 + 8640.
    expect(value('completeness')).toBe(`${((71 / 17_340) * 100).toFixed(1)} %`);
  });

  it('lists the status changes with what they were judged on and their durations', () => {
    // PZ-01's changes are from its 100.14 kPa baseline: 140 − 100.14 = +39.86, 160 − 100.14 = +59.86, 120 − 100.14 = +19.86.
    const pzRise = '30.00 / 50.00 / 70.00';
    expect(cells(document, 'exceedances')).toEqual([
      // prettier-ignore
      ['2024-03-02 00:01:00', 'SM-01', 'Settlement marker', 'Normal', 'Alert', '-12.50', 'mm', '-10.50', '—', 'level, falling', '-10.00 / -15.00 / -20.00', 'windows', '—', 'current', 'open'],
      // prettier-ignore
      ['2024-03-02 00:01:10', 'PZ-01', 'Piezometer', 'Normal', 'Alert', '140.00', 'kPa', '+39.86', '—', 'level, rising', pzRise, 'windows', '—', '2024-03-02 00:02:10', '1 min'],
      // prettier-ignore
      ['2024-03-02 00:02:10', 'PZ-01', 'Piezometer', 'Alert', 'Alarm', '160.00', 'kPa', '+59.86', '—', 'level, rising', pzRise, 'windows', '—', '2024-03-02 00:03:00', '50 s'],
      // prettier-ignore
      ['2024-03-02 00:03:00', 'PZ-01', 'Piezometer', 'Alarm', 'Normal', '120.00', 'kPa', '+19.86', '—', '—', '—', 'fall', '—', 'current', 'open'],
    ]);
  });

  it('lists the unconfirmed spikes, the baselines, and no late corrections', () => {
    expect(cells(document, 'unconfirmed-spikes')).toEqual([
      ['2024-03-02 00:00:10', '2024-03-02 00:00:20', 'PZ-01', 'Piezometer', 'Alert', 'level, rising', '10 s'],
    ]);
    expect(cells(document, 'baselines').map((row) => row.slice(0, 7))).toEqual([
      ['PZ-01', 'Piezometer', 'initial', 'initial', '100.14', 'kPa', '2024-03-01 23:51:30'],
      ['SM-01', 'Settlement marker', 'initial', 'initial', '-2.00', 'mm', '2024-03-02 00:00:50'],
    ]);
    expect(document.querySelector('#late-corrections-empty')!.text).toBe('No late or withdrawn status changes in this period.');
  });

  it('shows the daily summary, marking low completeness', () => {
    expect(cells(document, 'daily-summary')).toEqual([
      ['2024-03-01', 'PZ-01', 'Piezometer', 'kPa', '100.10', '100.15', '100.20', '30', '60', '50.0 %'],
      ['2024-03-02', 'PZ-01', 'Piezometer', 'kPa', '100.00', '132.00', '160.00', '30', '8,640', '0.3 %'],
      // -83.5 / 11 = -7.59.
      ['2024-03-02', 'SM-01', 'Settlement marker', 'mm', '-12.50', '-7.59', '-2.00', '11', '8,640', '0.1 %'],
    ]);
    expect(document.querySelectorAll('#daily-summary .completeness.low')).toHaveLength(3);
  });

  it('lists the silent instruments and the register', () => {
    expect(cells(document, 'silent-instruments').map((row) => row.slice(0, 3))).toEqual([
      ['SM-01', 'Settlement marker', '2024-03-02 00:01:40'],
      ['PZ-01', 'Piezometer', '2024-03-02 00:04:50'],
    ]);
    const register = cells(document, 'instruments');
    // Position, rule, baseline, latest change and rate, spikes in the period, status.
    expect(register.map((row) => [row[0], row[3], row[4], row[6], row[7], row[8], row[9], row[10]])).toEqual([
      ['WS-01', '320,100.0', '5,811,980.0', '—', '—', '—', '0', 'Normal'],
      ['PZ-01', '320,000.0', '5,812,000.0', '100.14', '+19.86', '—', '1', 'Normal'],
      ['SM-01', '320,050.0', '5,812,030.0', '-2.00', '-10.50', '—', '0', 'Alert'],
    ]);
    expect(register.map((row) => row[5])).toEqual([
      'Rise of the value: alert 47.000, alarm 48.000, action 49.000 m; Fall from baseline: alert -1.000, alarm -1.500, action -2.000 m.',
      'Rise from baseline: alert +30.00, alarm +50.00, action +70.00 kPa; Fall from baseline: alert -20.00, alarm -30.00, action -40.00 kPa.',
      'Rise from baseline: alert +5.00, alarm +8.00, action +10.00 mm; Fall from baseline: alert -10.00, alarm -15.00, action -20.00 mm; ' +
        'Falling rate over 24 h: alert -2.00, alarm -5.00, action -10.00 mm/day.',
    ]);
  });

  it('charts each type with data, drawing the baseline and the levels at baseline + change', () => {
    const piezometers = document.querySelector('[data-chart="piezometer"]')!;
    expect(piezometers.querySelectorAll('svg path.line')).toHaveLength(1);
    // Rise levels 100.14 + 30 / 50 / 70 (reached up to alarm, so action is drawn too), fall levels 100.14 − 20 / 30 / 40,
    // inside the axis (60 to 180 kPa) that the data (100 to 160) and the first level each way span.
    expect(piezometers.querySelectorAll('svg .levels text').map((t) => t.text)).toEqual([
      'Baseline 100.14',
      'Alert 130.14',
      'Alarm 150.14',
      'Action 170.14',
      'Alert 80.14',
      'Alarm 70.14',
      'Action 60.14',
    ]);
    expect(piezometers.querySelector('.legend')!.text).toBe('PZ-01');

    // The marker settled past its alert level (-2 − 10 = -12 mm): the settlement alert and alarm, and the heave alert (-2 + 5).
    const markers = document.querySelector('[data-chart="settlement_marker"]')!;
    expect(markers.querySelectorAll('svg .levels text').map((t) => t.text)).toEqual([
      'Baseline -2.00',
      'Alert 3.00',
      'Alert -12.00',
      'Alarm -17.00',
    ]);
    expect(markers.querySelector('.caption')!.text).toContain('Fall from baseline: alert -10.00, alarm -15.00, action -20.00 mm');
    expect(markers.querySelector('.caption')!.text).toContain('Baseline -2.00 mm (initial, from 2024-03-02 00:00:50).');

    // The standpipe's readings are recent, outside the period.
    expect(document.querySelector('[data-chart="water_standpipe"]')).toBeNull();
    expect(document.querySelector('#series-water_standpipe')!.nextElementSibling!.text).toBe('No readings in this period.');
  });

  it('plots the instruments in plan, coloured by latest status, silent ones hollow', () => {
    const symbols = document
      .querySelectorAll('svg.plan g.instrument')
      .map((g) => [g.getAttribute('data-instrument'), g.getAttribute('data-status'), g.getAttribute('data-silent') ?? 'false']);
    // Drawn least severe first, so the most severe is on top.
    expect(symbols).toEqual([
      ['PZ-01', 'normal', 'true'],
      ['WS-01', 'normal', 'false'],
      ['SM-01', 'alert', 'true'],
    ]);
    expect(document.querySelector('#plan-status-legend')!.text).toContain('Alert (1)');
  });
});

describe('HTML rendering', () => {
  const point = (minute: number, mean: number): SeriesPoint => ({
    bucketStart: Date.parse('2024-03-02T00:00:00Z') + minute * 60_000,
    mean,
    lowestWindowMean: mean,
    highestWindowMean: mean,
    readingCount: 6,
  });

  it('escapes text from the database', () => {
    const instrument: InstrumentState = {
      instrumentId: 'BH-<b>1</b>&"x"',
      type: 'piezometer',
      unit: 'kPa',
      easting: 320000,
      northing: 5812000,
      latitude: null,
      longitude: null,
      surfaceLevel: null,
      rule: defaultTriggerRule('piezometer', null),
      ruleSource: 'default',
      baseline: { id: 'initial', source: 'initial', value: 100, effectiveFrom: 0 },
      lastChange: null,
      lastRate: null,
      status: 'alarm',
      statusSince: null,
      lastReadingAt: null,
      lastValue: null,
    };
    const data: ReportData = {
      generatedAt: 0,
      period: { from: Date.parse('2024-03-02T00:00:00Z'), to: Date.parse('2024-03-02T01:00:00Z') },
      selection: { instrumentId: instrument.instrumentId },
      settings: reportSettings(),
      bucketSeconds: 60,
      instruments: [instrument],
      series: new Map([[instrument.instrumentId, [point(0, 100), point(1, 101)]]]),
      daily: [],
      exceedances: [],
      silent: [],
      baselines: [],
      spikes: [],
      corrections: [],
    };
    const html = renderReportHtml(data);
    expect(html).not.toContain('<b>1</b>');
    expect(html).toContain('BH-&lt;b&gt;1&lt;/b&gt;&amp;&quot;x&quot;');
    const document = parse(html);
    expect(document.querySelector('svg.plan g.instrument')!.getAttribute('data-instrument')).toBe(instrument.instrumentId);
    expect(document.querySelector('#exceedances-empty')!.text).toBe('No trigger status changed in this period.');
  });

  it('gives instruments with their own levels a chart each', () => {
    const standpipe = (id: string, surface: number, status: 'normal' | 'alert'): InstrumentState => ({
      instrumentId: id,
      type: 'water_standpipe',
      unit: 'm',
      easting: null,
      northing: null,
      latitude: null,
      longitude: null,
      surfaceLevel: surface,
      rule: defaultTriggerRule('water_standpipe', surface),
      ruleSource: 'default',
      baseline: null,
      lastChange: null,
      lastRate: null,
      status,
      statusSince: null,
      lastReadingAt: null,
      lastValue: null,
    });
    const data: ReportData = {
      generatedAt: 0,
      period: { from: Date.parse('2024-03-02T00:00:00Z'), to: Date.parse('2024-03-02T01:00:00Z') },
      selection: { type: 'water_standpipe' },
      settings: reportSettings(),
      bucketSeconds: 60,
      instruments: [standpipe('WS-1', 50, 'normal'), standpipe('WS-2', 40, 'alert')],
      series: new Map([
        ['WS-1', [point(0, 45), point(1, 45.5)]],
        ['WS-2', [point(0, 37.2), point(1, 37.4)]],
      ]),
      daily: [],
      exceedances: [],
      silent: [],
      baselines: [],
      spikes: [],
      corrections: [],
    };
    const document = parse(renderReportHtml(data));
    const charts = document.querySelectorAll('.multiples [data-chart]');
    expect(charts.map((c) => c.getAttribute('data-chart'))).toEqual(['WS-1', 'WS-2']);
    expect(charts[1]!.querySelector('.levels text')!.text).toBe('Alert 37.000');
    expect(charts[1]!.querySelector('.badge')!.text).toBe('Alert');
    expect(document.querySelector('#plan')!.text).toContain('Not on the plan (no grid position): WS-1, WS-2.');
  });

  it("labels days and times on the site's clocks, across Melbourne's 25-hour 5 April 2026", () => {
    const at = (iso: string) => Date.parse(iso);
    const instrument: InstrumentState = {
      instrumentId: 'EX-M1',
      type: 'extensometer',
      unit: 'mm',
      easting: 320000,
      northing: 5812000,
      latitude: null,
      longitude: null,
      surfaceLevel: null,
      rule: defaultTriggerRule('extensometer', null),
      ruleSource: 'default',
      baseline: { id: 'initial', source: 'initial', value: 0, effectiveFrom: at('2026-04-04T13:00:00Z') },
      lastChange: 4,
      lastRate: null,
      status: 'normal',
      statusSince: at('2026-04-04T16:30:00Z'),
      lastReadingAt: at('2026-04-04T16:30:00Z'),
      lastValue: 4,
    };
    const change = (changedAt: string, fromStatus: 'normal' | 'alert', toStatus: 'normal' | 'alert', endedAt: string | null) => ({
      instrumentId: 'EX-M1',
      type: 'extensometer' as const,
      unit: 'mm',
      changedAt: at(changedAt),
      fromStatus,
      toStatus,
      windowMean: toStatus === 'alert' ? 12 : 4,
      levels: toStatus === 'alert' ? { alert: 10, alarm: 15, action: 20 } : null,
      cause: toStatus === 'alert' ? 'level:rise' : null,
      confirmedBy: toStatus === 'alert' ? ('windows' as const) : ('fall' as const),
      change: toStatus === 'alert' ? 12 : 4,
      rate: null,
      baselineId: 'initial',
      baselineValue: 0,
      late: false,
      delaySeconds: null,
      endedAt: endedAt === null ? null : at(endedAt),
      durationSeconds: endedAt === null ? null : (at(endedAt) - at(changedAt)) / 1000,
    });
    const data: ReportData = {
      generatedAt: at('2026-04-05T22:00:00Z'),
      // The site day 5 April: 00:00 AEDT (13:00Z on the 4th) to 00:00 AEST on the 6th (14:00Z on the 5th).
      period: { from: at('2026-04-04T13:00:00Z'), to: at('2026-04-05T14:00:00Z') },
      selection: {},
      settings: reportSettings({ siteTimeZone: 'Australia/Melbourne' }),
      bucketSeconds: 300,
      instruments: [instrument],
      series: new Map([
        [
          'EX-M1',
          [
            { bucketStart: at('2026-04-04T15:30:00Z'), mean: 12, lowestWindowMean: 12, highestWindowMean: 12, readingCount: 1 },
            { bucketStart: at('2026-04-04T16:30:00Z'), mean: 4, lowestWindowMean: 4, highestWindowMean: 4, readingCount: 1 },
          ],
        ],
      ]),
      daily: [
        {
          instrumentId: 'EX-M1',
          type: 'extensometer',
          unit: 'mm',
          day: '2026-04-05',
          dayHours: 25,
          readingCount: 2,
          min: 4,
          mean: 8,
          max: 12,
          readingsExpected: 9000,
          completeness: 2 / 9000,
        },
      ],
      // 02:30 AEDT, then 02:30 AEST an hour later.
      exceedances: [
        change('2026-04-04T15:30:00Z', 'normal', 'alert', '2026-04-04T16:30:00Z'),
        change('2026-04-04T16:30:00Z', 'alert', 'normal', null),
      ],
      silent: [],
      baselines: [],
      spikes: [],
      corrections: [],
    };
    const document = parse(renderReportHtml(data));
    const header = document.querySelector('header.masthead')!.text.replace(/\s+/g, ' ');
    expect(header).toContain('Period2026-04-05 (Australia/Melbourne)');
    expect(header).toContain('Site timeAustralia/Melbourne (UTC+11:00, then UTC+10:00)');
    expect(header).toContain('Generated2026-04-06 08:00:00 Australia/Melbourne');

    // Local midnight, then every 3 hours of the site's clock (03:00 AEST is 17:00Z, 4/25 of the axis), then the next midnight.
    const axis = document.querySelector('[data-chart="extensometer"] svg .axis')!;
    const ticks = axis
      .querySelectorAll('text[text-anchor="middle"]')
      .filter((t) => !t.classList.contains('unit'))
      .map((t) => [t.text, Number(t.getAttribute('x'))]);
    expect(ticks).toEqual([
      ['05 Apr', 64],
      ['03:00', 192.6],
      ['06:00', 289.1],
      ['09:00', 385.6],
      ['12:00', 482.1],
      ['15:00', 578.6],
      ['18:00', 675],
      ['21:00', 771.5],
      ['06 Apr', 868],
    ]);

    expect(cells(document, 'exceedances').map((row) => row[0])).toEqual(['2026-04-05 02:30:00', '2026-04-05 02:30:00']);
    expect(document.querySelectorAll('table#exceedances tbody tr td:first-child time').map((t) => t.getAttribute('title'))).toEqual([
      '2026-04-04T15:30:00Z (UTC+11:00)',
      '2026-04-04T16:30:00Z (UTC+10:00)',
    ]);
    expect(cells(document, 'daily-summary')[0]![0]).toBe('2026-04-05 (25 h)');
    expect(document.querySelector('#daily .note')!.text).toContain(
      'Per instrument and site day (Australia/Melbourne, midnight to midnight',
    );
  });

  it('breaks a line where data are missing and marks a lone point', () => {
    const svg = renderTimeSeriesChart({
      id: 'gaps',
      description: 'gaps',
      from: Date.parse('2024-03-02T00:00:00Z'),
      to: Date.parse('2024-03-02T01:00:00Z'),
      unit: 'kPa',
      series: [
        {
          label: 'PZ',
          colour: '#000',
          points: [point(0, 100), point(1, 101), point(2, 102), point(10, 103), point(20, 104), point(21, 105)],
        },
      ],
      levels: [],
      maxGapMs: 150_000,
      formatValue: String,
    });
    const chart = parse(svg);
    const d = chart.querySelector('path.line')!.getAttribute('d')!;
    // Three runs: minutes 0–2, minute 10 alone, minutes 20–21.
    expect(d.match(/M/g)).toHaveLength(3);
    expect(chart.querySelectorAll('circle')).toHaveLength(1);
    expect(chart.querySelectorAll('.levels line')).toHaveLength(0);
  });
});
