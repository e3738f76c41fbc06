import { gridToLatLon } from '../domain/coordinates.js';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType, type TriggerMode } from '../domain/instrument-types.js';
import { toMicroUnits, type Reading } from '../domain/reading.js';
import type { Rejection } from '../domain/rejection.js';
import { evaluateWindows, type InstrumentStatus, type StatusTransition } from '../domain/status-tracking.js';
import { defaultTriggerLevels, type TriggerStatus } from '../domain/trigger-levels.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { SqlDatabase, SqlSession } from '../db/sql-client.js';

/** A reading with the stream position it came from. */
export interface SourcedReading {
  readonly reading: Reading;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** A rejection with a deterministic id, so a redelivered poison record is kept once. */
export interface QuarantineEntry {
  readonly id: string;
  readonly rejection: Rejection;
}

/** A status change recorded in the batch store, as published to the alert topic. */
export interface TriggerEvent extends StatusTransition {
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly levels: { readonly alert: number; readonly alarm: number; readonly action: number };
  readonly position: {
    readonly latitude: number | null;
    readonly longitude: number | null;
    readonly northing: number | null;
    readonly easting: number | null;
  };
}

/** Rows per multi-row statement: keeps each Data API request well under its size limits. */
const ROWS_PER_STATEMENT = 400;

/** Pending windows read per query: well under the Data API's 1 MiB response cap. */
const PENDING_PAGE = 1_000;

/**
 * The batch store's writes. Every write is idempotent: readings are keyed by
 * (instrument, event time), aggregates are recomputed from readings, trigger
 * evaluation skips windows already evaluated, quarantine rows have deterministic ids.
 */
export class AuroraBatchStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly windowSeconds: number,
  ) {}

  /** Stores a batch's readings, the instruments they name, and its poison records, atomically. */
  async writeBatch(readings: readonly SourcedReading[], quarantine: readonly QuarantineEntry[]): Promise<void> {
    if (readings.length === 0 && quarantine.length === 0) return;
    await this.db.transaction(async (session) => {
      for (const rows of chunks(instrumentRows(readings), ROWS_PER_STATEMENT))
        await session.execute(UPSERT_INSTRUMENTS, { rows: { json: rows } });
      for (const rows of chunks(readings.map(readingRow), ROWS_PER_STATEMENT))
        await session.execute(INSERT_READINGS, { rows: { json: rows } });
      for (const rows of chunks(quarantine.map(quarantineRow), ROWS_PER_STATEMENT))
        await session.execute(INSERT_QUARANTINE, { rows: { json: rows } });
    });
  }

  /**
   * Recomputes the aggregates of the touched windows from the stored readings, then
   * evaluates, in event-time order, every window of this shard that is complete by the
   * watermark and not yet evaluated. Returns how many windows were written and the
   * status changes recorded.
   */
  async finaliseWindows(
    touched: readonly WindowKey[],
    shardId: string,
    watermark: number,
  ): Promise<{ windowsWritten: number; events: TriggerEvent[] }> {
    return this.db.transaction(async (session) => {
      let windowsWritten = 0;
      const windowMs = this.windowSeconds * 1000;
      for (const keys of chunks(touched, ROWS_PER_STATEMENT)) {
        const rows = keys.map((k) => ({
          instrument_id: k.instrumentId,
          window_start: iso(k.windowStart),
          window_end: iso(k.windowStart + windowMs),
        }));
        windowsWritten += await session.execute(RECOMPUTE_WINDOWS, {
          windows: { json: rows },
          window_seconds: this.windowSeconds,
          shard: shardId,
        });
      }
      const events = await this.evaluatePending(session, shardId, watermark);
      return { windowsWritten, events };
    });
  }

  /** Status changes not yet published for instruments this shard owns, oldest first. */
  async pendingAlerts(shardId: string, limit = 100): Promise<TriggerEvent[]> {
    const rows = await this.db.query<EventRow>(SELECT_OUTBOX, { shard: shardId, window_seconds: this.windowSeconds, limit });
    return rows.map(eventFromRow);
  }

  async markNotified(events: readonly TriggerEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => ({ instrument_id: e.instrumentId, window_start: iso(e.windowStart) }));
    await this.db.execute(MARK_NOTIFIED, { rows: { json: rows } });
  }

  /**
   * Evaluates pending windows page by page (a Data API response is capped at 1 MiB).
   * Pages follow (instrument, window start) order and each page's statuses are written
   * before the next is read, so an instrument split across pages continues correctly.
   */
  private async evaluatePending(session: SqlSession, shardId: string, watermark: number): Promise<TriggerEvent[]> {
    const events: TriggerEvent[] = [];
    for (;;) {
      const page = await session.query<PendingRow>(SELECT_PENDING, {
        shard: shardId,
        window_seconds: this.windowSeconds,
        watermark: iso(watermark),
        limit: PENDING_PAGE,
      });
      if (page.length === 0) break;
      events.push(...(await this.evaluatePage(session, page)));
      if (page.length < PENDING_PAGE) break;
    }
    return events;
  }

  private async evaluatePage(session: SqlSession, pending: readonly PendingRow[]): Promise<TriggerEvent[]> {
    const events: TriggerEvent[] = [];
    const statuses: Array<{ instrumentId: string; status: InstrumentStatus }> = [];
    for (const group of groupBy(pending, (row) => row.instrument_id)) {
      const first = group[0]!;
      if (first.trigger_alert === null || first.trigger_alarm === null || first.trigger_action === null) continue;
      const levels = { alert: first.trigger_alert, alarm: first.trigger_alarm, action: first.trigger_action };
      const current: InstrumentStatus | null =
        first.status === null
          ? null
          : {
              status: first.status,
              since: Number(first.status_since_ms),
              lastWindowStart: Number(first.last_window_start_ms),
              lastMean: Number(first.last_mean),
            };
      const windows = group.map((row) => ({
        windowStart: Number(row.window_start_ms),
        windowEnd: Number(row.window_end_ms),
        mean: row.mean,
      }));
      const outcome = evaluateWindows(current, windows, { levels, mode: first.trigger_mode });
      if (outcome.status && outcome.status !== current) statuses.push({ instrumentId: first.instrument_id, status: outcome.status });
      for (const transition of outcome.transitions) {
        events.push({
          ...transition,
          instrumentId: first.instrument_id,
          instrumentType: first.instrument_type,
          unit: INSTRUMENT_TYPE_SPECS[first.instrument_type].unit,
          levels,
          position: { latitude: first.latitude, longitude: first.longitude, northing: first.northing, easting: first.easting },
        });
      }
    }
    const evaluated = pending.map((row) => ({ instrument_id: row.instrument_id, window_start: iso(Number(row.window_start_ms)) }));
    for (const rows of chunks(evaluated, ROWS_PER_STATEMENT))
      await session.execute(MARK_EVALUATED, { rows: { json: rows }, window_seconds: this.windowSeconds });
    const statusRows = statuses.map(({ instrumentId, status }) => ({
      instrument_id: instrumentId,
      status: status.status,
      status_since: iso(status.since),
      last_window_start: iso(status.lastWindowStart),
      last_mean: status.lastMean,
    }));
    for (const rows of chunks(statusRows, ROWS_PER_STATEMENT)) await session.execute(UPSERT_STATUS, { rows: { json: rows } });
    const eventRows = events.map((e) => ({
      instrument_id: e.instrumentId,
      window_start: iso(e.windowStart),
      window_end: iso(e.windowEnd),
      from_status: e.from,
      to_status: e.to,
      window_mean: e.mean,
      trigger_alert: e.levels.alert,
      trigger_alarm: e.levels.alarm,
      trigger_action: e.levels.action,
    }));
    for (const rows of chunks(eventRows, ROWS_PER_STATEMENT)) await session.execute(INSERT_EVENTS, { rows: { json: rows } });
    return events;
  }
}

