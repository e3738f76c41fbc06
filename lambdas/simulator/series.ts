import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../domain/instrument-types.js';
import { createEpisodePlans, episodeElevated, episodeOffset, type EpisodePlan } from './episodes.js';
import type { Instrument } from './fleet.js';
import { EXCURSION_AWAY_FROM_ZERO, EXCURSION_LEVELS } from './levels.js';
import { createRandom, normalHash, unitHash, type Random } from './random.js';
import {
  CONSOLIDATION_SETTLING_SHARE,
  EXCURSIONS,
  GLITCH_MAGNITUDE,
  GLITCH_RATE,
  SPIKE_RATE,
  TYPE_MODELS,
  type Interval,
  type WaveSpec,
} from './type-models.js';

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;

interface Wave {
  readonly amplitude: number;
  readonly periodMs: number;
  readonly phase: number;
}

/**
 * When and how far an instrument's excursions go. The levels are {@link EXCURSION_LEVELS}
 * as offsets from the reference, signed in the excursion's direction.
 */
interface ExcursionPlan {
  readonly cycleMs: number;
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
}

/**
 * Everything that determines one instrument's series. A reading at time t is
 * {@link seriesValue}(profile, t): a pure function of the profile (itself a pure
 * function of the seed and the instrument) and t.
 */
export interface SeriesProfile {
  /** Keys every per-time draw (noise, spikes, excursion tiers) to this seed and instrument. */
  readonly key: string;
  /** The surface level for standpipes, zero otherwise; every other figure is an offset from it. */
  readonly reference: number;
  readonly baseline: number;
  readonly trendShape: 'seasonal' | 'consolidation';
  readonly trend: Wave;
  readonly waves: readonly Wave[];
  readonly noiseSd: number;
  readonly spikeMagnitude: number;
  readonly excursion: ExcursionPlan | null;
  /** A drawdown, heave or settlement-rate episode, relative to the instrument's own level. */
  readonly episode: EpisodePlan | null;
  readonly decimals: number;
  readonly type: InstrumentType;
}

/**
 * Draws the series profiles of one type's instruments. Which instruments have
 * excursions, and their slot in the type's cycle, depends on the whole group, so
 * profiles are made per type.
 */
export function createSeriesProfiles(seed: string, instruments: readonly Instrument[]): Map<string, SeriesProfile> {
  const profiles = new Map<string, SeriesProfile>();
  const [first] = instruments;
  if (first === undefined) return profiles;
  const type = first.type;
  const timing = TYPE_MODELS[type].excursionTiming;
  const cycleMs = createRandom(seed, 'excursion-cycle', type).between(
    timing.cycleMinutes.min * MS_PER_MINUTE,
    timing.cycleMinutes.max * MS_PER_MINUTE,
  );
  const excursionCount = Math.min(
    instruments.length,
    Math.max(EXCURSIONS.minInstruments, Math.round(EXCURSIONS.share * instruments.length)),
  );
  const slotOf = new Map(
    [...instruments]
      .sort((a, b) => unitHash(seed, 'excursion-rank', a.id) - unitHash(seed, 'excursion-rank', b.id))
      .slice(0, excursionCount)
      .map((instrument, slot) => [instrument.id, slot]),
  );
  const episodes = createEpisodePlans(seed, instruments, new Set(slotOf.keys()));
  for (const instrument of instruments) {
    const slot = slotOf.get(instrument.id);
    const slotting = slot === undefined ? null : { slot, slots: excursionCount, cycleMs };
    profiles.set(instrument.id, createSeriesProfile(seed, instrument, slotting, episodes.get(instrument.id) ?? null));
  }
  return profiles;
}

function createSeriesProfile(
  seed: string,
  instrument: Instrument,
  slotting: { slot: number; slots: number; cycleMs: number } | null,
  episode: EpisodePlan | null,
): SeriesProfile {
  const model = TYPE_MODELS[instrument.type];
  const random = createRandom(seed, 'series', instrument.id);
  const sign = model.eitherSign && random.next() < 0.5 ? -1 : 1;
  const baseline = sign * draw(random, model.baseline);
  const reference = instrument.type === 'water_standpipe' ? instrument.surfaceLevel : 0;
  const aim = EXCURSION_LEVELS[instrument.type];
  const levels =
    instrument.type === 'water_standpipe'
      ? { alert: reference + aim.alert, alarm: reference + aim.alarm, action: reference + aim.action }
      : aim;
  const direction = EXCURSION_AWAY_FROM_ZERO[instrument.type] ? Math.sign(baseline) : 1;
  const trend = drawWave(random, model.trend);
  const waves = model.waves.map((spec) => drawWave(random, spec));
  const noiseSd = draw(random, model.noiseSd);
  const spikeMagnitude = draw(random, model.spikeMagnitude);
  const excursion =
    slotting === null
      ? null
      : {
          cycleMs: slotting.cycleMs,
          offsetMs: ((slotting.slot + random.between(-EXCURSIONS.slotJitter, EXCURSIONS.slotJitter)) * slotting.cycleMs) / slotting.slots,
          durationMs: random.between(
            model.excursionTiming.durationMinutes.min * MS_PER_MINUTE,
            model.excursionTiming.durationMinutes.max * MS_PER_MINUTE,
          ),
          alert: direction * (levels.alert - reference),
          alarm: direction * (levels.alarm - reference),
          action: direction * (levels.action - reference),
        };
  return {
    key: `${seed}\u001f${instrument.id}`,
    reference,
    baseline,
    trendShape: model.trend.shape,
    trend,
    waves,
    noiseSd,
    spikeMagnitude,
    excursion,
    episode,
    decimals: model.decimals,
    type: instrument.type,
  };
}

