import { INSTRUMENT_TYPE_SPECS, INSTRUMENT_TYPES, type InstrumentType } from '../../../lambdas/domain/instrument-types.js';
import { statusRank, TRIGGER_STATUSES } from '../../../lambdas/domain/trigger-levels.js';
import { absoluteLevels, baselineText, ruleText, type AbsoluteLevel } from '../levels.js';
import type { InstrumentState, ReportData } from '../report-data.js';
import { columnsFor, reportTables, statusBadge, type ReportTable, type TableColumn } from '../tables.js';
import { escapeHtml } from './escape.js';
import {
  formatDuration,
  formatNumber,
  formatPercent,
  formatPeriod,
  formatTime,
  formatValue,
  quantityLabel,
  zoneLabel,
  STATUS_LABELS,
  typeLabel,
  typePluralLabel,
} from './format.js';
import { SERIES_COLOURS, STATUS_COLOURS, statusColour } from './palette.js';
import { renderPlanView, typeSymbolPath } from './plan-view.js';
import { REPORT_CSS } from './styles.js';
import { renderTimeSeriesChart, type ChartSeries } from './time-series-chart.js';

export interface RenderReportOptions {
  /** The report's heading. Default "Geotechnical monitoring report". */
  readonly title?: string;
}

/**
 * The report as one self-contained HTML document: inline CSS and inline SVG, no script
 * and no external resource (its Content-Security-Policy forbids any). A pure function
 * of the data.
 */
