import { gridToLatLon } from '../domain/coordinates.js';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType, type TriggerMode } from '../domain/instrument-types.js';
import { toMicroUnits, type Reading } from '../domain/reading.js';
import { evaluateWindows, type InstrumentStatus, type StatusTransition } from '../domain/status-tracking.js';
import { defaultTriggerLevels, type TriggerStatus } from '../domain/trigger-levels.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { SqlDatabase, SqlSession } from '../db/sql-client.js';
import type { QuarantineEntry, SourcedReading } from '../shared/tumbling-window.js';
import {
  UPSERT_INSTRUMENTS,
  INSERT_READINGS,
  INSERT_QUARANTINE,
  RECOMPUTE_WINDOWS,
  SELECT_PENDING,
  MARK_EVALUATED,
  UPSERT_STATUS,
  INSERT_EVENTS,
  SELECT_OUTBOX,
  MARK_NOTIFIED,
} from './aurora-sql.js';

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
   * Stores rejections that reach the batch store other than in a stream batch (the
   * quarantine queue's recorder), one statement per chunk of rows. Idempotent: an entry
   * whose id is already stored is skipped. Returns how many rows were added.
   */
  async recordRejections(entries: readonly QuarantineEntry[]): Promise<number> {
    let added = 0;
    for (const rows of chunks(entries.map(quarantineRow), ROWS_PER_STATEMENT))
      added += await this.db.execute(INSERT_QUARANTINE, { rows: { json: rows } });
    return added;
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
