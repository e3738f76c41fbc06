import type { WindowKey } from './window-accumulator.js';
import { windowStartOf } from './window-aggregate.js';

/**
 * When an event window is complete on a stream partition that has no Lambda tumbling
 * windows (a Kafka topic-partition), judged from the records themselves.
 *
 * - The partition's **watermark** is the latest reading time (event time) stored from the
 *   partition so far. It never moves back: a late or replayed reading leaves it where it is.
 * - A window `[start, start + W)` is **complete** on the partition once
 *   `watermark >= start + W + allowedLateness`: a reading that much later has been seen, so
 *   the window's readings (which the poller writes in event-time order, key = instrument)
 *   are in, give or take the allowed lateness.
 * - Every window a stored reading touches is **pending** until it is complete; then it is
 *   closed (its aggregate recomputed from the stored readings and judged) and removed. A
 *   reading that arrives for a window already closed makes it pending again, and, as the
 *   watermark is already past it, complete at once: it is closed again, which the stores do
 *   idempotently (and judge late within the late horizon, as on Kinesis).
 *
 * Worked example (W = 10 s, allowed lateness 30 s, times in seconds): readings at 3 and 12
 * leave the watermark at 12 and windows [0,10) and [10,20) pending. A reading at 39 moves
 * it to 39: [0,10) needs 10 + 30 = 40, so nothing closes. A reading at 41 moves it to 41:
 * [0,10) closes; [10,20) needs 50 and [40,50) needs 80, so both stay pending.
 */

/** The persisted progress of one consumer on one partition. */
export interface PartitionProgress {
  /** Latest reading time stored from the partition, epoch ms; null before the first. */
  readonly watermark: number | null;
  /** Touched windows not yet closed. */
  readonly pending: readonly WindowKey[];
}

export const NO_PROGRESS: PartitionProgress = { watermark: null, pending: [] };

export interface WatermarkRules {
  /** Event-time window length, ms. */
  readonly windowMs: number;
  /** How late a reading may arrive and still count for its window, ms. */
  readonly allowedLatenessMs: number;
}

/** The readings' facts the watermark needs. */
export interface TimedReading {
  readonly instrumentId: string;
  readonly observedAt: number;
}

/** What a batch of stored readings does to a partition's progress. */
export interface PartitionStep {
  /** The progress to persist before closing anything: the watermark advanced, every touched window pending. */
  readonly progress: PartitionProgress;
  /** Windows the readings touched that were not pending before: what persisting `progress` adds. */
  readonly added: readonly WindowKey[];
  /** Pending windows complete by the new watermark, oldest first: to close, then to remove. */
  readonly complete: readonly WindowKey[];
  /** The progress once `complete` is closed. */
  readonly afterClose: PartitionProgress;
}

/** Whether the window starting at `windowStart` is complete by `watermark`. */
export function isWindowComplete(windowStart: number, watermark: number | null, rules: WatermarkRules): boolean {
  return watermark !== null && watermark >= windowStart + rules.windowMs + rules.allowedLatenessMs;
}

/** The latest event time up to which windows may be closed: windows ending at or before it are complete. */
export function completeUpTo(watermark: number, rules: WatermarkRules): number {
  return watermark - rules.allowedLatenessMs;
}

/** Advances `progress` by the readings stored from the partition, and says which windows are now complete. */
export function advancePartition(progress: PartitionProgress, stored: readonly TimedReading[], rules: WatermarkRules): PartitionStep {
  let watermark = progress.watermark;
  const pending = new Map<string, WindowKey>();
  for (const key of progress.pending) pending.set(keyOf(key), key);
  const added: WindowKey[] = [];
  for (const reading of stored) {
    if (watermark === null || reading.observedAt > watermark) watermark = reading.observedAt;
    const key = { instrumentId: reading.instrumentId, windowStart: windowStartOf(reading.observedAt, rules.windowMs) };
    const id = keyOf(key);
    if (pending.has(id)) continue;
    pending.set(id, key);
    added.push(key);
  }
  const all = [...pending.values()];
  const complete = all.filter((key) => isWindowComplete(key.windowStart, watermark, rules)).sort(byTime);
  const stillPending = all.filter((key) => !isWindowComplete(key.windowStart, watermark, rules)).sort(byTime);
  return {
    progress: { watermark, pending: all.sort(byTime) },
    added: added.sort(byTime),
    complete,
    afterClose: { watermark, pending: stillPending },
  };
}

/**
 * Pending windows kept at another window length, re-keyed onto `windowMs`: each becomes
 * every current window that overlaps it, so none of its readings is left unclosed.
 */
export function rekeyPending(keys: readonly WindowKey[], fromWindowMs: number, windowMs: number): WindowKey[] {
  if (fromWindowMs === windowMs) return [...keys];
  const out = new Map<string, WindowKey>();
  for (const key of keys) {
    const last = key.windowStart + fromWindowMs - 1;
    for (let start = windowStartOf(key.windowStart, windowMs); start <= last; start += windowMs) {
      const rekeyed = { instrumentId: key.instrumentId, windowStart: start };
      out.set(keyOf(rekeyed), rekeyed);
    }
  }
  return [...out.values()].sort(byTime);
}

function keyOf(key: WindowKey): string {
  return `${key.windowStart}\u0000${key.instrumentId}`;
}

function byTime(a: WindowKey, b: WindowKey): number {
  return a.windowStart - b.windowStart || (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0);
}
