import { VALUE_SCALE } from './reading.js';

/**
 * The reference an instrument's change is measured from. Every instrument gets an
 * initial baseline, the mean of its first readings (see `TriggerRule.baselineReadings`);
 * an engineer re-baselines it (after damage, replacement or re-zeroing) by adding a
 * baseline with an effective time. Earlier baselines are kept: a window is judged against
 * the baseline with the latest effective time at or before the window's start, so adding
 * a baseline never changes how windows before its effective time were judged.
 */
export interface Baseline {
  /** `initial` for the automatic one, else the registry's identifier. */
  readonly id: string;
  readonly value: number;
  /** Epoch ms from which windows are judged against it. */
  readonly effectiveFrom: number;
}

export const INITIAL_BASELINE_ID = 'initial';

/** The readings gathered towards the initial baseline, until there are enough. */
export interface BaselineProgress {
  readonly count: number;
  readonly sumMicro: number;
}

export type InitialBaseline = Baseline | BaselineProgress;

export function isBaseline(initial: InitialBaseline): initial is Baseline {
  return 'value' in initial;
}

export const NO_BASELINE_YET: BaselineProgress = { count: 0, sumMicro: 0 };

/**
 * Adds one window's readings to the initial baseline until `needed` readings are in; the
 * baseline is then their mean, in force from the end of the window that completed it.
 * Windows are whole, so the mean is of the first windows that together hold at least
 * `needed` readings.
 */
export function gatherInitialBaseline(
  initial: InitialBaseline,
  window: { readonly count: number; readonly sumMicro: number; readonly windowEnd: number },
  needed: number,
): InitialBaseline {
  if (isBaseline(initial)) return initial;
  const count = initial.count + window.count;
  const sumMicro = initial.sumMicro + window.sumMicro;
  if (count < needed) return { count, sumMicro };
  return { id: INITIAL_BASELINE_ID, value: sumMicro / (count * VALUE_SCALE), effectiveFrom: window.windowEnd };
}

/** The baseline in force for a window starting at `windowStart`, or null if none is yet. */
export function baselineInForce(candidates: readonly Baseline[], windowStart: number): Baseline | null {
  let inForce: Baseline | null = null;
  for (const baseline of candidates) {
    if (baseline.effectiveFrom <= windowStart && (inForce === null || baseline.effectiveFrom >= inForce.effectiveFrom)) inForce = baseline;
  }
  return inForce;
}
