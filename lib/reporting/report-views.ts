/**
 * The batch store's report views as QuickSight reads them: one dataset per view, with every
 * column QuickSight can represent, in view order, each with the QuickSight type its PostgreSQL
 * type maps to (text → STRING; integer, bigint → INTEGER; double precision → DECIMAL;
 * timestamptz, date → DATETIME; boolean → BOOLEAN). `interval` columns (`duration`,
 * `silent_for`) have no QuickSight type and are left out; each has a `*_seconds` twin.
 * The views are created by the schema migrations in `lambdas/db/migrations`; `day` columns are
 * the site-local days of migration 0003 (a `date`), which QuickSight must group by rather
 * than truncate the UTC instants itself.
 */

/** Column types a QuickSight relational dataset declares. */
export type QuickSightColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME' | 'BOOLEAN';

export interface ReportColumn {
  /** Column name in the view. */
  readonly name: string;
  readonly type: QuickSightColumnType;
}

export interface ReportView {
  /** Short identifier: names the dataset (`<prefix>-<id>`) and its identifier in the dashboard. */
  readonly id: ReportViewId;
  /** The view in the batch store's database. */
  readonly view: string;
  /** Human-readable dataset name. */
  readonly title: string;
  readonly columns: readonly ReportColumn[];
}

export const REPORT_VIEW_IDS = ['history', 'daily', 'exceedances', 'latest', 'silent', 'spikes', 'corrections', 'baselines'] as const;
export type ReportViewId = (typeof REPORT_VIEW_IDS)[number];

const text = (name: string): ReportColumn => ({ name, type: 'STRING' });
const integer = (name: string): ReportColumn => ({ name, type: 'INTEGER' });
const decimal = (name: string): ReportColumn => ({ name, type: 'DECIMAL' });
const datetime = (name: string): ReportColumn => ({ name, type: 'DATETIME' });
const boolean = (name: string): ReportColumn => ({ name, type: 'BOOLEAN' });

const instrument = [text('instrument_id'), text('instrument_type'), text('unit')];
const triggerLevels = [decimal('trigger_alert'), decimal('trigger_alarm'), decimal('trigger_action')];

export const REPORT_VIEWS: Readonly<Record<ReportViewId, ReportView>> = {
  history: {
    id: 'history',
    view: 'report_instrument_history',
    title: 'Instrument history',
    columns: [
      ...instrument,
      integer('window_seconds'),
      datetime('window_start'),
      datetime('window_end'),
      integer('reading_count'),
      integer('sum_micro'),
      decimal('mean'),
      decimal('min_value'),
      decimal('max_value'),
      datetime('first_observed_at'),
      datetime('last_observed_at'),
      datetime('day'),
      text('status'),
      text('raw_status'),
      decimal('change_value'),
      decimal('rate_per_day'),
      text('baseline_id'),
      decimal('baseline_value'),
      boolean('beyond_horizon'),
    ],
  },
  daily: {
    id: 'daily',
    view: 'report_daily_summary',
    title: 'Daily summary',
    columns: [
      ...instrument,
      datetime('day'),
      integer('reading_count'),
      integer('sum_micro'),
      decimal('min_value'),
      decimal('mean'),
      decimal('max_value'),
      integer('readings_expected'),
      decimal('completeness'),
      datetime('day_start'),
      datetime('day_end'),
      decimal('day_hours'),
      text('site_time_zone'),
      decimal('expected_interval_seconds'),
    ],
  },
  exceedances: {
    id: 'exceedances',
    view: 'report_trigger_exceedances',
    title: 'Trigger exceedances',
    columns: [
      ...instrument,
      datetime('changed_at'),
      datetime('window_end'),
      text('from_status'),
      text('to_status'),
      decimal('window_mean'),
      ...triggerLevels,
      datetime('ended_at'),
      decimal('duration_seconds'),
      boolean('is_open'),
      datetime('notified_at'),
      datetime('day'),
      text('cause'),
      text('confirmed_by'),
      decimal('change_value'),
      decimal('rate_per_day'),
      text('baseline_id'),
      decimal('baseline_value'),
      boolean('late'),
      decimal('delay_seconds'),
    ],
  },
  latest: {
    id: 'latest',
    view: 'report_latest_status',
    title: 'Latest status',
    columns: [
      ...instrument,
      decimal('latitude'),
      decimal('longitude'),
      decimal('easting'),
      decimal('northing'),
      decimal('surface_level'),
      text('trigger_levels_source'),
      text('status'),
      datetime('status_since'),
      datetime('last_window_start'),
      decimal('last_mean'),
      datetime('last_reading_at'),
      decimal('last_value'),
      text('trigger_rule'),
      text('trigger_rule_set_by'),
      datetime('trigger_rule_set_at'),
      text('baseline_id'),
      text('baseline_source'),
      decimal('baseline_value'),
      datetime('baseline_effective_from'),
    ],
  },
  silent: {
    id: 'silent',
    view: 'report_silent_instruments',
    title: 'Silent instruments',
    columns: [
      ...instrument,
      decimal('easting'),
      decimal('northing'),
      decimal('latitude'),
      decimal('longitude'),
      text('status'),
      datetime('last_reading_at'),
      decimal('silent_seconds'),
      integer('silent_after_seconds'),
    ],
  },
  spikes: {
    id: 'spikes',
    view: 'report_unconfirmed_spikes',
    title: 'Unconfirmed spikes',
    columns: [...instrument, datetime('since'), datetime('until'), text('peak_status'), text('cause')],
  },
  corrections: {
    id: 'corrections',
    view: 'report_late_corrections',
    title: 'Late and withdrawn status changes',
    columns: [
      text('instrument_id'),
      text('instrument_type'),
      datetime('changed_at'),
      text('from_status'),
      text('to_status'),
      text('cause'),
      boolean('late'),
      decimal('delay_seconds'),
      datetime('found_at'),
      datetime('withdrawn_at'),
      text('correction'),
      datetime('notified_at'),
    ],
  },
  baselines: {
    id: 'baselines',
    view: 'report_baselines',
    title: 'Baselines',
    columns: [
      ...instrument,
      text('baseline_id'),
      text('source'),
      decimal('value'),
      datetime('effective_from'),
      text('reason'),
      text('set_by'),
      datetime('recorded_at'),
    ],
  },
};

/** The named column of a view; throws if the view has no such column, so a renamed column fails at synth. */
export function columnOf(view: ReportView, name: string): ReportColumn {
  const column = view.columns.find((candidate) => candidate.name === name);
  if (!column) throw new Error(`report view ${view.view} has no column ${name}; it has ${view.columns.map((c) => c.name).join(', ')}`);
  return column;
}
