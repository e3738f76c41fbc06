import { baselineInForce, gatherInitialBaseline, isBaseline, NO_BASELINE_YET, type Baseline, type InitialBaseline } from './baselines.js';
import { advanceRate, type RateSample } from './rate-of-change.js';
import { classify, nextStatus } from './trigger-evaluation.js';
import { statusRank, TRIGGER_STATUSES, type TriggerStatus } from './trigger-levels.js';
import { ascendingLevels, departure, type Direction, type TriggerRule } from './trigger-rules.js';

/**
 * The one status machine of the pipeline: an instrument's completed windows, folded in
 * event-time order, give its status after each window. Both stores (Aurora and the
 * real-time view) run it; the result depends only on the windows, the rule and the
 * baselines, never on how or when the windows arrived.
 *
 * Each window:
 * 1. the baseline in force is the latest at or before the window's start (the initial
 *    one is the mean of the first readings, gathered here);
 * 2. every band gives a raw status from its quantity, with hysteresis;
 * 3. the window's raw status is the highest of its bands;
 * 4. a fall of the raw status below the confirmed one takes effect at once; a rise to a
 *    level is confirmed once the raw status has been at or above that level for the
 *    level's number of consecutive windows, or at once when the window's re-reads confirm
 *    it (two or more readings, every one of them at the level);
 * 5. a raw rise that falls back before it is confirmed is an unconfirmed spike: recorded,
 *    never notified.
 */

