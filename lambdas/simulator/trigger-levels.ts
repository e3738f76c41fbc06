import type { InstrumentType } from '../domain/instrument-types.js';

/**
 * The default trigger levels the pipeline applies, which the simulator aims its
 * excursions at. Levels are offsets from a reference: the ground surface level for
 * standpipes (a groundwater level is alarming as it nears the surface), zero for
 * every other type. For `magnitude` types the levels apply to the absolute value.
 */
export interface TriggerLevels {
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
  readonly relativeTo: 'surface' | 'zero';
}

export const DEFAULT_TRIGGER_LEVELS: Readonly<Record<InstrumentType, TriggerLevels>> = {
  water_standpipe: { alert: -3, alarm: -2, action: -1, relativeTo: 'surface' },
  piezometer: { alert: 150, alarm: 175, action: 200, relativeTo: 'zero' },
  settlement_marker: { alert: 10, alarm: 15, action: 20, relativeTo: 'zero' },
  extensometer: { alert: 10, alarm: 15, action: 20, relativeTo: 'zero' },
  strain_gauge: { alert: 1000, alarm: 1500, action: 2000, relativeTo: 'zero' },
};