export function renderReportHtml(data: ReportData, options: RenderReportOptions = {}): string {
  const title = options.title ?? 'Geotechnical monitoring report';
  const tables = reportTables(data);
  const silentIds = new Set(data.silent.map((s) => s.instrumentId));
  const zone = data.settings.siteTimeZone;
  const period = formatPeriod(data.period.from, data.period.to, zone);
  const clocks = zoneLabel(zone, data.period.from, data.period.to);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`${title}: ${period}`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="masthead">
<p class="kicker">Instrumentation and monitoring</p>
<h1>${escapeHtml(title)}</h1>
<dl>
<div><dt>Period</dt><dd>${escapeHtml(period)}</dd></div>
<div><dt>Instruments</dt><dd>${escapeHtml(selectionText(data))}</dd></div>
<div><dt>Site time</dt><dd id="site-time-zone">${escapeHtml(clocks)}</dd></div>
<div><dt>Generated</dt><dd>${escapeHtml(formatTime(data.generatedAt, zone))} ${escapeHtml(zone)}</dd></div>
</dl>
</header>
<main>
${summaryCards(data, silentIds)}
${planSection(data, silentIds)}
${seriesSection(data)}
${tableSection(tables.exceedances, 'exceedances', `Every confirmed trigger status change in the period, with how long the status it entered lasted (until the instrument's next change; open while it is the current status): the change from baseline and the rate it was judged on, the band that caused it and that band's levels (in its judged quantity), and whether it was confirmed by consecutive windows or a window's re-reads. Late: found after later windows had been judged (back-filled data).`, 'No trigger status changed in this period.')}
${tableSection(tables.spikes, 'spikes', 'Rises of the raw status that fell back before they were confirmed: shown here, never notified.', 'No unconfirmed spikes in this period.')}
${tableSection(tables.corrections, 'corrections', 'Status changes found late (for windows before the latest one judged, when data arrived late) and changes withdrawn when later data showed they did not happen.', 'No late or withdrawn status changes in this period.')}
${tableSection(tables.baselines, 'baselines', 'Every baseline of each instrument: the initial one (the mean of its first readings) and re-baselines. Each window is judged against the baseline with the latest effective time at or before its start.', 'No baselines yet.')}
${tableSection(tables.daily, 'daily', `Per instrument and site day (${zone}, midnight to midnight: 23 or 25 hours when the clocks change): minimum, exact mean and maximum of the readings; completeness is readings received over readings expected at ${intervalsText(data)} from the instrument's first reading (up to now for today).`, 'No days in this period.')}
${tableSection(tables.silent, 'silent', `Instruments with no reading for longer than ${formatDuration(data.settings.silentAfterSeconds)}, as of ${formatTime(data.generatedAt, zone)} ${zone}.`, 'Every instrument has reported recently.')}
${tableSection(tables.instruments, 'register', 'Position on the site grid (MGA zone 55), the rule each instrument is judged by (its own, or its type default), the baseline in force, the latest window’s change and rate, unconfirmed spikes in the period, and latest status (the CSV file adds latitude and longitude, WGS84).', 'No instruments.')}
${footer(data)}
</main>
</body>
</html>
`;
}

/** The expected reading interval of the types in the report: one when they share it, else per type. */
function intervalsText(data: ReportData): string {
  const types = INSTRUMENT_TYPES.filter((t) => data.instruments.some((i) => i.type === t));
  const seconds = types.map((t) => data.settings.readingIntervalSeconds[t]);
  if (seconds.every((s) => s === seconds[0])) return `one reading every ${formatDuration(seconds[0] ?? data.settings.pollIntervalSeconds)}`;
  return `one reading every ${types.map((t, i) => `${formatDuration(seconds[i]!)} (${typePluralLabel(t).toLowerCase()})`).join(', ')}`;
}

function selectionText(data: ReportData): string {
  if (data.selection.instrumentId) return data.selection.instrumentId;
  const count = `${data.instruments.length} instrument${data.instruments.length === 1 ? '' : 's'}`;
  return data.selection.type ? `${count} (${typePluralLabel(data.selection.type).toLowerCase()})` : `${count}, all types`;
}

function summaryCards(data: ReportData, silentIds: ReadonlySet<string>): string {
  const byStatus = new Map<string, number>();
  for (const instrument of data.instruments)
    byStatus.set(instrument.status ?? 'unevaluated', (byStatus.get(instrument.status ?? 'unevaluated') ?? 0) + 1);
  const statusBadges = [...TRIGGER_STATUSES, 'unevaluated' as const]
    .filter((s) => byStatus.has(s))
    .map((s) => `<span class="badge ${s}">${byStatus.get(s)} ${escapeHtml(STATUS_LABELS[s].toLowerCase())}</span>`)
    .join('');
  const triggered = data.instruments.filter((i) => i.status !== null && i.status !== 'normal').length;
  const escalations = data.exceedances.filter((e) => statusRank(e.toStatus) > statusRank(e.fromStatus)).length;
  const received = data.daily.reduce((sum, d) => sum + d.readingCount, 0);
  const expected = data.daily.reduce((sum, d) => sum + d.readingsExpected, 0);
  const types = INSTRUMENT_TYPES.filter((t) => data.instruments.some((i) => i.type === t));
  const card = (id: string, label: string, value: string, detail: string) =>
    `<div class="card" id="card-${id}"><div class="label">${escapeHtml(label)}</div><div class="value">${value}</div><div class="detail">${detail}</div></div>`;
  return `<section class="cards" aria-label="Summary">
${card('instruments', 'Instruments', String(data.instruments.length), escapeHtml(types.map((t) => `${data.instruments.filter((i) => i.type === t).length} ${typeLabel(t).toLowerCase()}`).join(', ')))}
${card('status', 'Above normal now', String(triggered), statusBadges)}
${card('changes', 'Status changes', String(data.exceedances.length), `${escalations} escalation${escalations === 1 ? '' : 's'} in the period`)}
${card('spikes', 'Unconfirmed spikes', String(data.spikes.length), `${data.corrections.length} late or withdrawn change${data.corrections.length === 1 ? '' : 's'}`)}
${card('silent', 'Silent now', String(silentIds.size), `no reading for over ${escapeHtml(formatDuration(data.settings.silentAfterSeconds))}`)}
${card('completeness', 'Data completeness', escapeHtml(formatPercent(expected > 0 ? received / expected : null)), `${formatNumber(received, 0)} of ${formatNumber(expected, 0)} readings expected`)}
</section>`;
}

function planSection(data: ReportData, silentIds: ReadonlySet<string>): string {
  const plan = renderPlanView({ instruments: data.instruments, silentIds, timeZone: data.settings.siteTimeZone });
  const counts = new Map<string, number>();
  for (const i of data.instruments) counts.set(i.status ?? 'unevaluated', (counts.get(i.status ?? 'unevaluated') ?? 0) + 1);
  const statusItems = [...TRIGGER_STATUSES, 'unevaluated' as const].map(
    (s) =>
      `<span class="item"><svg width="14" height="14" viewBox="-7 -7 14 14"><circle r="6" fill="${STATUS_COLOURS[s]}"/></svg>${escapeHtml(STATUS_LABELS[s])} (${counts.get(s) ?? 0})</span>`,
  );
  const types = INSTRUMENT_TYPES.filter((t) => data.instruments.some((i) => i.type === t));
  const typeItems = types.map(
    (t) =>
      `<span class="item"><svg width="16" height="16" viewBox="-8 -8 16 16"><path d="${typeSymbolPath(t, 70)}" fill="#5b6578"/></svg>${escapeHtml(typeLabel(t))}</span>`,
  );
  const silentItem = `<span class="item"><svg width="16" height="16" viewBox="-8 -8 16 16"><circle r="5.5" fill="#ffffff" stroke="#5b6578" stroke-width="2.5"/></svg>Hollow: silent (no reading for over ${escapeHtml(formatDuration(data.settings.silentAfterSeconds))})</span>`;
  const unplotted = plan.unplotted.length
    ? `<p class="note">Not on the plan (no grid position): ${escapeHtml(plan.unplotted.join(', '))}.</p>`
    : '';
  return `<section id="plan">
<h2>Plan view: latest status</h2>
<div class="plan-layout">
<div class="figure">${plan.svg}</div>
<div>
<h3>Status</h3><div class="legend" id="plan-status-legend">${statusItems.join('')}</div>
<h3>Instrument type</h3><div class="legend">${typeItems.join('')}${silentItem}</div>
<p class="note">Site grid: MGA zone 55 (GDA2020), metres. Status as last evaluated; hover a symbol for its details.</p>
</div>
</div>
${unplotted}
</section>`;
}

function seriesSection(data: ReportData): string {
  const types = INSTRUMENT_TYPES.filter((t) => data.instruments.some((i) => i.type === t));
  const windowText = `${formatDuration(data.settings.windowSeconds)} windows`;
  const averaging =
    data.bucketSeconds > data.settings.windowSeconds
      ? `Means of ${windowText}, averaged over ${formatDuration(data.bucketSeconds)} intervals (exactly, from the readings' sums).`
      : `Means of ${windowText}.`;
  return `<section id="time-series" class="long">
<h2>Time series</h2>
<p class="note">${escapeHtml(averaging)} Gaps show missing data. Dashed lines and shaded zones: trigger levels (alert, alarm, action). Times are site time, ${escapeHtml(zoneLabel(data.settings.siteTimeZone, data.period.from, data.period.to))}.</p>
${types.map((type) => typeSeries(data, type)).join('\n')}
</section>`;
}

function typeSeries(data: ReportData, type: InstrumentType): string {
  const members = data.instruments.filter((i) => i.type === type);
  const withData = members.filter((i) => data.series.has(i.instrumentId));
  const without = members.filter((i) => !data.series.has(i.instrumentId)).map((i) => i.instrumentId);
  const heading = `<h3 id="series-${type}">${escapeHtml(typePluralLabel(type))}: ${escapeHtml(quantityLabel(type))}</h3>`;
  const missing = without.length ? `<p class="note">No readings in this period: ${escapeHtml(without.join(', '))}.</p>` : '';
  if (withData.length === 0) return `${heading}\n<p class="empty">No readings in this period.</p>`;
  const spec = INSTRUMENT_TYPE_SPECS[type];
  const maxGapMs = 2.5 * Math.max(data.bucketSeconds, data.settings.readingIntervalSeconds[type]) * 1000;
  const format = (value: number) => formatValue(type, value);
  const shared = sharedLevels(withData);
  const time = (ms: number) => formatTime(ms, data.settings.siteTimeZone);

  if (shared !== undefined) {
    const distinct = withData.length <= SERIES_COLOURS.length;
    const series: ChartSeries[] = withData.map((instrument, i) => ({
      label: instrument.instrumentId,
      colour: distinct ? SERIES_COLOURS[i]! : statusColour(instrument.status),
      points: data.series.get(instrument.instrumentId)!,
    }));
    const chart = renderTimeSeriesChart({
      id: type,
      description: `${typePluralLabel(type)}: ${spec.measures} over the period, ${withData.length} instrument${withData.length === 1 ? '' : 's'}`,
      from: data.period.from,
      to: data.period.to,
      timeZone: data.settings.siteTimeZone,
      unit: spec.unit,
      series,
      levels: shared.levels,
      baseline: shared.baseline,
      maxGapMs,
      bands: withData.length <= 3,
      formatValue: format,
    });
    const legend = distinct
      ? series
          .map((s) => `<span class="item"><span class="swatch" style="background:${s.colour}"></span>${escapeHtml(s.label)}</span>`)
          .join('')
      : `<span class="item">Lines coloured by latest status:</span>${TRIGGER_STATUSES.map((s) => `<span class="item"><span class="swatch" style="background:${STATUS_COLOURS[s]}"></span>${STATUS_LABELS[s]}</span>`).join('')}`;
    const bandNote =
      withData.length <= 3 && data.bucketSeconds > data.settings.windowSeconds
        ? ' Shading behind a line: the range of its window means in each interval.'
        : '';
    return `${heading}
<div class="figure" data-chart="${type}">${chart}
<div class="legend">${legend}</div>
<p class="caption">${escapeHtml(`${ruleText(withData[0]!)} ${withData.length === 1 ? baselineText(withData[0]!, time) : ''}${bandNote}`)}</p>
</div>
${missing}`;
  }

  const multiples = withData.map((instrument, index) => {
    const chart = renderTimeSeriesChart({
      id: `${type}-${index + 1}`,
      description: `${instrument.instrumentId}: ${spec.measures} over the period`,
      from: data.period.from,
      to: data.period.to,
      timeZone: data.settings.siteTimeZone,
      unit: spec.unit,
      series: [{ label: instrument.instrumentId, colour: SERIES_COLOURS[0]!, points: data.series.get(instrument.instrumentId)! }],
      levels: absoluteLevels(instrument),
      baseline: instrument.baseline?.value ?? null,
      maxGapMs,
      bands: true,
      width: 560,
      height: 240,
      formatValue: format,
    });
    return `<div class="figure" data-chart="${escapeHtml(instrument.instrumentId)}">
<h4>${escapeHtml(instrument.instrumentId)} ${statusBadge(instrument.status)}</h4>
<p class="caption">${escapeHtml(`${ruleText(instrument)} ${baselineText(instrument, time)}${changeText(instrument)}`)}</p>
${chart}
</div>`;
  });
  return `${heading}
<p class="note">Each instrument has its own baseline or rule, so each has its own chart; levels judged on the change from baseline are drawn at the baseline plus the change.</p>
<div class="multiples">${multiples.join('\n')}</div>
${missing}`;
}

/**
 * The absolute levels and baseline every instrument shares, or undefined when they differ
 * (a rule of its own, or levels on the change from a baseline of its own).
 */
function sharedLevels(instruments: readonly InstrumentState[]): { levels: AbsoluteLevel[]; baseline: number | null } | undefined {
  const key = (i: InstrumentState) => JSON.stringify([absoluteLevels(i), i.baseline?.value ?? null, i.rule.rateBands]);
  const first = instruments[0];
  if (!first || !instruments.every((i) => key(i) === key(first))) return undefined;
  return { levels: absoluteLevels(first), baseline: first.baseline?.value ?? null };
}

/** The latest judged window's change and rate, where judged. */
function changeText(instrument: InstrumentState): string {
  const parts: string[] = [];
  if (instrument.lastChange !== null) parts.push(`change ${signed(instrument.type, instrument.lastChange)} ${instrument.unit}`);
  if (instrument.lastRate !== null) parts.push(`rate ${signed(instrument.type, instrument.lastRate)} ${instrument.unit}/day`);
  return parts.length ? ` Latest window: ${parts.join(', ')}.` : '';
}

function signed(type: InstrumentType, value: number): string {
  return `${value > 0 ? '+' : ''}${formatValue(type, value)}`;
}

function tableSection<Row>(table: ReportTable<Row>, anchor: string, description: string, emptyText: string): string {
  const columns = columnsFor(table, 'html');
  const classes = (column: TableColumn<Row>) => [column.numeric ? 'num' : '', column.wrap ? 'wrap' : ''].filter(Boolean).join(' ');
  const classAttribute = (column: TableColumn<Row>) => (classes(column) ? ` class="${classes(column)}"` : '');
  const cell = (column: TableColumn<Row>, row: Row) => {
    if (column.html) return column.html(row);
    const value = column.csv(row);
    return escapeHtml(value === null ? '—' : String(value));
  };
  const body = table.rows.length
    ? `<div class="table-wrap"><table id="${table.id}">
<thead><tr>${columns.map((c) => `<th scope="col"${classAttribute(c)}>${escapeHtml(c.label)}</th>`).join('')}</tr></thead>
<tbody>
${table.rows.map((row) => `<tr>${columns.map((c) => `<td${classAttribute(c)}>${cell(c, row)}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table></div>`
    : `<p class="empty" id="${table.id}-empty">${escapeHtml(emptyText)}</p>`;
  return `<section id="${anchor}" class="long">
<h2>${escapeHtml(table.title)}</h2>
<p class="note">${escapeHtml(description)}</p>
${body}
</section>`;
}

function footer(data: ReportData): string {
  const s = data.settings;
  return `<footer>
<strong>Method</strong>
<ul>
<li>Readings are stored once per instrument and event time; window means are exact means of the readings in each ${escapeHtml(formatDuration(s.windowSeconds))} event-time window.</li>
<li>Trigger status is judged on each completed window mean, mostly on its change from the instrument's baseline (the mean of its first readings, or a re-baseline), against rise and fall bands and, where the rule has one, a rate of change. A rise is confirmed once it has held for consecutive windows (or the window's re-reads confirm it) and falls back only once the quantity has cleared the level by a dead band; a rise that falls back unconfirmed is an unconfirmed spike.</li>
<li>Settings (tables report_settings and report_reading_intervals): window ${escapeHtml(formatDuration(s.windowSeconds))}, polling interval ${escapeHtml(formatDuration(s.pollIntervalSeconds))}, expected readings ${escapeHtml(intervalsText(data))}, silent after ${escapeHtml(formatDuration(s.silentAfterSeconds))}, site time zone ${escapeHtml(s.siteTimeZone)}.</li>
<li>Times are site time (${escapeHtml(s.siteTimeZone)}), and days are site days, from midnight to midnight; stored times are UTC, as in the CSV files (hover a time in a table for its UTC instant). Generated ${escapeHtml(formatTime(data.generatedAt, s.siteTimeZone))} ${escapeHtml(s.siteTimeZone)}.</li>
</ul>
</footer>`;
}