interface PendingRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  window_start_ms: number | string;
  window_end_ms: number | string;
  mean: number;
  trigger_mode: TriggerMode;
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
  latitude: number | null;
  longitude: number | null;
  northing: number | null;
  easting: number | null;
  status: TriggerStatus | null;
  status_since_ms: number | string | null;
  last_window_start_ms: number | string | null;
  last_mean: number | null;
}

interface EventRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  window_start_ms: number | string;
  window_end_ms: number | string;
  from_status: TriggerStatus;
  to_status: TriggerStatus;
  window_mean: number;
  trigger_alert: number;
  trigger_alarm: number;
  trigger_action: number;
  latitude: number | null;
  longitude: number | null;
  northing: number | null;
  easting: number | null;
}

function eventFromRow(row: EventRow): TriggerEvent {
  return {
    instrumentId: row.instrument_id,
    instrumentType: row.instrument_type,
    unit: INSTRUMENT_TYPE_SPECS[row.instrument_type].unit,
    windowStart: Number(row.window_start_ms),
    windowEnd: Number(row.window_end_ms),
    mean: row.window_mean,
    from: row.from_status,
    to: row.to_status,
    levels: { alert: row.trigger_alert, alarm: row.trigger_alarm, action: row.trigger_action },
    position: { latitude: row.latitude, longitude: row.longitude, northing: row.northing, easting: row.easting },
  };
}

