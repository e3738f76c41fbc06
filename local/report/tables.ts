import type { TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { escapeHtml } from './html/escape.js';
import { formatDuration, formatNumber, formatPercent, formatValue, statusLabel, timeElement, typeLabel } from './html/format.js';
import type { DailySummaryRow, ExceedanceRow, InstrumentState, ReportData, SilentInstrument } from './report-data.js';

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
      columns: instrumentColumns(zone),
      rows: data.instruments,
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
  { key: 'trigger_alert', label: 'Alert', csv: (e) => e.levels.alert, html: (e) => formatValue(e.type, e.levels.alert), numeric: true },
  { key: 'trigger_alarm', label: 'Alarm', csv: (e) => e.levels.alarm, html: (e) => formatValue(e.type, e.levels.alarm), numeric: true },
  { key: 'trigger_action', label: 'Action', csv: (e) => e.levels.action, html: (e) => formatValue(e.type, e.levels.action), numeric: true },
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

const instrumentColumns = (zone: string): ReadonlyArray<TableColumn<InstrumentState>> => [
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
  { key: 'trigger_alert', label: 'Alert', csv: (i) => i.levels?.alert ?? null, only: 'csv' },
  { key: 'trigger_alarm', label: 'Alarm', csv: (i) => i.levels?.alarm ?? null, only: 'csv' },
  { key: 'trigger_action', label: 'Action', csv: (i) => i.levels?.action ?? null, only: 'csv' },
  {
    key: 'trigger_levels',
    label: 'Levels: alert / alarm / action',
    csv: (i) => (i.levels ? `${i.levels.alert} / ${i.levels.alarm} / ${i.levels.action}` : null),
    html: (i) => (i.levels ? [i.levels.alert, i.levels.alarm, i.levels.action].map((v) => formatValue(i.type, v)).join(' / ') : '—'),
    numeric: true,
    only: 'html',
  },
  { key: 'status', label: 'Status', csv: (i) => i.status, html: (i) => statusBadge(i.status) },
  { key: 'status_since', label: 'Since', csv: (i) => iso(i.statusSince), html: (i) => timeElement(i.statusSince, zone) },
  { key: 'last_reading_at', label: 'Last reading', csv: (i) => iso(i.lastReadingAt), html: (i) => timeElement(i.lastReadingAt, zone) },
  { key: 'last_value', label: 'Last value', csv: (i) => i.lastValue, html: (i) => formatValue(i.type, i.lastValue), numeric: true },
];
