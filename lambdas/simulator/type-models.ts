import type { InstrumentType } from '../domain/instrument-types.js';

export interface Interval {
  readonly min: number;
  readonly max: number;
}

/** A periodic component: amplitude in the type's unit, period in hours. */
export interface WaveSpec {
  readonly amplitude: Interval;
  readonly periodHours: Interval;
}

/**
 * How one instrument type behaves while normal. All values are offsets from the
 * type's reference (the ground surface for standpipes, zero otherwise), in its unit.
 * Each instrument draws its own parameters from these intervals. The intervals keep a
 * normal instrument clear of its alert level even when every component peaks together.
 */
export interface TypeModel {
  /** Where the instrument sits on average. */
  readonly baseline: Interval;
  /** Whether the baseline's sign is drawn too (two-sided quantities). */
  readonly eitherSign: boolean;
  /**
   * The slow trend: `seasonal` is a long sine (groundwater, thermal), `consolidation`
   * settles downward over most of its period and rebounds over the rest.
   */
  readonly trend: { readonly shape: 'seasonal' | 'consolidation' } & WaveSpec;
  /** Shorter undulations on top of the trend. */
  readonly waves: readonly WaveSpec[];
  /** Standard deviation of the measurement noise. */
  readonly noiseSd: Interval;
  /** Size of an occasional single-reading spike. */
  readonly spikeMagnitude: Interval;
  /** Decimal places the source API reports. */
  readonly decimals: number;
}

export const TYPE_MODELS: Readonly<Record<InstrumentType, TypeModel>> = {
  water_standpipe: {
    baseline: { min: -8, max: -5 },
    eitherSign: false,
    trend: { shape: 'seasonal', amplitude: { min: 0.2, max: 0.6 }, periodHours: { min: 72, max: 240 } },
    waves: [
      { amplitude: { min: 0.03, max: 0.12 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.05, max: 0.15 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.001, max: 0.003 },
    spikeMagnitude: { min: 0.2, max: 0.6 },
    decimals: 2,
  },
  piezometer: {
    baseline: { min: 55, max: 110 },
    eitherSign: false,
    trend: { shape: 'seasonal', amplitude: { min: 4, max: 12 }, periodHours: { min: 48, max: 168 } },
    waves: [
      { amplitude: { min: 1, max: 3 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 1, max: 3 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.05, max: 0.2 },
    spikeMagnitude: { min: 4, max: 12 },
    decimals: 2,
  },
  settlement_marker: {
    baseline: { min: -3.5, max: -0.5 },
    eitherSign: false,
    trend: { shape: 'consolidation', amplitude: { min: 1.5, max: 3.5 }, periodHours: { min: 240, max: 960 } },
    waves: [
      { amplitude: { min: 0.05, max: 0.2 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.1, max: 0.4 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.01, max: 0.03 },
    spikeMagnitude: { min: 0.8, max: 2 },
    decimals: 2,
  },
  extensometer: {
    baseline: { min: 0.5, max: 3 },
    eitherSign: true,
    trend: { shape: 'seasonal', amplitude: { min: 0.5, max: 2 }, periodHours: { min: 72, max: 240 } },
    waves: [
      { amplitude: { min: 0.05, max: 0.2 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.1, max: 0.5 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.005, max: 0.02 },
    spikeMagnitude: { min: 0.5, max: 2 },
    decimals: 2,
  },
  strain_gauge: {
    baseline: { min: 100, max: 550 },
    eitherSign: true,
    trend: { shape: 'seasonal', amplitude: { min: 30, max: 100 }, periodHours: { min: 72, max: 240 } },
    waves: [
      { amplitude: { min: 20, max: 60 }, periodHours: { min: 24, max: 24 } },
      { amplitude: { min: 5, max: 15 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 10, max: 30 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.3, max: 1 },
    spikeMagnitude: { min: 40, max: 150 },
    decimals: 1,
  },
};

/** Chance that any one reading carries a spike. */
export const SPIKE_RATE = 0.003;

/**
 * Excursions: on each type, a handful of instruments rise into trigger territory once
 * per cycle and come back, their slots spread evenly over the cycle so that every type
 * has an exceedance every few minutes.
 */
export const EXCURSIONS = {
  /** Share of a type's instruments that have excursions (at least `minInstruments`). */
  share: 0.1,
  minInstruments: 6,
  /** Length of the type's cycle, minutes. */
  cycleMinutes: { min: 20, max: 40 },
  /** How long one excursion lasts from leaving normal to returning, minutes. */
  durationMinutes: { min: 6, max: 10 },
  /** How far a slot may stray from its even spacing, as a share of the spacing. */
  slotJitter: 0.2,
  /** Chance that an excursion peaks past alert only, past alarm, or past action. */
  tierOdds: { alert: 0.6, alarm: 0.3, action: 0.1 },
} as const;
