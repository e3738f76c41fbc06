import type { Instrument } from './fleet.js';
import { createRandom, unitHash } from './random.js';
import { nearLevel, type SeriesProfile } from './series.js';
import { LOGGING, TYPE_MODELS } from './type-models.js';

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

/** A logger's recurring communications outage: one per cycle, starting `offsetMs` into it. */
export interface OutagePlan {
  readonly key: string;
  readonly cycleMs: number;
  readonly offsetMs: number;
}

/** How one instrument is logged: its interval and clock offset, its logger, and that logger's outages. */
export interface LoggingPlan {
  readonly instrumentId: string;
  /** Keys the per-logging-time draws (bursts) to the seed and instrument. */
  readonly key: string;
  readonly intervalMs: number;
  /** Logging times are `phaseMs + k × intervalMs`. */
  readonly phaseMs: number;
  /** Whether this logger re-reads in bursts (only loggers at 30 s or slower do). */
  readonly bursts: boolean;
  /** The logger the instrument is wired to, e.g. `LG-water_standpipe-03`. */
  readonly loggerId: string;
  readonly outage: OutagePlan | null;
}

/** An interval [start, end) of epoch milliseconds. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The logging plans of one type's instruments. Instruments are wired, in fleet order, to
 * loggers of 1–4 instruments; a share of the loggers (at least one) have outages.
 */
export function createLoggingPlans(seed: string, instruments: readonly Instrument[]): Map<string, LoggingPlan> {
  const plans = new Map<string, LoggingPlan>();
  const [first] = instruments;
  if (first === undefined) return plans;
  const type = first.type;
  const grouping = createRandom(seed, 'loggers', type);
  const groups: Instrument[][] = [];
  for (let index = 0; index < instruments.length;) {
    const size = grouping.integer(LOGGING.instrumentsPerLogger.min, LOGGING.instrumentsPerLogger.max);
    groups.push(instruments.slice(index, index + size));
    index += size;
  }
  const outageCount = Math.max(1, Math.round(LOGGING.outageShare * groups.length));
  const withOutages = new Set(
    groups
      .map((_, index) => index)
      .sort((a, b) => unitHash(seed, 'outage-rank', type, a) - unitHash(seed, 'outage-rank', type, b))
      .slice(0, outageCount),
  );
  const intervals = TYPE_MODELS[type].loggingIntervalsSeconds;
  groups.forEach((group, index) => {
    const loggerId = `LG-${type}-${String(index + 1).padStart(2, '0')}`;
    let outage: OutagePlan | null = null;
    if (withOutages.has(index)) {
      const random = createRandom(seed, 'outage', loggerId);
      const cycleMs = Math.round(random.between(LOGGING.outageCycleHours.min, LOGGING.outageCycleHours.max) * MS_PER_HOUR);
      outage = { key: `${seed}\u001f${loggerId}`, cycleMs, offsetMs: Math.floor(random.between(0, cycleMs)) };
    }
    for (const instrument of group) {
      const random = createRandom(seed, 'logging', instrument.id);
      const intervalMs = intervals[Math.floor(random.next() * intervals.length)]! * MS_PER_SECOND;
      plans.set(instrument.id, {
        instrumentId: instrument.id,
        key: `${seed}\u001f${instrument.id}\u001flogging`,
        intervalMs,
        phaseMs: Math.floor(random.next() * intervalMs),
        bursts: intervalMs >= LOGGING.burstMinIntervalSeconds * MS_PER_SECOND,
        loggerId,
        outage,
      });
    }
  });
  return plans;
}

/** Longest outage, ms. */
const MAX_OUTAGE_MS = LOGGING.outageMinutes.max * MS_PER_MINUTE;

/** The outage of `cycle`: its length is drawn per cycle, log-uniformly from 5 minutes to 3 hours. */
export function outageOfCycle(plan: OutagePlan, cycle: number): Span {
  const start = Math.round(cycle * plan.cycleMs + plan.offsetMs);
  const { min, max } = LOGGING.outageMinutes;
  const minutes = min * (max / min) ** unitHash(plan.key, 'length', cycle);
  return { start, end: start + Math.round(Math.min(minutes * MS_PER_MINUTE, MAX_OUTAGE_MS)) };
}

/** The outage that holds `t` back, or that ends exactly at `t`; null when there is none. */
export function outageAround(plan: LoggingPlan, t: number): Span | null {
  if (plan.outage === null) return null;
  const outage = outageOfCycle(plan.outage, Math.floor((t - plan.outage.offsetMs) / plan.outage.cycleMs));
  return t >= outage.start && t <= outage.end ? outage : null;
}

/**
 * When a reading logged at `t` reaches the API: at once, or, when it was logged during an
 * outage, when the outage ends (the logger then sends what it held).
 */
export function availableAt(plan: LoggingPlan, t: number): number {
  const outage = outageAround(plan, t);
  return outage !== null && t < outage.end ? outage.end : t;
}

/** The readings of one logging time: 1, or 2–4 a few seconds apart (a burst). */
export function burstTimes(plan: LoggingPlan, profile: SeriesProfile, tick: number): number[] {
  const time = plan.phaseMs + tick * plan.intervalMs;
  if (!plan.bursts) return [time];
  const chance = nearLevel(profile, time) ? LOGGING.burstChanceElevated : LOGGING.burstChance;
  if (unitHash(plan.key, 'burst', tick) >= chance) return [time];
  const { min, max } = LOGGING.burstSize;
  const size = min + Math.floor(unitHash(plan.key, 'burst-size', tick) * (max - min + 1));
  const gap = Math.round(
    (LOGGING.burstGapSeconds.min + unitHash(plan.key, 'burst-gap', tick) * (LOGGING.burstGapSeconds.max - LOGGING.burstGapSeconds.min)) *
      MS_PER_SECOND,
  );
  return Array.from({ length: size }, (_, index) => time + index * gap);
}

/** Every logging time from `from` on (inclusive), in order, without end. */
export function* loggedTimes(plan: LoggingPlan, profile: SeriesProfile, from: number): Generator<number> {
  // A burst never lasts as long as its interval, so the tick before `from` is the earliest that can reach it.
  for (let tick = Math.floor((from - plan.phaseMs) / plan.intervalMs); ; tick++) {
    for (const time of burstTimes(plan, profile, tick)) if (time >= from) yield time;
  }
}

/** The last logging time at or before `at`, or undefined before the logger's first. */
function lastLoggedAtOrBefore(plan: LoggingPlan, profile: SeriesProfile, at: number): number {
  const tick = Math.floor((at - plan.phaseMs) / plan.intervalMs);
  const times = burstTimes(plan, profile, tick).filter((time) => time <= at);
  return times[times.length - 1]!;
}

/**
 * The instrument's latest reading the API has at `at`: its last logging time, or, while an
 * outage holds its readings back, the last one before the outage began.
 */
export function latestAvailableTime(plan: LoggingPlan, profile: SeriesProfile, at: number): number {
  const latest = lastLoggedAtOrBefore(plan, profile, at);
  const outage = outageAround(plan, latest);
  if (outage === null || latest >= outage.end || outage.end <= at) return latest;
  return lastLoggedAtOrBefore(plan, profile, outage.start - 1);
}
