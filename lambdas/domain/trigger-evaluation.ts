import { statusRank, type TriggerLevels, type TriggerStatus } from './trigger-levels.js';

/**
 * The level comparison and hysteresis of one band, on a departure that grows towards the
 * hazard with ascending levels (see `departure` and `ascendingLevels` in trigger-rules).
 *
 * A status rises as soon as the departure reaches a level, but falls back only once the
 * departure has dropped below that level by the dead band (a fraction of the band's
 * narrowest level gap), so a value hovering on a level does not flap between two statuses.
 */

/** The status a departure is in, ignoring history: the highest level it reaches. */
export function classify(departure: number, levels: TriggerLevels): TriggerStatus {
  if (departure >= levels.action) return 'action';
  if (departure >= levels.alarm) return 'alarm';
  if (departure >= levels.alert) return 'alert';
  return 'normal';
}

/** The width of the dead band, in the band's unit. */
export function deadBand(levels: TriggerLevels, hysteresisFraction: number): number {
  return hysteresisFraction * Math.min(levels.alarm - levels.alert, levels.action - levels.alarm);
}

/**
 * The status after observing `departure` when the band was in `previous`: escalation is
 * immediate; de-escalation needs the departure to clear the lower level's dead band.
 * Never returns a status above what the departure itself reaches.
 */
export function nextStatus(previous: TriggerStatus, departure: number, levels: TriggerLevels, hysteresisFraction: number): TriggerStatus {
  const reached = classify(departure, levels);
  if (statusRank(reached) >= statusRank(previous)) return reached;
  const heldBack = classify(departure + deadBand(levels, hysteresisFraction), levels);
  return statusRank(heldBack) < statusRank(previous) ? heldBack : previous;
}
