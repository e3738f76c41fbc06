import type { SqlDatabase } from '../../lambdas/db/sql-client.js';
import { INSTRUMENT_TYPES, type InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { localDayOf, localDaysTouched } from '../../lambdas/domain/site-time.js';
import type { TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { ruleInForce } from '../../lambdas/shared/trigger-rule-schema.js';
import { ReportUsageError } from './options.js';
import type {
  BaselineRow,
  CorrectionRow,
  DailySummaryRow,
  ExceedanceRow,
  InstrumentState,
  ReportData,
  ReportSettings,
  SeriesPoint,
  SilentInstrument,
  SpikeRow,
  TriggerLevelSet,
} from './report-data.js';
import { chooseBucketSeconds, DEFAULT_MAX_POINTS } from './series-buckets.js';

/** Which instruments, over which period. */
export interface ReportSelection {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly type?: InstrumentType;
  readonly instrumentId?: string;
}

export interface LoadReportOptions {
  /** Points per series at most. Default {@link DEFAULT_MAX_POINTS}. */
  readonly maxPointsPerSeries?: number;
  /** Clock for `generatedAt`. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Rows per query at most: a Data API response is capped at 1 MiB, and a row of these
 * queries is well under 200 bytes of JSON.
 */
const ROWS_PER_QUERY = 4_000;

/**
 * Status changes per instrument to allow for in one period when sizing queries: the
 * trigger evaluation's dead band keeps an instrument from flapping between statuses.
 */
const STATUS_CHANGES_PER_INSTRUMENT = 50;

/** Baselines per instrument to allow for: the initial one and a few re-baselines. */
const BASELINES_PER_INSTRUMENT = 20;

/**
 * Reads a report's data from the report views (see migration 0002_report_views.sql)
 * through any SQL database — the local Data API endpoint or Aurora's. Refuses, naming
 * the argument, an instrument or type the database does not know, and a period in
 * which the selection has no data.
 */
export async function loadReportData(db: SqlDatabase, selection: ReportSelection, options: LoadReportOptions = {}): Promise<ReportData> {
  const generatedAt = (options.now ?? Date.now)();
  const settings = await readSettings(db);
  await checkSelection(db, selection);
  const instruments = await readInstruments(db, selection);
  const ids = instruments.map((i) => i.instrumentId);
  const order = new Map(ids.map((id, i) => [id, i]));
  const range = { from: iso(selection.from), to: iso(selection.to) };

  const periodSeconds = (selection.to - selection.from) / 1000;
  const bucketSeconds = chooseBucketSeconds(periodSeconds, settings.windowSeconds, options.maxPointsPerSeries ?? DEFAULT_MAX_POINTS);
  // Two periods of a clock change can meet in one bucket of site time: one point more per change.
  const pointsPerInstrument = Math.ceil(periodSeconds / bucketSeconds) + 3;
  const seriesRows = await inChunks(ids, pointsPerInstrument, (chunk) =>
    db.query<SeriesRow>(SELECT_SERIES, {
      ids: { json: chunk },
      bucket: bucketSeconds,
      zone: bucketsInSiteTime(bucketSeconds) ? settings.siteTimeZone : 'UTC',
      ...range,
    }),
  );
  const series = new Map<string, SeriesPoint[]>();
  for (const row of seriesRows) {
    const points = series.get(row.instrument_id) ?? [];
    points.push({
      bucketStart: Number(row.bucket_start_ms),
      mean: row.mean,
      lowestWindowMean: row.lowest_window_mean,
      highestWindowMean: row.highest_window_mean,
      readingCount: Number(row.reading_count),
    });
    series.set(row.instrument_id, points);
  }

  if (series.size === 0) throw await noDataError(db, selection, ids, settings);

  const exceedanceRows = await inChunks(ids, STATUS_CHANGES_PER_INSTRUMENT, (chunk) =>
    db.query<ExceedanceSqlRow>(SELECT_EXCEEDANCES, { ids: { json: chunk }, ...range }),
  );

  const zone = settings.siteTimeZone;
  const days = { first_day: localDayOf(selection.from, zone), last_day: localDayOf(selection.to - 1, zone) };
  const dayCount = localDaysTouched(selection.from, selection.to, zone).length;
  const dailyRows = await inChunks(ids, dayCount, (chunk) => db.query<DailySqlRow>(SELECT_DAILY, { ids: { json: chunk }, ...days }));
  const silentRows = await inChunks(ids, 1, (chunk) => db.query<SilentSqlRow>(SELECT_SILENT, { ids: { json: chunk } }));
  const baselineRows = await inChunks(ids, BASELINES_PER_INSTRUMENT, (chunk) =>
    db.query<BaselineSqlRow>(SELECT_BASELINES, { ids: { json: chunk } }),
  );
  const spikeRows = await inChunks(ids, STATUS_CHANGES_PER_INSTRUMENT, (chunk) =>
    db.query<SpikeSqlRow>(SELECT_SPIKES, { ids: { json: chunk }, ...range }),
  );
  const correctionRows = await inChunks(ids, STATUS_CHANGES_PER_INSTRUMENT, (chunk) =>
    db.query<CorrectionSqlRow>(SELECT_CORRECTIONS, { ids: { json: chunk }, ...range }),
  );
  const byInstrument = (a: { instrumentId: string }, b: { instrumentId: string }) =>
    (order.get(a.instrumentId) ?? 0) - (order.get(b.instrumentId) ?? 0);

  return {
    generatedAt,
    period: { from: selection.from, to: selection.to },
    selection: {
      ...(selection.type ? { type: selection.type } : {}),
      ...(selection.instrumentId ? { instrumentId: selection.instrumentId } : {}),
    },
    settings,
    bucketSeconds,
    instruments,
    series,
    daily: dailyRows
      .map(dailyFromRow)
      .sort((a, b) => (order.get(a.instrumentId) ?? 0) - (order.get(b.instrumentId) ?? 0) || a.day.localeCompare(b.day)),
    exceedances: exceedanceRows
      .map(exceedanceFromRow)
      .sort((a, b) => a.changedAt - b.changedAt || a.instrumentId.localeCompare(b.instrumentId)),
    silent: silentRows
      .map(silentFromRow)
      .sort((a, b) => (a.lastReadingAt ?? 0) - (b.lastReadingAt ?? 0) || a.instrumentId.localeCompare(b.instrumentId)),
    baselines: baselineRows.map(baselineFromRow).sort((a, b) => byInstrument(a, b) || a.effectiveFrom - b.effectiveFrom),
    spikes: spikeRows.map(spikeFromRow).sort((a, b) => a.since - b.since || a.instrumentId.localeCompare(b.instrumentId)),
    corrections: correctionRows
      .map(correctionFromRow)
      .sort((a, b) => a.changedAt - b.changedAt || a.instrumentId.localeCompare(b.instrumentId) || a.foundAt - b.foundAt),
  };
}

async function readSettings(db: SqlDatabase): Promise<ReportSettings> {
  const [row] = await db.query<{
    window_seconds: number;
    poll_interval_seconds: number;
    silent_after_seconds: number;
    site_time_zone: string;
  }>('SELECT window_seconds, poll_interval_seconds, silent_after_seconds, site_time_zone FROM report_settings');
  if (!row) throw new Error(NO_SETTINGS);
  const intervals = await db.query<{ instrument_type: InstrumentType; expected_interval_seconds: number | null }>(
    'SELECT instrument_type, expected_interval_seconds FROM report_reading_intervals',
  );
  const own = new Map(intervals.map((r) => [r.instrument_type, r.expected_interval_seconds]));
  return {
    windowSeconds: row.window_seconds,
    pollIntervalSeconds: row.poll_interval_seconds,
    silentAfterSeconds: row.silent_after_seconds,
    siteTimeZone: row.site_time_zone,
    readingIntervalSeconds: Object.fromEntries(
      INSTRUMENT_TYPES.map((type) => [type, own.get(type) ?? row.poll_interval_seconds]),
    ) as Record<InstrumentType, number>,
  };
}

const NO_SETTINGS = 'report_settings has no row: restore it with INSERT INTO report_settings DEFAULT VALUES';

/** The site time zone the database's report views cut days in (report_settings.site_time_zone). */
export async function readSiteTimeZone(db: SqlDatabase): Promise<string> {
  const [row] = await db.query<{ site_time_zone: string }>('SELECT site_time_zone FROM report_settings');
  if (!row) throw new Error(NO_SETTINGS);
  return row.site_time_zone;
}

/**
 * Whether series buckets of this length follow the site's clocks (start at its midnights
 * and whole hours) rather than UTC's: buckets longer than an hour do, so a day's bucket is
 * the site's day. Buckets of an hour or less keep to UTC, where a clock change never folds
 * two real hours into one bucket.
 */
export function bucketsInSiteTime(bucketSeconds: number): boolean {
  return bucketSeconds > 3600;
}

/** Refuses an instrument or a type the database does not know, or that contradict each other. */
async function checkSelection(db: SqlDatabase, selection: ReportSelection): Promise<void> {
  const [counts] = await db.query<{ instruments: number; of_type: number }>(
    'SELECT count(*) AS instruments, count(*) FILTER (WHERE instrument_type = :type) AS of_type FROM instruments',
    { type: selection.type ?? null },
  );
  if (!counts || Number(counts.instruments) === 0) {
    throw new ReportUsageError('--data-dir', 'the database holds no instruments yet: run `npm start` to collect readings first');
  }
  if (selection.instrumentId !== undefined) {
    const [found] = await db.query<{ instrument_type: InstrumentType }>(
      'SELECT instrument_type FROM instruments WHERE instrument_id = :id',
      { id: selection.instrumentId },
    );
    if (!found) {
      const similar = await db.query<{ instrument_id: string }>(
        "SELECT instrument_id FROM instruments WHERE instrument_id ILIKE '%' || :id || '%' OR :id ILIKE '%' || instrument_id || '%' ORDER BY instrument_id LIMIT 5",
        { id: selection.instrumentId },
      );
      const hint =
        similar.length > 0
          ? `; similar: ${similar.map((r) => r.instrument_id).join(', ')}`
          : `; the database knows ${counts.instruments} instruments`;
      throw new ReportUsageError('--instrument', `no instrument "${selection.instrumentId}" in the database${hint}`);
    }
    if (selection.type !== undefined && found.instrument_type !== selection.type) {
      throw new ReportUsageError(
        '--instrument',
        `"${selection.instrumentId}" is a ${found.instrument_type}, not a ${selection.type} (--type)`,
      );
    }
  } else if (selection.type !== undefined && Number(counts.of_type) === 0) {
    throw new ReportUsageError('--type', `the database holds no ${selection.type} instruments`);
  }
}

async function readInstruments(db: SqlDatabase, selection: ReportSelection): Promise<InstrumentState[]> {
  const instruments: InstrumentState[] = [];
  let after = '';
  for (;;) {
    const page = await db.query<InstrumentSqlRow>(SELECT_INSTRUMENTS, {
      type: selection.type ?? null,
      id: selection.instrumentId ?? null,
      after,
      limit: ROWS_PER_QUERY,
    });
    instruments.push(...page.map(instrumentFromRow));
    if (page.length < ROWS_PER_QUERY) break;
    after = page[page.length - 1]!.instrument_id;
  }
  const typeOrder = (type: InstrumentType) => INSTRUMENT_TYPES.indexOf(type);
  return instruments.sort((a, b) => typeOrder(a.type) - typeOrder(b.type) || a.instrumentId.localeCompare(b.instrumentId));
}

/** Says why a period has no data: outside the readings held, or aggregates of another window length. */
async function noDataError(
  db: SqlDatabase,
  selection: ReportSelection,
  ids: readonly string[],
  settings: ReportSettings,
): Promise<ReportUsageError> {
  const what = selection.instrumentId
    ? `for instrument ${selection.instrumentId}`
    : selection.type
      ? `for ${selection.type} instruments`
      : 'for any instrument';
  const period = `between ${iso(selection.from)} and ${iso(selection.to)}`;
  const [extent] = await db.query<{ first_ms: number | null; last_ms: number | null }>(
    `SELECT ${epochMs('min(first_observed_at)')} AS first_ms, ${epochMs('max(last_observed_at)')} AS last_ms
     FROM instruments WHERE instrument_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:ids::jsonb)))`,
    { ids: { json: ids } },
  );
  const others = await db.query<{ window_seconds: number }>(
    `SELECT DISTINCT window_seconds FROM window_aggregates
     WHERE instrument_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:ids::jsonb)))
       AND window_start >= :from::timestamptz AND window_start < :to::timestamptz AND window_seconds <> :window
     ORDER BY window_seconds`,
    { ids: { json: ids }, from: iso(selection.from), to: iso(selection.to), window: settings.windowSeconds },
  );
  if (others.length > 0) {
    const lengths = others.map((r) => `${r.window_seconds} s`).join(', ');
    return new ReportUsageError(
      '--from/--to',
      `no ${settings.windowSeconds} s window aggregates ${what} ${period}, but there are ${lengths} ones: ` +
        `the processor averages over another window than report_settings.window_seconds; set it with ` +
        `UPDATE report_settings SET window_seconds = ${others[0]!.window_seconds}`,
    );
  }
  const held =
    extent && extent.first_ms !== null && extent.last_ms !== null
      ? `; the database holds readings ${what.replace('for any instrument', 'of these instruments')} from ${iso(Number(extent.first_ms))} to ${iso(Number(extent.last_ms))}`
      : '';
  return new ReportUsageError('--from/--to', `no readings ${what} ${period}${held}`);
}

/** Runs `query` over the ids in chunks sized so that each response stays within {@link ROWS_PER_QUERY} rows. */
async function inChunks<Row>(
  ids: readonly string[],
  rowsPerId: number,
  query: (chunk: readonly string[]) => Promise<Row[]>,
): Promise<Row[]> {
  const size = Math.max(1, Math.floor(ROWS_PER_QUERY / Math.max(1, rowsPerId)));
  const rows: Row[] = [];
  for (let i = 0; i < ids.length; i += size) rows.push(...(await query(ids.slice(i, i + size))));
  return rows;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

const epochMs = (expression: string) => `(extract(epoch FROM ${expression}) * 1000)::bigint`;

/** The selected instruments, as the ids of a JSON array parameter: an index condition on the views' keys. */
const SELECTED = 'instrument_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:ids::jsonb)))';

type Numeric = number | string;

interface InstrumentSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  easting: number | null;
  northing: number | null;
  latitude: number | null;
  longitude: number | null;
  surface_level: number | null;
  trigger_levels_source: 'default' | 'manual';
  trigger_rule: string | null;
  baseline_id: string | null;
  baseline_source: string | null;
  baseline_value: number | null;
  baseline_effective_from_ms: Numeric | null;
  last_change: number | null;
  last_rate: number | null;
  status: TriggerStatus | null;
  status_since_ms: Numeric | null;
  last_reading_ms: Numeric | null;
  last_value: number | null;
}

const SELECT_INSTRUMENTS = `
SELECT l.instrument_id, l.instrument_type, l.unit, l.easting, l.northing, l.latitude, l.longitude, l.surface_level,
  l.trigger_levels_source, l.trigger_rule, l.baseline_id, l.baseline_source, l.baseline_value,
  ${epochMs('l.baseline_effective_from')} AS baseline_effective_from_ms, h.change_value AS last_change, h.rate_per_day AS last_rate,
  l.status, ${epochMs('l.status_since')} AS status_since_ms, ${epochMs('l.last_reading_at')} AS last_reading_ms, l.last_value
FROM report_latest_status l
LEFT JOIN report_instrument_history h ON h.instrument_id = l.instrument_id AND h.window_start = l.last_window_start
WHERE (:type::text IS NULL OR l.instrument_type = :type::text)
  AND (:id::text IS NULL OR l.instrument_id = :id::text)
  AND l.instrument_id > :after
ORDER BY l.instrument_id
LIMIT :limit`;

function instrumentFromRow(row: InstrumentSqlRow): InstrumentState {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    easting: row.easting,
    northing: row.northing,
    latitude: row.latitude,
    longitude: row.longitude,
    surfaceLevel: row.surface_level,
    rule: ruleInForce(row.trigger_rule, row.instrument_type, row.surface_level),
    ruleSource: row.trigger_levels_source,
    baseline:
      row.baseline_id === null || row.baseline_value === null || row.baseline_effective_from_ms === null
        ? null
        : {
            id: row.baseline_id,
            source: row.baseline_source ?? 'initial',
            value: row.baseline_value,
            effectiveFrom: Number(row.baseline_effective_from_ms),
          },
    lastChange: row.last_change,
    lastRate: row.last_rate,
    status: row.status,
    statusSince: nullableNumber(row.status_since_ms),
    lastReadingAt: nullableNumber(row.last_reading_ms),
    lastValue: row.last_value,
  };
}

interface SeriesRow {
  instrument_id: string;
  bucket_start_ms: Numeric;
  mean: number;
  lowest_window_mean: number;
  highest_window_mean: number;
  reading_count: Numeric;
}

/**
 * Buckets of whole `:bucket` seconds of the clock of `:zone` (the wall time of each window's
 * start, floored), each placed at the first instant its clock shows its start (the earlier
 * of an hour the clocks repeat). In UTC these are whole `:bucket` seconds since the epoch.
 */
const SELECT_SERIES = `
SELECT instrument_id,
  (extract(epoch FROM least(b.wall AT TIME ZONE :zone::text, (b.wall - interval '1 hour') AT TIME ZONE :zone::text + interval '1 hour'))
    * 1000)::bigint AS bucket_start_ms,
  sum(sum_micro)::double precision / (sum(reading_count) * 1000000)::double precision AS mean,
  min(mean) AS lowest_window_mean,
  max(mean) AS highest_window_mean,
  sum(reading_count)::bigint AS reading_count
FROM report_instrument_history h
CROSS JOIN LATERAL (
  SELECT to_timestamp(floor(extract(epoch FROM h.window_start AT TIME ZONE :zone::text) / :bucket) * :bucket) AT TIME ZONE 'UTC' AS wall
) b
WHERE ${SELECTED} AND window_start >= :from::timestamptz AND window_start < :to::timestamptz
GROUP BY instrument_id, b.wall
ORDER BY instrument_id, bucket_start_ms`;

// Each view has its own row type, query and mapper below; they are alike in shape on purpose (one column a field), not one generic mapper, so each stays typed.
interface DailySqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  day: string;
  day_hours: number;
  reading_count: Numeric;
  min_value: number | null;
  mean: number | null;
  max_value: number | null;
  readings_expected: Numeric;
  completeness: number | null;
}

const SELECT_DAILY = `
SELECT instrument_id, instrument_type, unit, day::text AS day, day_hours, reading_count, min_value, mean, max_value, readings_expected,
  completeness
FROM report_daily_summary
WHERE ${SELECTED} AND day >= :first_day::date AND day <= :last_day::date
ORDER BY instrument_id, day`;

function dailyFromRow(row: DailySqlRow): DailySummaryRow {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    day: row.day,
    dayHours: row.day_hours,
    readingCount: Number(row.reading_count),
    min: row.min_value,
    mean: row.mean,
    max: row.max_value,
    readingsExpected: Number(row.readings_expected),
    completeness: row.completeness,
  };
}

