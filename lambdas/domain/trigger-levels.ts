import { INSTRUMENT_TYPE_SPECS, type InstrumentType, type TriggerMode } from './instrument-types.js';

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
 * Default levels per type, used when an instrument's registry entry has none of its own.
 * Groundwater levels are set relative to the ground surface (water rising towards the
 * surface is the hazard); the others are absolute, on the magnitude for two-sided types.
 */
export const DEFAULT_TRIGGER_LEVELS: Readonly<Record<InstrumentType, TriggerLevels | ((surfaceLevel: number) => TriggerLevels)>> = {
  water_standpipe: (surfaceLevel) => ({ alert: surfaceLevel - 3, alarm: surfaceLevel - 2, action: surfaceLevel - 1 }),
  piezometer: { alert: 150, alarm: 175, action: 200 },
  settlement_marker: { alert: 10, alarm: 15, action: 20 },
  extensometer: { alert: 10, alarm: 15, action: 20 },
  strain_gauge: { alert: 1000, alarm: 1500, action: 2000 },
};

/**
 * The default trigger levels of an instrument, or null when they cannot be set
 * (a groundwater standpipe whose surface level is unknown).
 */
export function defaultTriggerLevels(type: InstrumentType, surfaceLevel: number | null): TriggerLevels | null {
  const levels = DEFAULT_TRIGGER_LEVELS[type];
  if (typeof levels !== 'function') return levels;
  if (surfaceLevel === null || !Number.isFinite(surfaceLevel)) return null;
  const relative = levels(surfaceLevel);
  return { alert: round(relative.alert), alarm: round(relative.alarm), action: round(relative.action) };
}

/** Checks that levels are finite and strictly ascending; returns a description of the fault, or null. */
export function triggerLevelsFault(levels: TriggerLevels, mode: TriggerMode): string | null {
  const { alert, alarm, action } = levels;
  if (![alert, alarm, action].every(Number.isFinite)) return 'trigger levels must be finite numbers';
  if (!(alert < alarm && alarm < action)) return `trigger levels must ascend (alert ${alert} < alarm ${alarm} < action ${action})`;
  if (mode === 'magnitude' && alert <= 0) return `magnitude trigger levels must be positive (alert ${alert})`;
  return null;
}

export function triggerModeOf(type: InstrumentType): TriggerMode {
  return INSTRUMENT_TYPE_SPECS[type].triggerMode;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