/** One registry row per instrument in the batch, from its latest reading. */
function instrumentRows(readings: readonly SourcedReading[]) {
  const latest = new Map<string, { reading: Reading; first: number }>();
  for (const { reading } of readings) {
    const held = latest.get(reading.instrumentId);
    if (!held) latest.set(reading.instrumentId, { reading, first: reading.observedAt });
    else {
      held.first = Math.min(held.first, reading.observedAt);
      if (reading.observedAt >= held.reading.observedAt) held.reading = reading;
    }
  }
  return [...latest.values()].map(({ reading: r, first }) => {
    const spec = INSTRUMENT_TYPE_SPECS[r.type];
    const levels = defaultTriggerLevels(r.type, r.surfaceLevel);
    const position = r.easting !== null && r.northing !== null ? gridToLatLon(r.easting, r.northing) : null;
    return {
      instrument_id: r.instrumentId,
      instrument_type: r.type,
      unit: spec.unit,
      surface_level: r.surfaceLevel,
      northing: r.northing,
      easting: r.easting,
      latitude: position?.latitude ?? null,
      longitude: position?.longitude ?? null,
      trigger_mode: spec.triggerMode,
      trigger_alert: levels?.alert ?? null,
      trigger_alarm: levels?.alarm ?? null,
      trigger_action: levels?.action ?? null,
      first_observed_at: iso(first),
      last_observed_at: iso(r.observedAt),
    };
  });
}

function readingRow({ reading, shardId, sequenceNumber }: SourcedReading) {
  return {
    instrument_id: reading.instrumentId,
    observed_at: iso(reading.observedAt),
    value_micro: toMicroUnits(reading.value),
    source_shard: shardId,
    source_sequence: sequenceNumber,
  };
}