// The columns of a status change, as the batch store's EventRow (lambdas/batch/aurora-store.ts) has them too: this one types the report view's row.
interface ExceedanceSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  changed_at_ms: Numeric;
  from_status: TriggerStatus;
  to_status: TriggerStatus;
  window_mean: number;
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
  cause: string | null;
  confirmed_by: 'windows' | 're-read' | 'fall';
  change_value: number | null;
  rate_per_day: number | null;
  baseline_id: string | null;
  baseline_value: number | null;
  late: boolean;
  delay_seconds: number | null;
  ended_at_ms: Numeric | null;
  duration_seconds: number | null;
}

const SELECT_EXCEEDANCES = `
SELECT instrument_id, instrument_type, unit, ${epochMs('changed_at')} AS changed_at_ms, from_status, to_status, window_mean,
  trigger_alert, trigger_alarm, trigger_action, cause, confirmed_by, change_value, rate_per_day, baseline_id, baseline_value,
  late, delay_seconds, ${epochMs('ended_at')} AS ended_at_ms, duration_seconds
FROM report_trigger_exceedances
WHERE ${SELECTED} AND changed_at >= :from::timestamptz AND changed_at < :to::timestamptz
ORDER BY changed_at, instrument_id`;

function exceedanceFromRow(row: ExceedanceSqlRow): ExceedanceRow {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    changedAt: Number(row.changed_at_ms),
    fromStatus: row.from_status,
    toStatus: row.to_status,
    windowMean: row.window_mean,
    levels: levelsOf(row),
    cause: row.cause,
    confirmedBy: row.confirmed_by,
    change: row.change_value,
    rate: row.rate_per_day,
    baselineId: row.baseline_id,
    baselineValue: row.baseline_value,
    late: row.late,
    delaySeconds: row.delay_seconds,
    endedAt: nullableNumber(row.ended_at_ms),
    durationSeconds: row.duration_seconds,
  };
}

