/**
 * When an instrument has gone silent: no reading for 10 minutes or 5 of its logging
 * intervals, whichever is longer. A strain gauge logged every 5 s is silent after 10
 * minutes without a reading; a standpipe dipped by its logger every 15 minutes, after 75.
 * Measured in event time, from the latest reading's timestamp, so a logger whose held
 * readings arrive late after an outage is silent for the outage.
 */

/** The least time without a reading that makes an instrument silent. */
export const SILENCE_FLOOR_MS = 10 * 60_000;

/** Logging intervals without a reading that make an instrument silent, when longer than the floor. */
export const SILENT_AFTER_INTERVALS = 5;

/** How long an instrument logged every `loggingIntervalMs` (null: not known) may go without a reading. */
export function silenceThresholdMs(loggingIntervalMs: number | null): number {
  const interval = loggingIntervalMs !== null && Number.isFinite(loggingIntervalMs) && loggingIntervalMs > 0 ? loggingIntervalMs : 0;
  return Math.max(SILENCE_FLOOR_MS, SILENT_AFTER_INTERVALS * interval);
}

/** Whether an instrument whose latest reading was at `lastObservedAt` (null: none) is silent at `now`. */
export function isSilent(lastObservedAt: number | null, loggingIntervalMs: number | null, now: number): boolean {
  if (lastObservedAt === null) return true;
  return now - lastObservedAt > silenceThresholdMs(loggingIntervalMs);
}
