import type { TriggerStatus } from './trigger-levels.js';
import { nextStatus, type TriggerPolicy } from './trigger-evaluation.js';

/** A completed window's mean, ready to be judged against the trigger levels. */
export interface CompletedWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly mean: number;
}

/** Where an instrument stands after the windows evaluated so far. */
export interface InstrumentStatus {
  readonly status: TriggerStatus;
  /** Start of the window in which the status began, epoch ms. */
  readonly since: number;
  /** Start of the last window evaluated, epoch ms. */
  readonly lastWindowStart: number;
  readonly lastMean: number;
}

export interface StatusTransition extends CompletedWindow {
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
}

/**
 * Evaluates completed windows of one instrument in event-time order and returns its new
 * status with the transitions to report. Windows at or before the last one evaluated
 * are ignored, so evaluating the same windows again changes nothing.
 */
export function evaluateWindows(
  current: InstrumentStatus | null,
  windows: readonly CompletedWindow[],
  policy: TriggerPolicy,
): { status: InstrumentStatus | null; transitions: StatusTransition[] } {
  const ordered = [...windows].sort((a, b) => a.windowStart - b.windowStart);
  let status = current;
  const transitions: StatusTransition[] = [];
  for (const window of ordered) {
    if (status && window.windowStart <= status.lastWindowStart) continue;
    const previous = status?.status ?? 'normal';
    const next = nextStatus(previous, window.mean, policy);
    if (next !== previous) transitions.push({ ...window, from: previous, to: next });
    status = {
      status: next,
      since: next !== previous || !status ? window.windowStart : status.since,
      lastWindowStart: window.windowStart,
      lastMean: window.mean,
    };
  }
  return { status, transitions };
}