interface SilentSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  last_reading_ms: Numeric | null;
  silent_seconds: number | null;
}

const SELECT_SILENT = `
SELECT instrument_id, instrument_type, unit, ${epochMs('last_reading_at')} AS last_reading_ms, silent_seconds
FROM report_silent_instruments
WHERE ${SELECTED}`;

function silentFromRow(row: SilentSqlRow): SilentInstrument {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    lastReadingAt: nullableNumber(row.last_reading_ms),
    silentSeconds: row.silent_seconds,
  };
}

interface BaselineSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  baseline_id: string;
  source: string;
  value: number;
  effective_from_ms: Numeric;
  reason: string | null;
  set_by: string | null;
}

const SELECT_BASELINES = `
SELECT instrument_id, instrument_type, unit, baseline_id, source, value, ${epochMs('effective_from')} AS effective_from_ms, reason, set_by
FROM report_baselines
WHERE ${SELECTED}
ORDER BY instrument_id, effective_from`;

function baselineFromRow(row: BaselineSqlRow): BaselineRow {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    baselineId: row.baseline_id,
    source: row.source,
    value: row.value,
    effectiveFrom: Number(row.effective_from_ms),
    reason: row.reason,
    setBy: row.set_by,
  };
}

interface SpikeSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  since_ms: Numeric;
  until_ms: Numeric;
  peak_status: TriggerStatus;
  cause: string;
}

