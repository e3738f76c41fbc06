import type { TriggerMode } from './instrument-types.js';
import { statusRank, type TriggerLevels, type TriggerStatus } from './trigger-levels.js';

/**
 * Hysteresis as a fraction of the narrowest gap between consecutive levels. A status
 * rises as soon as the value reaches a level, but falls back only once the value has
 * dropped below that level by this dead band, so a value hovering on a level does
 * not flap between two statuses and flood the alert topic.
 */
export const DEFAULT_HYSTERESIS_FRACTION = 0.2;

export interface TriggerPolicy {
  readonly levels: TriggerLevels;
  readonly mode: TriggerMode;
  /** Dead band as a fraction of the narrowest level gap. Default {@link DEFAULT_HYSTERESIS_FRACTION}. */
  readonly hysteresisFraction?: number;
}

/** The status a value is in, ignoring history: the highest level it reaches. */
export function classify(value: number, levels: TriggerLevels, mode: TriggerMode): TriggerStatus {
  const measure = mode === 'magnitude' ? Math.abs(value) : value;
  if (measure >= levels.action) return 'action';
  if (measure >= levels.alarm) return 'alarm';
  if (measure >= levels.alert) return 'alert';
  return 'normal';
}

/** The width of the dead band, in the type's unit. */
export function deadBand(policy: TriggerPolicy): number {
  const { alert, alarm, action } = policy.levels;
  const fraction = policy.hysteresisFraction ?? DEFAULT_HYSTERESIS_FRACTION;
  return fraction * Math.min(alarm - alert, action - alarm);
}

/**
 * The status after observing `value` when the instrument was in `previous`:
 * escalation is immediate; de-escalation needs the value to clear the lower level's
 * dead band. Never returns a status above what the value itself reaches.
 */
export function nextStatus(previous: TriggerStatus, value: number, policy: TriggerPolicy): TriggerStatus {
  const reached = classify(value, policy.levels, policy.mode);
  if (statusRank(reached) >= statusRank(previous)) return reached;
  const band = deadBand(policy);
  const towardsHazard = policy.mode === 'magnitude' ? Math.sign(value) || 1 : 1;
  const heldBack = classify(value + towardsHazard * band, policy.levels, policy.mode);
  return statusRank(heldBack) < statusRank(previous) ? heldBack : previous;
}