function quarantineRow({ id, rejection }: QuarantineEntry) {
  return {
    quarantine_id: id,
    reason: rejection.reason,
    detail: rejection.detail,
    field: rejection.field ?? null,
    source: rejection.source,
    raw: typeof rejection.raw === 'string' ? rejection.raw : (JSON.stringify(rejection.raw) ?? 'undefined'),
    rejected_at: iso(rejection.rejectedAt),
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

const UPSERT_INSTRUMENTS = `
INSERT INTO instruments AS i (instrument_id, instrument_type, unit, surface_level, northing, easting, latitude, longitude,
  trigger_mode, trigger_alert, trigger_alarm, trigger_action, first_observed_at, last_observed_at)
SELECT r.instrument_id, r.instrument_type, r.unit, r.surface_level, r.northing, r.easting, r.latitude, r.longitude,
  r.trigger_mode, r.trigger_alert, r.trigger_alarm, r.trigger_action, r.first_observed_at, r.last_observed_at
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, instrument_type text, unit text, surface_level float8,
  northing float8, easting float8, latitude float8, longitude float8, trigger_mode text, trigger_alert float8,
  trigger_alarm float8, trigger_action float8, first_observed_at timestamptz, last_observed_at timestamptz)
ON CONFLICT (instrument_id) DO UPDATE SET
  surface_level = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.surface_level, i.surface_level) ELSE i.surface_level END,
  northing = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.northing, i.northing) ELSE i.northing END,
  easting = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.easting, i.easting) ELSE i.easting END,
  latitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.latitude, i.latitude) ELSE i.latitude END,
  longitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.longitude, i.longitude) ELSE i.longitude END,
  trigger_alert = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_alert IS NOT NULL THEN EXCLUDED.trigger_alert ELSE i.trigger_alert END,
  trigger_alarm = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_alarm IS NOT NULL THEN EXCLUDED.trigger_alarm ELSE i.trigger_alarm END,
  trigger_action = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_action IS NOT NULL THEN EXCLUDED.trigger_action ELSE i.trigger_action END,
  first_observed_at = LEAST(i.first_observed_at, EXCLUDED.first_observed_at),
  last_observed_at = GREATEST(i.last_observed_at, EXCLUDED.last_observed_at)`;

const INSERT_READINGS = `
INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence)
SELECT r.instrument_id, r.observed_at, r.value_micro, r.source_shard, r.source_sequence
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, observed_at timestamptz, value_micro bigint,
  source_shard text, source_sequence text)
ON CONFLICT (instrument_id, observed_at) DO NOTHING`;

const INSERT_QUARANTINE = `
INSERT INTO quarantined_readings (quarantine_id, reason, detail, field, source, raw, rejected_at)
SELECT q.quarantine_id, q.reason, q.detail, q.field, q.source, q.raw, q.rejected_at
FROM jsonb_to_recordset(:rows::jsonb) AS q(quarantine_id text, reason text, detail text, field text, source text,
  raw text, rejected_at timestamptz)
ON CONFLICT (quarantine_id) DO NOTHING`;

const RECOMPUTE_WINDOWS = `
INSERT INTO window_aggregates AS w (instrument_id, window_seconds, window_start, window_end, reading_count, sum_micro,
  mean, min_value, max_value, first_observed_at, last_observed_at, source_shard)
SELECT k.instrument_id, :window_seconds, k.window_start, k.window_end, count(*), sum(r.value_micro),
  sum(r.value_micro)::float8 / (count(*) * 1000000)::float8,
  min(r.value_micro)::float8 / 1000000, max(r.value_micro)::float8 / 1000000,
  min(r.observed_at), max(r.observed_at), :shard
FROM jsonb_to_recordset(:windows::jsonb) AS k(instrument_id text, window_start timestamptz, window_end timestamptz)
JOIN readings r ON r.instrument_id = k.instrument_id AND r.observed_at >= k.window_start AND r.observed_at < k.window_end
GROUP BY k.instrument_id, k.window_start, k.window_end
ON CONFLICT (instrument_id, window_seconds, window_start) DO UPDATE SET
  reading_count = EXCLUDED.reading_count, sum_micro = EXCLUDED.sum_micro, mean = EXCLUDED.mean,
  min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
  first_observed_at = EXCLUDED.first_observed_at, last_observed_at = EXCLUDED.last_observed_at,
  source_shard = EXCLUDED.source_shard`;

const SELECT_PENDING = `
SELECT w.instrument_id, i.instrument_type, ${epochMs('w.window_start')} AS window_start_ms,
  ${epochMs('w.window_end')} AS window_end_ms, w.mean,
  i.trigger_mode, i.trigger_alert, i.trigger_alarm, i.trigger_action, i.latitude, i.longitude, i.northing, i.easting,
  s.status, ${epochMs('s.status_since')} AS status_since_ms, ${epochMs('s.last_window_start')} AS last_window_start_ms, s.last_mean
FROM window_aggregates w
JOIN instruments i ON i.instrument_id = w.instrument_id
LEFT JOIN instrument_status s ON s.instrument_id = w.instrument_id
WHERE NOT w.evaluated AND w.source_shard = :shard AND w.window_seconds = :window_seconds
  AND w.window_end <= :watermark::timestamptz
ORDER BY w.instrument_id, w.window_start
LIMIT :limit`;

const MARK_EVALUATED = `
UPDATE window_aggregates AS w SET evaluated = true
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz)
WHERE w.instrument_id = k.instrument_id AND w.window_start = k.window_start AND w.window_seconds = :window_seconds`;

const UPSERT_STATUS = `
INSERT INTO instrument_status AS s (instrument_id, status, status_since, last_window_start, last_mean)
SELECT r.instrument_id, r.status, r.status_since, r.last_window_start, r.last_mean
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, status text, status_since timestamptz,
  last_window_start timestamptz, last_mean float8)
ON CONFLICT (instrument_id) DO UPDATE SET status = EXCLUDED.status, status_since = EXCLUDED.status_since,
  last_window_start = EXCLUDED.last_window_start, last_mean = EXCLUDED.last_mean
WHERE s.last_window_start < EXCLUDED.last_window_start`;

const INSERT_EVENTS = `
INSERT INTO trigger_events (instrument_id, window_start, window_end, from_status, to_status, window_mean,
  trigger_alert, trigger_alarm, trigger_action)
SELECT e.instrument_id, e.window_start, e.window_end, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action
FROM jsonb_to_recordset(:rows::jsonb) AS e(instrument_id text, window_start timestamptz, window_end timestamptz,
  from_status text, to_status text, window_mean float8, trigger_alert float8, trigger_alarm float8, trigger_action float8)
ON CONFLICT (instrument_id, window_start) DO NOTHING`;

const SELECT_OUTBOX = `
SELECT e.instrument_id, i.instrument_type, ${epochMs('e.window_start')} AS window_start_ms,
  ${epochMs('e.window_end')} AS window_end_ms, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action, i.latitude, i.longitude, i.northing, i.easting
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
JOIN window_aggregates w ON w.instrument_id = e.instrument_id AND w.window_start = e.window_start AND w.window_seconds = :window_seconds
WHERE e.notified_at IS NULL AND w.source_shard = :shard
ORDER BY e.window_start, e.instrument_id
LIMIT :limit`;

const MARK_NOTIFIED = `
UPDATE trigger_events AS e SET notified_at = now()
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz)
WHERE e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.notified_at IS NULL`;