const SELECT_SPIKES = `
SELECT instrument_id, instrument_type, unit, ${epochMs('since')} AS since_ms, ${epochMs('until')} AS until_ms, peak_status, cause
FROM report_unconfirmed_spikes
WHERE ${SELECTED} AND since >= :from::timestamptz AND since < :to::timestamptz
ORDER BY since, instrument_id`;

function spikeFromRow(row: SpikeSqlRow): SpikeRow {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    unit: row.unit,
    since: Number(row.since_ms),
    until: Number(row.until_ms),
    peakStatus: row.peak_status,
    cause: row.cause,
  };
}

interface CorrectionSqlRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  changed_at_ms: Numeric;
  from_status: TriggerStatus;
  to_status: TriggerStatus;
  cause: string | null;
  correction: 'late' | 'withdrawn';
  delay_seconds: number | null;
  found_at_ms: Numeric;
  withdrawn_at_ms: Numeric | null;
  notified_at_ms: Numeric | null;
}

const SELECT_CORRECTIONS = `
SELECT instrument_id, instrument_type, ${epochMs('changed_at')} AS changed_at_ms, from_status, to_status, cause, correction, delay_seconds,
  ${epochMs('found_at')} AS found_at_ms, ${epochMs('withdrawn_at')} AS withdrawn_at_ms, ${epochMs('notified_at')} AS notified_at_ms
FROM report_late_corrections
WHERE ${SELECTED} AND changed_at >= :from::timestamptz AND changed_at < :to::timestamptz
ORDER BY changed_at, instrument_id`;

function correctionFromRow(row: CorrectionSqlRow): CorrectionRow {
  return {
    instrumentId: row.instrument_id,
    type: row.instrument_type,
    changedAt: Number(row.changed_at_ms),
    fromStatus: row.from_status,
    toStatus: row.to_status,
    cause: row.cause,
    correction: row.correction,
    delaySeconds: row.delay_seconds,
    foundAt: Number(row.found_at_ms),
    withdrawnAt: nullableNumber(row.withdrawn_at_ms),
    notifiedAt: nullableNumber(row.notified_at_ms),
  };
}

function levelsOf(row: {
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
}): TriggerLevelSet | null {
  return row.trigger_alert === null || row.trigger_alarm === null || row.trigger_action === null
    ? null
    : { alert: row.trigger_alert, alarm: row.trigger_alarm, action: row.trigger_action };
}

function nullableNumber(value: Numeric | null): number | null {
  return value === null ? null : Number(value);
}