/** A completed window of one instrument, as the machine needs it. */
export interface WindowFacts {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
  /** Exact sum of the readings, micro-units. */
  readonly sumMicro: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Which band set a status: a level band or a rate band, and its direction. */
export type BandKey = `${'level' | 'rate'}:${Direction}`;

export interface PendingRise {
  /** Start of the first window of the unconfirmed rise. */
  readonly since: number;
  readonly peak: TriggerStatus;
  readonly cause: BandKey;
}

/** Everything carried from one window to the next. Serialisable as JSON. */
export interface StatusMachineState {
  /** Start of the last window judged. */
  readonly windowStart: number;
  /** The confirmed status, the one notified. */
  readonly status: TriggerStatus;
  /** Start of the window in which the confirmed status began. */
  readonly statusSince: number;
  /** Raw (hysteresis) status of each band. */
  readonly bands: Readonly<Partial<Record<BandKey, TriggerStatus>>>;
  /** Consecutive windows with a raw status at or above alert, alarm and action. */
  readonly runs: readonly [number, number, number];
  readonly pending: PendingRise | null;
  readonly initialBaseline: InitialBaseline;
  readonly rateSamples: Readonly<Partial<Record<BandKey, readonly RateSample[]>>>;
}

/** How one window was judged. */
export interface WindowJudgement {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly mean: number;
  /** The baseline the window was judged against, or null before there is one. */
  readonly baseline: Baseline | null;
  /** Mean minus baseline, or null before there is a baseline. */
  readonly change: number | null;
  /** Rate of change of the first rate band, unit per day, or null if not judged. */
  readonly rate: number | null;
  /** The status the levels give this window (with hysteresis), before confirmation. */
  readonly rawStatus: TriggerStatus;
  /** The confirmed status after this window. */
  readonly status: TriggerStatus;
  /** The band behind the raw status, when above normal. */
  readonly cause: BandKey | null;
}

export type ConfirmedBy = 'windows' | 're-read' | 'fall';

/** A change of the confirmed status: what is notified. */
export interface StatusChange {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  readonly mean: number;
  readonly change: number | null;
  readonly rate: number | null;
  readonly baseline: Baseline | null;
  readonly cause: BandKey | null;
  readonly confirmedBy: ConfirmedBy;
}

/** A rise of the raw status that fell back before it was confirmed. */
export interface UnconfirmedSpike {
  readonly since: number;
  /** Start of the window in which it fell back. */
  readonly until: number;
  readonly peak: TriggerStatus;
  readonly cause: BandKey;
}

export interface WindowStep {
  readonly state: StatusMachineState;
  readonly judgement: WindowJudgement;
  readonly change: StatusChange | null;
  readonly spike: UnconfirmedSpike | null;
}

const LEVELS = TRIGGER_STATUSES.slice(1) as ReadonlyArray<Exclude<TriggerStatus, 'normal'>>;

/** Judges one window; `state` is the state after the previous window, or null for the first. */
export function judgeWindow(
  state: StatusMachineState | null,
  window: WindowFacts,
  rule: TriggerRule,
  baselines: readonly Baseline[],
): WindowStep {
  const previousInitial = state?.initialBaseline ?? NO_BASELINE_YET;
  const candidates = isBaseline(previousInitial) ? [previousInitial, ...baselines] : baselines;
  const baseline = baselineInForce(candidates, window.windowStart);
  const change = baseline ? window.mean - baseline.value : null;

  const bands: Partial<Record<BandKey, TriggerStatus>> = {};
  let reread: TriggerStatus = 'normal';
  for (const band of rule.bands) {
    const key: BandKey = `level:${band.direction}`;
    const offset = band.quantity === 'change' ? (baseline?.value ?? null) : 0;
    if (offset === null) continue;
    const levels = ascendingLevels(band.direction, band.levels);
    bands[key] = nextStatus(
      state?.bands[key] ?? 'normal',
      departure(band.direction, window.mean - offset),
      levels,
      rule.hysteresisFraction,
    );
    if (window.count >= 2) {
      const leastHazardous = band.direction === 'rise' ? window.min : window.max;
      const confirmed = classify(departure(band.direction, leastHazardous - offset), levels);
      if (statusRank(confirmed) > statusRank(reread)) reread = confirmed;
    }
  }
  const rateSamples: Partial<Record<BandKey, readonly RateSample[]>> = {};
  let firstRate: number | null | undefined;
  for (const band of rule.rateBands) {
    const key: BandKey = `rate:${band.direction}`;
    const step = advanceRate(state?.rateSamples[key] ?? [], window.windowStart, window.mean, band.periodHours);
    rateSamples[key] = step.samples;
    if (firstRate === undefined) firstRate = step.rate;
    if (step.rate === null) continue;
    const levels = ascendingLevels(band.direction, band.levels);
    bands[key] = nextStatus(state?.bands[key] ?? 'normal', departure(band.direction, step.rate), levels, rule.hysteresisFraction);
  }
  const { raw, cause } = highestBand(bands);

  const rawRank = statusRank(raw);
  const previousRuns = state?.runs ?? [0, 0, 0];
  const runs = LEVELS.map((_, i) => (rawRank >= i + 1 ? previousRuns[i]! + 1 : 0)) as [number, number, number];
  const previous = state?.status ?? 'normal';
  let status = previous;
  let confirmedBy: ConfirmedBy = 'fall';
  if (rawRank < statusRank(previous)) status = raw;
  else {
    LEVELS.forEach((level, i) => {
      if (i + 1 > rawRank || i + 1 <= statusRank(status)) return;
      if (runs[i]! >= rule.confirmation[level]) [status, confirmedBy] = [level, 'windows'];
      else if (statusRank(reread) >= i + 1) [status, confirmedBy] = [level, 're-read'];
    });
  }

  let pending = state?.pending ?? null;
  let spike: UnconfirmedSpike | null = null;
  if (rawRank > statusRank(status)) {
    const peak = pending && statusRank(pending.peak) >= rawRank ? pending.peak : raw;
    pending = { since: pending?.since ?? window.windowStart, peak, cause: pending?.cause ?? (cause as BandKey) }; // a raw status above normal always has a cause
  } else if (pending) {
    if (statusRank(pending.peak) > statusRank(status))
      spike = { since: pending.since, until: window.windowStart, peak: pending.peak, cause: pending.cause };
    pending = null;
  }

  const rate = firstRate ?? null;
  const judgement: WindowJudgement = {
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    mean: window.mean,
    baseline,
    change,
    rate,
    rawStatus: raw,
    status,
    cause,
  };
  const changed = status !== previous;
  return {
    state: {
      windowStart: window.windowStart,
      status,
      statusSince: changed || !state ? window.windowStart : state.statusSince,
      bands,
      runs,
      pending,
      initialBaseline: gatherInitialBaseline(previousInitial, window, rule.baselineReadings),
      rateSamples,
    },
    judgement,
    change: changed
      ? {
          windowStart: window.windowStart,
          windowEnd: window.windowEnd,
          from: previous,
          to: status,
          mean: window.mean,
          change,
          rate,
          baseline,
          cause: judgement.cause,
          confirmedBy,
        }
      : null,
    spike,
  };
}

/** The highest raw status among the bands, and the band that gives it (null when normal). */
function highestBand(bands: Partial<Record<BandKey, TriggerStatus>>): { raw: TriggerStatus; cause: BandKey | null } {
  let raw: TriggerStatus = 'normal';
  let cause: BandKey | null = null;
  for (const [key, status] of Object.entries(bands) as Array<[BandKey, TriggerStatus]>) {
    if (statusRank(status) > statusRank(raw)) [raw, cause] = [status, key];
  }
  return { raw, cause };
}

export interface JudgedRun {
  readonly state: StatusMachineState | null;
  readonly judgements: WindowJudgement[];
  readonly changes: StatusChange[];
  readonly spikes: UnconfirmedSpike[];
  /** States after the first window judged in each hour: where a later re-evaluation can start. */
  readonly checkpoints: StatusMachineState[];
}

/** Start of the checkpoint period a window falls in. */
export const CHECKPOINT_PERIOD_MS = 3_600_000;

/**
 * Judges windows (any order; they are sorted by start) from `state` onwards. Windows at
 * or before the state's window are not judged again.
 */
export function judgeWindows(
  state: StatusMachineState | null,
  windows: readonly WindowFacts[],
  rule: TriggerRule,
  baselines: readonly Baseline[],
): JudgedRun {
  const ordered = windows.filter((w) => state === null || w.windowStart > state.windowStart).sort((a, b) => a.windowStart - b.windowStart);
  const run: JudgedRun = { state, judgements: [], changes: [], spikes: [], checkpoints: [] };
  let current = state;
  for (const window of ordered) {
    const step = judgeWindow(current, window, rule, baselines);
    if (current === null || checkpointPeriod(window.windowStart) !== checkpointPeriod(current.windowStart))
      run.checkpoints.push(step.state);
    current = step.state;
    run.judgements.push(step.judgement);
    if (step.change) run.changes.push(step.change);
    if (step.spike) run.spikes.push(step.spike);
  }
  return { ...run, state: current };
}

function checkpointPeriod(windowStart: number): number {
  return Math.floor(windowStart / CHECKPOINT_PERIOD_MS);
}
