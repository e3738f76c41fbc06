import type { InstrumentType } from './instrument-types.js';

/** The three ascending trigger levels of an instrument, in the type's unit. */
export interface TriggerLevels {
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
}

export const TRIGGER_STATUSES = ['normal', 'alert', 'alarm', 'action'] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** Severity rank: normal 0, alert 1, alarm 2, action 3. */
export function statusRank(status: TriggerStatus): number {
  return TRIGGER_STATUSES.indexOf(status);
}

/**
 * The single-band levels of the model before trigger rules (absolute values; standpipes
 * relative to the ground surface), still read by the simulator's series and the batch
 * registry's level columns. Instruments are judged by `defaultTriggerRule` in
 * trigger-rules.ts, not by these.
 */
const SINGLE_BAND_LEVELS: Readonly<Record<InstrumentType, TriggerLevels | ((surfaceLevel: number) => TriggerLevels)>> = {
  water_standpipe: (surfaceLevel) => ({ alert: surfaceLevel - 3, alarm: surfaceLevel - 2, action: surfaceLevel - 1 }),
  piezometer: { alert: 150, alarm: 175, action: 200 },
  settlement_marker: { alert: 10, alarm: 15, action: 20 },
  extensometer: { alert: 10, alarm: 15, action: 20 },
  strain_gauge: { alert: 1000, alarm: 1500, action: 2000 },
};

/**
 * The single-band levels of an instrument, or null when they cannot be set (a
 * groundwater standpipe whose surface level is unknown).
 */
export function defaultTriggerLevels(type: InstrumentType, surfaceLevel: number | null): TriggerLevels | null {
  const levels = SINGLE_BAND_LEVELS[type];
  if (typeof levels !== 'function') return levels;
  if (surfaceLevel === null || !Number.isFinite(surfaceLevel)) return null;
  const relative = levels(surfaceLevel);
  return { alert: round(relative.alert), alarm: round(relative.alarm), action: round(relative.action) };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
