import type { TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { escapeHtml } from './html/escape.js';
import { formatDuration, formatNumber, formatPercent, formatValue, statusLabel, timeElement, typeLabel } from './html/format.js';
import { ruleText } from './levels.js';
import type {
  BaselineRow,
  CorrectionRow,
  DailySummaryRow,
  ExceedanceRow,
  InstrumentState,
  ReportData,
  SilentInstrument,
  SpikeRow,
} from './report-data.js';

/** A value as a CSV file holds it: full precision, ISO 8601 UTC times, empty when absent. */
export type CsvValue = string | number | boolean | null;

export interface TableColumn<Row> {
  /** The CSV header: a snake_case name. */
  readonly key: string;
  /** The HTML header. */
  readonly label: string;
  readonly csv: (row: Row) => CsvValue;
  /** The HTML cell's markup. Default: the CSV value as text. */
  readonly html?: (row: Row) => string;
  /** Numbers read best right-aligned. Default false. */
  readonly numeric?: boolean;
  /** Let the HTML cell wrap over lines. Default false: cells keep to one line. */
  readonly wrap?: boolean;
  /** Only in the CSV file (detail a page has no room for), or only on the page (a combined view). Default both. */
  readonly only?: 'csv' | 'html';
}

/** The columns of a table that a format shows. */
export function columnsFor<Row>(table: ReportTable<Row>, format: 'csv' | 'html'): ReadonlyArray<TableColumn<Row>> {
  return table.columns.filter((column) => column.only === undefined || column.only === format);
}

/** One table of the report, shown in the HTML and exported as one CSV file. */
export interface ReportTable<Row> {
  /** The HTML element id. */
  readonly id: string;
  readonly title: string;
  readonly fileName: string;
  readonly columns: ReadonlyArray<TableColumn<Row>>;
  readonly rows: readonly Row[];
}

/** The report's tables, in the order the HTML shows them; the page shows times on the site's clocks, the CSV files in UTC. */
export function reportTables(data: ReportData): {
  exceedances: ReportTable<ExceedanceRow>;
  daily: ReportTable<DailySummaryRow>;
  silent: ReportTable<SilentInstrument>;
  instruments: ReportTable<InstrumentState>;
  baselines: ReportTable<BaselineRow>;
  spikes: ReportTable<SpikeRow>;
  corrections: ReportTable<CorrectionRow>;
} {
  const zone = data.settings.siteTimeZone;
  return {
    exceedances: {
      id: 'exceedances',
      title: 'Trigger exceedance log',
      fileName: 'exceedances.csv',
      columns: exceedanceColumns(zone),
      rows: data.exceedances,
    },
    daily: { id: 'daily-summary', title: 'Daily summary', fileName: 'daily-summary.csv', columns: DAILY_COLUMNS, rows: data.daily },
    silent: {
      id: 'silent-instruments',
      title: 'Silent instruments',
      fileName: 'silent-instruments.csv',
      columns: silentColumns(zone),
      rows: data.silent,
    },
    instruments: {
      id: 'instruments',
      title: 'Instrument register',
      fileName: 'instruments.csv',
      columns: instrumentColumns(zone, data.spikes),
      rows: data.instruments,
    },
    baselines: { id: 'baselines', title: 'Baselines', fileName: 'baselines.csv', columns: baselineColumns(zone), rows: data.baselines },
    spikes: {
      id: 'unconfirmed-spikes',
      title: 'Unconfirmed spikes',
      fileName: 'unconfirmed-spikes.csv',
      columns: spikeColumns(zone),
      rows: data.spikes,
    },
    corrections: {
      id: 'late-corrections',
      title: 'Late and withdrawn status changes',
      fileName: 'late-corrections.csv',
      columns: correctionColumns(zone),
      rows: data.corrections,
    },
  };
}

const iso = (epochMs: number | null): string | null => (epochMs === null ? null : new Date(epochMs).toISOString());

/** A status as a coloured badge. */
export function statusBadge(status: TriggerStatus | null): string {
  return `<span class="badge ${status ?? 'unevaluated'}">${escapeHtml(statusLabel(status))}</span>`;
}

const exceedanceColumns = (zone: string): ReadonlyArray<TableColumn<ExceedanceRow>> => [
  { key: 'changed_at', label: 'Changed', csv: (e) => iso(e.changedAt), html: (e) => timeElement(e.changedAt, zone) },
  { key: 'instrument_id', label: 'Instrument', csv: (e) => e.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (e) => e.type, html: (e) => escapeHtml(typeLabel(e.type)), wrap: true },
  { key: 'from_status', label: 'From', csv: (e) => e.fromStatus, html: (e) => statusBadge(e.fromStatus) },
  { key: 'to_status', label: 'To', csv: (e) => e.toStatus, html: (e) => statusBadge(e.toStatus) },
  { key: 'window_mean', label: 'Window mean', csv: (e) => e.windowMean, html: (e) => formatValue(e.type, e.windowMean), numeric: true },
  { key: 'unit', label: 'Unit', csv: (e) => e.unit },
  {
    key: 'change_value',
    label: 'Change',
    csv: (e) => e.change,
    html: (e) => (e.change === null ? '—' : signedValue(e.type, e.change)),
    numeric: true,
  },
  {
    key: 'rate_per_day',
    label: 'Rate /day',
    csv: (e) => e.rate,
    html: (e) => (e.rate === null ? '—' : signedValue(e.type, e.rate)),
    numeric: true,
  },
  { key: 'cause', label: 'Cause', csv: (e) => e.cause, html: (e) => escapeHtml(causeLabel(e.cause)), wrap: true },
  { key: 'trigger_alert', label: 'Alert', csv: (e) => e.levels?.alert ?? null, only: 'csv' },
  { key: 'trigger_alarm', label: 'Alarm', csv: (e) => e.levels?.alarm ?? null, only: 'csv' },
  { key: 'trigger_action', label: 'Action', csv: (e) => e.levels?.action ?? null, only: 'csv' },
  {
    key: 'levels',
    label: 'Levels of its band',
    csv: () => null,
    html: (e) => (e.levels ? [e.levels.alert, e.levels.alarm, e.levels.action].map((v) => formatValue(e.type, v)).join(' / ') : '—'),
    numeric: true,
    only: 'html',
  },
  { key: 'confirmed_by', label: 'Confirmed by', csv: (e) => e.confirmedBy },
  { key: 'baseline_id', label: 'Baseline', csv: (e) => e.baselineId, only: 'csv' },
  { key: 'baseline_value', label: 'Baseline value', csv: (e) => e.baselineValue, only: 'csv' },
  {
    key: 'late',
    label: 'Late',
    csv: (e) => e.late,
    html: (e) => (e.late ? `late by ${escapeHtml(formatDuration(e.delaySeconds))}` : '—'),
  },
  { key: 'delay_seconds', label: 'Delay', csv: (e) => e.delaySeconds, only: 'csv' },
  {
    key: 'ended_at',
    label: 'Until',
    csv: (e) => iso(e.endedAt),
    html: (e) => (e.endedAt === null ? '<span class="open">current</span>' : timeElement(e.endedAt, zone)),
  },
  {
    key: 'duration_seconds',
    label: 'Duration',
    csv: (e) => e.durationSeconds,
    html: (e) => (e.durationSeconds === null ? '<span class="open">open</span>' : formatDuration(e.durationSeconds)),
    numeric: true,
  },
];

const DAILY_COLUMNS: ReadonlyArray<TableColumn<DailySummaryRow>> = [
  {
    key: 'day',
    label: 'Day',
    csv: (d) => d.day,
    html: (d) => (d.dayHours === 24 ? d.day : `${d.day} <span class="note">(${formatNumber(d.dayHours, 0)} h)</span>`),
  },
  { key: 'instrument_id', label: 'Instrument', csv: (d) => d.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (d) => d.type, html: (d) => escapeHtml(typeLabel(d.type)), wrap: true },
  { key: 'unit', label: 'Unit', csv: (d) => d.unit },
  { key: 'min', label: 'Min', csv: (d) => d.min, html: (d) => formatValue(d.type, d.min), numeric: true },
  { key: 'mean', label: 'Mean', csv: (d) => d.mean, html: (d) => formatValue(d.type, d.mean), numeric: true },
  { key: 'max', label: 'Max', csv: (d) => d.max, html: (d) => formatValue(d.type, d.max), numeric: true },
  { key: 'reading_count', label: 'Readings', csv: (d) => d.readingCount, html: (d) => formatNumber(d.readingCount, 0), numeric: true },
  {
    key: 'readings_expected',
    label: 'Expected',
    csv: (d) => d.readingsExpected,
    html: (d) => formatNumber(d.readingsExpected, 0),
    numeric: true,
  },
  {
    key: 'completeness',
    label: 'Completeness',
    csv: (d) => d.completeness,
    html: (d) =>
      `<span class="completeness${d.completeness !== null && d.completeness < 0.9 ? ' low' : ''}">${formatPercent(d.completeness)}</span>`,
    numeric: true,
  },
];

const silentColumns = (zone: string): ReadonlyArray<TableColumn<SilentInstrument>> => [
  { key: 'instrument_id', label: 'Instrument', csv: (s) => s.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (s) => s.type, html: (s) => escapeHtml(typeLabel(s.type)), wrap: true },
  { key: 'last_reading_at', label: 'Last reading', csv: (s) => iso(s.lastReadingAt), html: (s) => timeElement(s.lastReadingAt, zone) },
  { key: 'silent_seconds', label: 'Silent for', csv: (s) => s.silentSeconds, html: (s) => formatDuration(s.silentSeconds), numeric: true },
];

/** A band key in words. */
export function causeLabel(cause: string | null): string {
  if (cause === null) return '—';
  const [kind, direction] = cause.split(':');
  return `${kind === 'rate' ? 'rate' : 'level'}, ${direction === 'fall' ? 'falling' : 'rising'}`;
}

function signedValue(type: InstrumentState['type'], value: number): string {
  return `${value > 0 ? '+' : ''}${formatValue(type, value)}`;
}

const baselineColumns = (zone: string): ReadonlyArray<TableColumn<BaselineRow>> => [
  { key: 'instrument_id', label: 'Instrument', csv: (b) => b.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (b) => b.type, html: (b) => escapeHtml(typeLabel(b.type)), wrap: true },
  { key: 'baseline_id', label: 'Baseline', csv: (b) => b.baselineId },
  { key: 'source', label: 'Source', csv: (b) => b.source },
  { key: 'value', label: 'Value', csv: (b) => b.value, html: (b) => formatValue(b.type, b.value), numeric: true },
  { key: 'unit', label: 'Unit', csv: (b) => b.unit },
  { key: 'effective_from', label: 'In force from', csv: (b) => iso(b.effectiveFrom), html: (b) => timeElement(b.effectiveFrom, zone) },
  { key: 'reason', label: 'Reason', csv: (b) => b.reason, wrap: true },
  { key: 'set_by', label: 'Set by', csv: (b) => b.setBy },
];

const spikeColumns = (zone: string): ReadonlyArray<TableColumn<SpikeRow>> => [
  { key: 'since', label: 'From', csv: (s) => iso(s.since), html: (s) => timeElement(s.since, zone) },
  { key: 'until', label: 'Fell back', csv: (s) => iso(s.until), html: (s) => timeElement(s.until, zone) },
  { key: 'instrument_id', label: 'Instrument', csv: (s) => s.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (s) => s.type, html: (s) => escapeHtml(typeLabel(s.type)), wrap: true },
  { key: 'peak_status', label: 'Peak', csv: (s) => s.peakStatus, html: (s) => statusBadge(s.peakStatus) },
  { key: 'cause', label: 'Cause', csv: (s) => s.cause, html: (s) => escapeHtml(causeLabel(s.cause)) },
  {
    key: 'duration_seconds',
    label: 'Lasted',
    csv: (s) => (s.until - s.since) / 1000,
    html: (s) => formatDuration((s.until - s.since) / 1000),
    numeric: true,
  },
];

const correctionColumns = (zone: string): ReadonlyArray<TableColumn<CorrectionRow>> => [
  { key: 'changed_at', label: 'Window', csv: (c) => iso(c.changedAt), html: (c) => timeElement(c.changedAt, zone) },
  { key: 'instrument_id', label: 'Instrument', csv: (c) => c.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (c) => c.type, html: (c) => escapeHtml(typeLabel(c.type)), wrap: true },
  { key: 'from_status', label: 'From', csv: (c) => c.fromStatus, html: (c) => statusBadge(c.fromStatus) },
  { key: 'to_status', label: 'To', csv: (c) => c.toStatus, html: (c) => statusBadge(c.toStatus) },
  { key: 'cause', label: 'Cause', csv: (c) => c.cause, html: (c) => escapeHtml(causeLabel(c.cause)) },
  { key: 'correction', label: 'Correction', csv: (c) => c.correction },
  { key: 'delay_seconds', label: 'Found after', csv: (c) => c.delaySeconds, html: (c) => formatDuration(c.delaySeconds), numeric: true },
  { key: 'found_at', label: 'Found', csv: (c) => iso(c.foundAt), html: (c) => timeElement(c.foundAt, zone) },
  { key: 'withdrawn_at', label: 'Withdrawn', csv: (c) => iso(c.withdrawnAt), html: (c) => timeElement(c.withdrawnAt, zone) },
  { key: 'notified_at', label: 'Notified', csv: (c) => iso(c.notifiedAt), html: (c) => timeElement(c.notifiedAt, zone) },
];

const instrumentColumns = (zone: string, spikes: readonly SpikeRow[]): ReadonlyArray<TableColumn<InstrumentState>> => [
  { key: 'instrument_id', label: 'Instrument', csv: (i) => i.instrumentId },
  { key: 'instrument_type', label: 'Type', csv: (i) => i.type, html: (i) => escapeHtml(typeLabel(i.type)), wrap: true },
  { key: 'unit', label: 'Unit', csv: (i) => i.unit },
  {
    key: 'easting',
    label: 'Easting (m)',
    csv: (i) => i.easting,
    html: (i) => (i.easting === null ? '—' : formatNumber(i.easting, 1)),
    numeric: true,
  },
  {
    key: 'northing',
    label: 'Northing (m)',
    csv: (i) => i.northing,
    html: (i) => (i.northing === null ? '—' : formatNumber(i.northing, 1)),
    numeric: true,
  },
  { key: 'latitude', label: 'Latitude', csv: (i) => i.latitude, only: 'csv' },
  { key: 'longitude', label: 'Longitude', csv: (i) => i.longitude, only: 'csv' },
  { key: 'rule_source', label: 'Rule', csv: (i) => i.ruleSource, only: 'csv' },
  {
    key: 'rule',
    label: 'Rule (own or type default)',
    csv: (i) => ruleText(i),
    html: (i) => `${escapeHtml(ruleText(i))}${i.ruleSource === 'manual' ? ' <span class="note">(own rule)</span>' : ''}`,
    wrap: true,
  },
  { key: 'baseline_id', label: 'Baseline', csv: (i) => i.baseline?.id ?? null, only: 'csv' },
  {
    key: 'baseline_value',
    label: 'Baseline',
    csv: (i) => i.baseline?.value ?? null,
    html: (i) => formatValue(i.type, i.baseline?.value ?? null),
    numeric: true,
  },
  { key: 'baseline_effective_from', label: 'Baseline from', csv: (i) => iso(i.baseline?.effectiveFrom ?? null), only: 'csv' },
  {
    key: 'last_change',
    label: 'Change',
    csv: (i) => i.lastChange,
    html: (i) => (i.lastChange === null ? '—' : signedValue(i.type, i.lastChange)),
    numeric: true,
  },
  {
    key: 'last_rate_per_day',
    label: 'Rate /day',
    csv: (i) => i.lastRate,
    html: (i) => (i.lastRate === null ? '—' : signedValue(i.type, i.lastRate)),
    numeric: true,
  },
  {
    key: 'unconfirmed_spikes',
    label: 'Spikes',
    csv: (i) => spikes.filter((s) => s.instrumentId === i.instrumentId).length,
    numeric: true,
  },
  { key: 'status', label: 'Status', csv: (i) => i.status, html: (i) => statusBadge(i.status) },
  { key: 'status_since', label: 'Since', csv: (i) => iso(i.statusSince), html: (i) => timeElement(i.statusSince, zone) },
  { key: 'last_reading_at', label: 'Last reading', csv: (i) => iso(i.lastReadingAt), html: (i) => timeElement(i.lastReadingAt, zone) },
  { key: 'last_value', label: 'Last value', csv: (i) => i.lastValue, html: (i) => formatValue(i.type, i.lastValue), numeric: true },
];