function draw(random: Random, interval: Interval): number {
  return random.between(interval.min, interval.max);
}

function drawWave(random: Random, spec: WaveSpec): Wave {
  return {
    amplitude: draw(random, spec.amplitude),
    periodMs: draw(random, spec.periodHours) * MS_PER_HOUR,
    phase: random.between(0, 2 * Math.PI),
  };
}

/** The instrument's reading at epoch-millisecond `t`, rounded as the source API reports it. */
export function seriesValue(profile: SeriesProfile, t: number): number {
  const offset =
    slowComponent(profile, t) + excursionComponent(profile, t) + episodeOffset(profile.episode, t) + noiseComponent(profile, t);
  return reported(profile, offset);
}

/**
 * What the logger records at `t`: the instrument's reading, or now and then a gross glitch
 * (one misread far past the type's change levels) that the pipeline must record as an
 * unconfirmed spike and never notify. The series itself ({@link seriesValue}) never has one.
 */
export function loggedValue(profile: SeriesProfile, t: number): number {
  if (unitHash(profile.key, 'glitch', t) >= GLITCH_RATE) return seriesValue(profile, t);
  const { min, max } = GLITCH_MAGNITUDE[profile.type];
  const sign = unitHash(profile.key, 'glitch-sign', t) < 0.5 ? -1 : 1;
  const glitch = sign * (min + unitHash(profile.key, 'glitch-size', t) * (max - min));
  return reported(profile, seriesValue(profile, t) - profile.reference + glitch);
}

function reported(profile: SeriesProfile, offset: number): number {
  const { min, max } = INSTRUMENT_TYPE_SPECS[profile.type].physicalRange;
  const value = Math.min(max, Math.max(min, profile.reference + offset));
  const scale = 10 ** profile.decimals;
  return Math.round(value * scale) / scale;
}

/**
 * Whether the instrument is near or beyond a level at `t`: in the middle half of an
 * excursion, or half way into an episode (or settling fast). Loggers re-read more then.
 */
export function nearLevel(profile: SeriesProfile, t: number): boolean {
  if (episodeElevated(profile.episode, t)) return true;
  const plan = profile.excursion;
  if (plan === null) return false;
  const cycle = Math.floor((t - plan.offsetMs) / plan.cycleMs);
  const progress = (t - (cycle * plan.cycleMs + plan.offsetMs)) / plan.durationMs;
  return progress > 0.25 && progress < 0.75;
}

/** Baseline, trend and undulations: the smooth part of the series. */
function slowComponent(profile: SeriesProfile, t: number): number {
  const trend = profile.trendShape === 'seasonal' ? sine(profile.trend, t) : -profile.trend.amplitude * consolidation(profile.trend, t);
  return profile.waves.reduce((sum, wave) => sum + sine(wave, t), profile.baseline + trend);
}

function sine(wave: Wave, t: number): number {
  return wave.amplitude * Math.sin((2 * Math.PI * t) / wave.periodMs + wave.phase);
}

/** Settled fraction 0..1 over a cycle: settles quickly then slowly over 60% of it, rebounds smoothly over the rest. */
function consolidation(wave: Wave, t: number): number {
  const settlingShare = CONSOLIDATION_SETTLING_SHARE;
  const cycles = t / wave.periodMs + wave.phase / (2 * Math.PI);
  const phase = cycles - Math.floor(cycles);
  if (phase < settlingShare) return 1 - (1 - phase / settlingShare) ** 2;
  return (1 + Math.cos((Math.PI * (phase - settlingShare)) / (1 - settlingShare))) / 2;
}

/**
 * A smooth bump (raised cosine) that carries the series from wherever its slow part
 * is to a peak inside the trigger band drawn for this cycle, and back.
 */
function excursionComponent(profile: SeriesProfile, t: number): number {
  const plan = profile.excursion;
  if (plan === null) return 0;
  const cycle = Math.floor((t - plan.offsetMs) / plan.cycleMs);
  const start = cycle * plan.cycleMs + plan.offsetMs;
  const progress = (t - start) / plan.durationMs;
  if (progress >= 1) return 0;
  const peak = peakTarget(profile.key, plan, cycle);
  const lift = peak - slowComponent(profile, start + plan.durationMs / 2);
  return (lift * (1 - Math.cos(2 * Math.PI * progress))) / 2;
}

/** Where this cycle's excursion peaks: past alert, past alarm or past action, drawn per cycle. */
function peakTarget(key: string, plan: ExcursionPlan, cycle: number): number {
  const tier = unitHash(key, 'excursion-tier', cycle);
  const depth = unitHash(key, 'excursion-depth', cycle);
  const { alert, alarm } = EXCURSIONS.tierOdds;
  if (tier < alert) return plan.alert + (0.2 + 0.6 * depth) * (plan.alarm - plan.alert);
  if (tier < alert + alarm) return plan.alarm + (0.2 + 0.6 * depth) * (plan.action - plan.alarm);
  return plan.action + (0.1 + 0.4 * depth) * (plan.action - plan.alarm);
}

/** Measurement noise (clipped at three standard deviations) and the occasional spike. */
function noiseComponent(profile: SeriesProfile, t: number): number {
  const noise = profile.noiseSd * Math.max(-3, Math.min(3, normalHash(profile.key, 'noise', t)));
  if (unitHash(profile.key, 'spike', t) >= SPIKE_RATE) return noise;
  const sign = unitHash(profile.key, 'spike-sign', t) < 0.5 ? -1 : 1;
  return noise + sign * profile.spikeMagnitude;
}
