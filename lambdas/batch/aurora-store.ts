import { gridToLatLon } from '../domain/coordinates.js';
import { INSTRUMENT_TYPE_SPECS } from '../domain/instrument-types.js';
import { sourceOf, toMicroUnits, type Reading } from '../domain/reading.js';
import { DEFAULT_LATE_HORIZON_MS } from '../domain/reevaluation.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { SqlDatabase } from '../db/sql-client.js';
import type { QuarantineEntry, SourcedReading } from '../shared/tumbling-window.js';
import { UPSERT_INSTRUMENTS, INSERT_READINGS, INSERT_QUARANTINE, RECOMPUTE_WINDOWS } from './aurora-sql.js';
import { evaluatePendingWindows, type EvaluationSummary, type StatusEvaluationOptions } from './status-evaluation.js';

/** Rows per multi-row statement: keeps each Data API request well under its size limits. */
const ROWS_PER_STATEMENT = 400;

/**
 * The batch store's writes. Every write is idempotent: readings are keyed by
 * (instrument, event time), aggregates are recomputed from readings, trigger
 * evaluation skips windows already evaluated, quarantine rows have deterministic ids.
 */
export class AuroraBatchStore {
  private readonly evaluation: StatusEvaluationOptions;

  constructor(
    private readonly db: SqlDatabase,
    private readonly windowSeconds: number,
    options: Partial<Omit<StatusEvaluationOptions, 'windowSeconds'>> & { readonly now?: () => number } = {},
  ) {
    this.evaluation = {
      windowSeconds,
      lateHorizonMs: options.lateHorizonMs ?? DEFAULT_LATE_HORIZON_MS,
      onInvalidRule: options.onInvalidRule,
    };
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

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
   * watermark and not yet evaluated. `arrivedUpTo`, the latest arrival time of the data,
   * is what a change's lateness is measured to (null, the default: unknown, so only
   * re-judged changes are late). Returns how many
   * windows were written and what the evaluation found.
   */
  async finaliseWindows(
    touched: readonly WindowKey[],
    shardId: string,
    watermark: number,
    arrivedUpTo: number | null = null,
  ): Promise<{ windowsWritten: number; evaluation: EvaluationSummary }> {
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
      const evaluation = await evaluatePendingWindows(session, shardId, watermark, arrivedUpTo, this.evaluation);
      return { windowsWritten, evaluation };
    });
  }
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
      first_observed_at: iso(first),
      last_observed_at: iso(r.observedAt),
    };
  });
}

function readingRow({ reading, shardId, sequenceNumber, arrivedAt }: SourcedReading) {
  return {
    instrument_id: reading.instrumentId,
    observed_at: iso(reading.observedAt),
    value_micro: toMicroUnits(reading.value),
    source_shard: shardId,
    source_sequence: sequenceNumber,
    arrived_at: iso(arrivedAt),
    source: sourceOf(reading),
    author: reading.author ?? null,
    note: reading.note ?? null,
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

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
