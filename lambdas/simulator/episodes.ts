import type { InstrumentType } from '../domain/instrument-types.js';
import type { Instrument } from './fleet.js';
import { CHANGE_LEVELS, NORMAL_CHANGE_BOUND, type LevelTriple } from './levels.js';
import { createRandom, unitHash } from './random.js';
import { EPISODE_TIER_ODDS, EPISODES, type EpisodeKind } from './type-models.js';

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/**
 * One instrument's episodes: one per cycle of `cycleMs`, starting `offsetMs` into it and
 * lasting `durationMs`. `levels` are the change levels the episode's depth (or, for
 * `settlementRate`, its rate in mm/day) is drawn past; `margin` is added on top.
 */
export interface EpisodePlan {
  readonly kind: EpisodeKind;
  /** Keys the per-cycle draws to the seed and instrument. */
  readonly key: string;
  readonly cycleMs: number;
  readonly offsetMs: number;
  readonly durationMs: number;
  /** -1 for a fall (drawdown, settlement), +1 for a rise (heave). */
  readonly direction: -1 | 1;
  readonly levels: LevelTriple;
  readonly margin: number;
}

/** Share of a drawdown or heave spent reaching its depth, and (the same share) coming back. */
const RAMP_SHARE = 0.35;

/**
 * Which instruments of one type have episodes, and their plans (never one of `excluded`, the
 * instruments with rising excursions, so the two never mix). Instruments are ranked by a
 * seeded hash; the first ones get `settlementRate` (markers), the next `heave` (markers) or
 * `drawdown` (standpipes, piezometers). Within a kind the episodes' offsets are spread evenly
 * over a cycle drawn once per kind and type, so some instrument is in an episode at any time.
 */
export function createEpisodePlans(
  seed: string,
  instruments: readonly Instrument[],
  excluded: ReadonlySet<string> = new Set(),
): Map<string, EpisodePlan> {
  const plans = new Map<string, EpisodePlan>();
  const [first] = instruments;
  if (first === undefined) return plans;
  const type = first.type;
  const ranked = instruments
    .filter(({ id }) => !excluded.has(id))
    .sort((a, b) => unitHash(seed, 'episode-rank', a.id) - unitHash(seed, 'episode-rank', b.id));
  let next = 0;
  for (const kind of ['settlementRate', 'heave', 'drawdown'] as const) {
    const spec = EPISODES[kind];
    const timing = (
      spec.timing as Partial<
        Record<InstrumentType, { cycleHours: { min: number; max: number }; durationHours: { min: number; max: number } }>
      >
    )[type];
    if (timing === undefined) continue;
    const count = Math.min(ranked.length - next, Math.max(spec.minInstruments, Math.round(spec.share * ranked.length)));
    const cycleMs = createRandom(seed, 'episode-cycle', kind, type).between(timing.cycleHours.min, timing.cycleHours.max) * MS_PER_HOUR;
    for (let slot = 0; slot < count; slot++) {
      const instrument = ranked[next++]!;
      const random = createRandom(seed, 'episode', kind, instrument.id);
      const durationMs = random.between(timing.durationHours.min, timing.durationHours.max) * MS_PER_HOUR;
      const levels = episodeLevels(kind, type);
      plans.set(instrument.id, {
        kind,
        key: `${seed}\u001f${instrument.id}\u001f${kind}`,
        cycleMs,
        offsetMs: ((slot + random.between(-0.2, 0.2)) * cycleMs) / count,
        durationMs: Math.min(durationMs, cycleMs * 0.9),
        direction: kind === 'heave' ? 1 : -1,
        levels,
        margin: kind === 'settlementRate' ? 0.5 : 0.25 * NORMAL_CHANGE_BOUND[type],
      });
    }
  }
  return plans;
}

function episodeLevels(kind: EpisodeKind, type: InstrumentType): LevelTriple {
  if (kind === 'settlementRate') return CHANGE_LEVELS.settlementRate;
  if (kind === 'heave') return CHANGE_LEVELS.settlement_marker.rise;
  return type === 'piezometer' ? CHANGE_LEVELS.piezometer.fall : CHANGE_LEVELS.water_standpipe.fall;
}

/** Where one cycle's episode stands at `t`. */
interface CycleAt {
  readonly cycle: number;
  /** Time since this cycle's episode started, ms. */
  readonly elapsedMs: number;
}

function cycleAt(plan: EpisodePlan, t: number): CycleAt {
  const cycle = Math.floor((t - plan.offsetMs) / plan.cycleMs);
  return { cycle, elapsedMs: t - (cycle * plan.cycleMs + plan.offsetMs) };
}

/**
 * This cycle's depth (drawdown, heave: the type's unit) or rate (settlementRate: mm/day), as
 * a magnitude: past alert (60 %), alarm (30 %) or action (10 %), then a margin and a random
 * part of half the gap to the next level.
 */
export function episodeMagnitude(plan: EpisodePlan, cycle: number): number {
  const tier = unitHash(plan.key, 'tier', cycle);
  const depth = unitHash(plan.key, 'depth', cycle);
  const { alert, alarm, action } = plan.levels;
  const [level, gap] =
    tier < EPISODE_TIER_ODDS.alert
      ? [alert, alarm - alert]
      : tier < EPISODE_TIER_ODDS.alert + EPISODE_TIER_ODDS.alarm
        ? [alarm, action - alarm]
        : [action, action - alarm];
  return level + plan.margin + depth * 0.5 * gap;
}

/** The episode's offset from the instrument's normal series at `t`, in its unit (signed). */
export function episodeOffset(plan: EpisodePlan | null, t: number): number {
  if (plan === null) return 0;
  const { cycle, elapsedMs } = cycleAt(plan, t);
  const magnitude = episodeMagnitude(plan, cycle);
  if (plan.kind === 'settlementRate') {
    const settled = (magnitude * plan.durationMs) / MS_PER_DAY;
    if (elapsedMs < plan.durationMs) return (plan.direction * magnitude * elapsedMs) / MS_PER_DAY;
    return plan.direction * settled * (1 - (elapsedMs - plan.durationMs) / (plan.cycleMs - plan.durationMs));
  }
  const progress = elapsedMs / plan.durationMs;
  if (progress >= 1) return 0;
  const ramp = (share: number) => (1 - Math.cos(Math.PI * Math.min(1, share / RAMP_SHARE))) / 2;
  const shape = progress < 1 - RAMP_SHARE ? ramp(progress) : ramp(1 - progress);
  return plan.direction * magnitude * shape;
}

/** Whether the episode has the instrument near or past a level at `t`: half way to its depth, or settling. */
export function episodeElevated(plan: EpisodePlan | null, t: number): boolean {
  if (plan === null) return false;
  const { cycle, elapsedMs } = cycleAt(plan, t);
  if (plan.kind === 'settlementRate') return elapsedMs < plan.durationMs;
  return Math.abs(episodeOffset(plan, t)) >= 0.5 * episodeMagnitude(plan, cycle);
}
