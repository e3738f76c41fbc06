import { nextStatus } from '../domain/trigger-evaluation.js';
import { triggerModeOf } from '../domain/trigger-levels.js';
import type { StatusBasis, StatusDocument, WindowDocument } from './documents.js';

/**
 * The latest status of an instrument, advanced window by window with the domain's
 * hysteresis. Status only moves forward in window time: a window older than the one the
 * status was last advanced to is ignored; the same window (recomputed because more of
 * its readings arrived) is re-applied from the status it was first applied to.
 */

/** What the status index holds for an instrument, as far as advancing it goes. */
export interface HeldStatus {
  readonly windowStart: number;
  readonly current: StatusBasis;
  readonly basis: StatusBasis;
}

export interface AdvancedStatus {
  /** The latest window applied. */
  readonly window: WindowDocument;
  readonly current: StatusBasis;
  /** The status before {@link window} was applied. */
  readonly basis: StatusBasis;
}

/** The status of an instrument never evaluated before. */
export const INITIAL_STATUS: StatusBasis = { status: 'normal', status_since: null, previous_status: null };

export function heldStatusOf(document: StatusDocument): HeldStatus {
  return {
    windowStart: document.window_start,
    current: { status: document.status, status_since: document.status_since, previous_status: document.previous_status },
    basis: document.basis,
  };
}

/** Applies one window's mean to a status. */
export function applyWindow(state: StatusBasis, window: WindowDocument): StatusBasis {
  const { trigger_alert: alert, trigger_alarm: alarm, trigger_action: action } = window;
  const next =
    alert === null || alarm === null || action === null
      ? 'unknown'
      : nextStatus(state.status === 'unknown' ? 'normal' : state.status, window.mean, {
          levels: { alert, alarm, action },
          mode: triggerModeOf(window.instrument_type),
        });
  if (next !== state.status) return { status: next, status_since: window.window_start, previous_status: state.status };
  return state.status_since === null ? { ...state, status_since: window.window_start } : state;
}

/**
 * Advances a held status through the windows of one instrument (any order), or returns
 * null when none of them is at or after the window the status was last advanced to.
 */
export function advanceStatus(held: HeldStatus | null, windows: readonly WindowDocument[]): AdvancedStatus | null {
  const relevant = windows
    .filter((window) => held === null || window.window_start >= held.windowStart)
    .sort((a, b) => a.window_start - b.window_start);
  const first = relevant[0];
  if (!first) return null;
  let state = held === null ? INITIAL_STATUS : first.window_start === held.windowStart ? held.basis : held.current;
  let basis = state;
  let window = first;
  for (const next of relevant) {
    basis = state;
    state = applyWindow(state, next);
    window = next;
  }
  return { window, current: state, basis };
}
