import type { InstrumentType } from '../domain/instrument-types.js';

/** Three ascending levels, in the type's unit. */
export interface LevelTriple {
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
}

/**
 * The levels the simulator aims at: the one place in the simulator that holds them. The
 * simulator does not import the pipeline's trigger code; these are the levels the pipeline
 * applies by default, written down here so the simulated site exercises them.
 *
 * `excursion`: today's short rising excursions aim at these absolute levels (groundwater
 * relative to the ground surface, the two-sided types on their magnitude).
 */
export const EXCURSION_LEVELS: Readonly<Record<InstrumentType, LevelTriple>> = {
  water_standpipe: { alert: -3, alarm: -2, action: -1 },
  piezometer: { alert: 150, alarm: 175, action: 200 },
  settlement_marker: { alert: 10, alarm: 15, action: 20 },
  extensometer: { alert: 10, alarm: 15, action: 20 },
  strain_gauge: { alert: 1000, alarm: 1500, action: 2000 },
};

/**
 * Which way an excursion goes: up for the quantities that are dangerous as they rise
 * (groundwater level, pore pressure), away from zero for the two-sided ones
 * (displacement, strain), on the side of the instrument's own offset.
 */
export const EXCURSION_AWAY_FROM_ZERO: Readonly<Record<InstrumentType, boolean>> = {
  water_standpipe: false,
  piezometer: false,
  settlement_marker: true,
  extensometer: true,
  strain_gauge: true,
};

/**
 * Levels on the CHANGE from an instrument's baseline (the mean of its first readings), as
 * magnitudes: a fall of `fall.alert` below the baseline reaches alert, and so on. Normal
 * behaviour stays clear of the lowest of them; the episodes go past them.
 */
export const CHANGE_LEVELS = {
  /** Settlement marker (negative = settlement): fall 10/15/20 mm, heave 5/8/10 mm. */
  settlement_marker: { fall: { alert: 10, alarm: 15, action: 20 }, rise: { alert: 5, alarm: 8, action: 10 } },
  /** Settlement rate over a trailing 24 h, mm/day (judged once 12 h of history exist). */
  settlementRate: { alert: 2, alarm: 5, action: 10 },
  extensometer: { either: { alert: 10, alarm: 15, action: 20 } },
  strain_gauge: { either: { alert: 1000, alarm: 1500, action: 2000 } },
  piezometer: { rise: { alert: 30, alarm: 50, action: 70 }, fall: { alert: 20, alarm: 30, action: 40 } },
  /** Standpipes rise against the absolute levels of {@link EXCURSION_LEVELS}; falls are on the change. */
  water_standpipe: { fall: { alert: 1, alarm: 1.5, action: 2 } },
} as const;

/**
 * The largest change from its own baseline a normal instrument can show, in its unit, over
 * the simulator's 26 h memory: twice the sum of its wave amplitudes plus a spike and the
 * noise, from the intervals of `type-models.ts` (checked by a test). Every value is below the
 * smallest change level of the type.
 */
export const NORMAL_CHANGE_BOUND: Readonly<Record<InstrumentType, number>> = {
  water_standpipe: 0.96,
  piezometer: 19.7,
  settlement_marker: 4.5,
  extensometer: 7.5,
  strain_gauge: 564,
};
