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
  /** The logging intervals loggers of this type are set to, seconds; each instrument draws one. */
  readonly loggingIntervalsSeconds: readonly number[];
  /**
   * How often the type's rising excursions come round and how long each lasts, minutes:
   * longer for slowly logged types, so that an excursion spans several readings.
   */
  readonly excursionTiming: { readonly cycleMinutes: Interval; readonly durationMinutes: Interval };
}

export const TYPE_MODELS: Readonly<Record<InstrumentType, TypeModel>> = {
  water_standpipe: {
    baseline: { min: -8, max: -5 },
    eitherSign: false,
    trend: { shape: 'seasonal', amplitude: { min: 0.1, max: 0.25 }, periodHours: { min: 72, max: 240 } },
    waves: [
      { amplitude: { min: 0.02, max: 0.05 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.03, max: 0.07 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.001, max: 0.003 },
    spikeMagnitude: { min: 0.1, max: 0.2 },
    decimals: 2,
    loggingIntervalsSeconds: [300, 600, 900],
    excursionTiming: { cycleMinutes: { min: 240, max: 480 }, durationMinutes: { min: 60, max: 120 } },
  },
  piezometer: {
    baseline: { min: 55, max: 110 },
    eitherSign: false,
    trend: { shape: 'seasonal', amplitude: { min: 2, max: 4 }, periodHours: { min: 48, max: 168 } },
    waves: [
      { amplitude: { min: 0.5, max: 1.5 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.5, max: 1.5 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.05, max: 0.2 },
    spikeMagnitude: { min: 3, max: 5 },
    decimals: 2,
    loggingIntervalsSeconds: [60, 120, 180, 300],
    excursionTiming: { cycleMinutes: { min: 60, max: 120 }, durationMinutes: { min: 20, max: 30 } },
  },
  settlement_marker: {
    baseline: { min: -3.5, max: -0.5 },
    eitherSign: false,
    trend: { shape: 'consolidation', amplitude: { min: 1, max: 2.5 }, periodHours: { min: 240, max: 960 } },
    waves: [
      { amplitude: { min: 0.03, max: 0.1 }, periodHours: { min: 0.5, max: 2 } },
      { amplitude: { min: 0.05, max: 0.2 }, periodHours: { min: 3, max: 12 } },
    ],
    noiseSd: { min: 0.01, max: 0.03 },
    spikeMagnitude: { min: 0.5, max: 1.2 },
    decimals: 2,
    loggingIntervalsSeconds: [300, 600, 900],
    excursionTiming: { cycleMinutes: { min: 240, max: 480 }, durationMinutes: { min: 60, max: 120 } },
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
    loggingIntervalsSeconds: [10, 15, 30, 60, 120],
    excursionTiming: { cycleMinutes: { min: 20, max: 40 }, durationMinutes: { min: 6, max: 10 } },
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
    loggingIntervalsSeconds: [5, 10, 15, 20, 30, 60],
    excursionTiming: { cycleMinutes: { min: 20, max: 40 }, durationMinutes: { min: 6, max: 10 } },
  },
};

/** Chance that any one reading carries a spike. */
export const SPIKE_RATE = 0.003;

/**
 * Chance that any one reading is a gross glitch (a vibrating-wire misread, a dropped
 * digit): one reading far past the type's change levels, which the pipeline must record as
 * an unconfirmed spike and never notify.
 */
export const GLITCH_RATE = 0.0005;

/** Size of a gross glitch, per type: beyond the type's Action change level. */
export const GLITCH_MAGNITUDE: Readonly<Record<InstrumentType, Interval>> = {
  water_standpipe: { min: 2.5, max: 4 },
  piezometer: { min: 80, max: 120 },
  settlement_marker: { min: 22, max: 35 },
  extensometer: { min: 22, max: 35 },
  strain_gauge: { min: 2200, max: 3500 },
};

/**
 * Excursions: on each type, a handful of instruments rise into trigger territory once
 * per cycle (the type's `excursionTiming`) and come back, their slots spread evenly over
 * the cycle so that every type has an exceedance at any time of the day.
 */
export const EXCURSIONS = {
  /** Share of a type's instruments that have excursions (at least `minInstruments`). */
  share: 0.1,
  minInstruments: 6,
  /** How far a slot may stray from its even spacing, as a share of the spacing. */
  slotJitter: 0.2,
  /** Chance that an excursion peaks past alert only, past alarm, or past action. */
  tierOdds: { alert: 0.6, alarm: 0.3, action: 0.1 },
} as const;

/**
 * Share of a consolidation cycle spent settling; the rest is a smooth rebound. A long
 * rebound keeps its rate (at most about 1 mm/day) clear of the settlement-rate levels.
 */
export const CONSOLIDATION_SETTLING_SHARE = 0.6;

/** How loggers read and re-read, and how their communications fail. */
export const LOGGING = {
  /**
   * Close-interval re-reads: at a logging time the logger may take a burst of 2–4
   * readings a few seconds apart. Only loggers logging every `burstMinIntervalSeconds` or
   * slower re-read (a faster one's next reading is already seconds away).
   */
  burstMinIntervalSeconds: 30,
  /** Chance of a burst at a logging time while the instrument is normal. */
  burstChance: 0.25,
  /** Chance of a burst while it is near or beyond a level (half way to its first level or further). */
  burstChanceElevated: 0.75,
  burstSize: { min: 2, max: 4 },
  /** Seconds between the readings of a burst (whole milliseconds, drawn per burst). */
  burstGapSeconds: { min: 2, max: 4 },
  /** Instruments per logger, drawn in fleet order within a type. */
  instrumentsPerLogger: { min: 1, max: 4 },
  /** Share of loggers (at least one per type) whose communications fail now and then. */
  outageShare: 0.12,
  /** One outage per cycle at a fixed offset, hours. */
  outageCycleHours: { min: 4, max: 12 },
  /** How long an outage lasts, minutes, drawn per cycle on a logarithmic scale. */
  outageMinutes: { min: 5, max: 180 },
  /** How far back the loggers' memory reaches: what history mode can still serve, hours. */
  memoryHours: 26,
} as const;

/** When one kind of episode happens on one type: once per cycle, each instrument drawing its own cycle and offset. */
export interface EpisodeTiming {
  readonly cycleHours: Interval;
  readonly durationHours: Interval;
}

/** Which instruments an episode kind happens on, and how often. */
export interface EpisodeSpec {
  /** The types it happens on, with their timing. */
  readonly timing: Readonly<Partial<Record<InstrumentType, EpisodeTiming>>>;
  /** Share of the type's instruments that have this kind of episode (at least `minInstruments`). */
  readonly share: number;
  readonly minInstruments: number;
}

/**
 * Episodes, relative to the instrument's own level at the episode's start, so that a
 * trigger model judging the change from a baseline sees them:
 *
 * - `drawdown`: standpipes and piezometers fall a few metres / tens of kPa and recover;
 * - `heave`: settlement markers rise 5–12 mm and settle back;
 * - `settlementRate`: settlement markers settle at several mm/day for a day or more, then
 *   recover slowly (compensation grouting) over the rest of a long cycle, below 1.5 mm/day.
 *
 * Each episode's depth (or rate) is drawn per cycle past the alert (60 %), alarm (30 %) or
 * action (10 %) level of `CHANGE_LEVELS`, with a margin of the type's normal change bound.
 */
export const EPISODES = {
  drawdown: {
    timing: {
      water_standpipe: { cycleHours: { min: 6, max: 10 }, durationHours: { min: 2, max: 4 } },
      piezometer: { cycleHours: { min: 2, max: 4 }, durationHours: { min: 0.7, max: 1.3 } },
    },
    share: 0.1,
    minInstruments: 3,
  },
  heave: {
    timing: { settlement_marker: { cycleHours: { min: 10, max: 16 }, durationHours: { min: 3, max: 6 } } },
    share: 0.08,
    minInstruments: 3,
  },
  settlementRate: {
    timing: { settlement_marker: { cycleHours: { min: 16 * 24, max: 20 * 24 }, durationHours: { min: 24, max: 36 } } },
    share: 0.25,
    minInstruments: 4,
  },
} as const satisfies Record<string, EpisodeSpec>;

export type EpisodeKind = keyof typeof EPISODES;

/** Chance that an episode goes past alert only, past alarm, or past action. */
export const EPISODE_TIER_ODDS = { alert: 0.6, alarm: 0.3, action: 0.1 } as const;
