import {
  judgeWindows,
  type StatusChange,
  type StatusMachineState,
  type UnconfirmedSpike,
  type WindowFacts,
  type WindowJudgement,
} from './status-machine.js';
import type { Baseline } from './baselines.js';
import type { TriggerRule } from './trigger-rules.js';

/**
 * Evaluation in event time, whatever the order windows arrive in. A store keeps, per
 * instrument, the machine's state at its latest judged window and at the first judged
 * window of each hour (checkpoints). When windows arrive, it restarts the machine from the
 * latest state before the earliest of them and judges every window from there again: new
 * windows for the first time, later ones again. Comparing the changes and spikes this
 * gives with those recorded for the same windows says what to add and what to withdraw.
 *
 * Worked example: an instrument judged up to 10:00 is silent 09:00–09:30 (a comms outage);
 * its logger back-fills 09:10–09:20 at 10:05, reaching Alarm for two windows. The store
 * restarts from the 09:00 checkpoint and judges 09:00–10:00 again: the Alarm at 09:10 is
 * added, flagged late (judged 55 minutes after its window ended), and notified once.
 */

export interface RecordedOutcomes {
  readonly changes: readonly StatusChange[];
  readonly spikes: readonly UnconfirmedSpike[];
}

/**
 * A change is **late** when it was found by judging again windows already judged (data for
 * a period already judged), or when the data that found it arrived more than
 * {@link LATE_CHANGE_AFTER_MS} after the window ended (a logger back-filling after a comms
 * outage). Both depend only on the data and its arrival times, so a replay flags the same.
 */
export const LATE_CHANGE_AFTER_MS = 15 * 60_000;

export interface LateStatusChange extends StatusChange {
  readonly late: boolean;
  /** For a late change, from the window's end to `now`, milliseconds (0 when `now` is unknown); else 0. */
  readonly delayMs: number;
}

export interface Reevaluation {
  readonly state: StatusMachineState | null;
  readonly judgements: readonly WindowJudgement[];
  readonly checkpoints: readonly StatusMachineState[];
  readonly addedChanges: readonly LateStatusChange[];
  readonly withdrawnChanges: readonly StatusChange[];
  readonly addedSpikes: readonly UnconfirmedSpike[];
  readonly withdrawnSpikes: readonly UnconfirmedSpike[];
}

export interface ReevaluationInput {
  /** The latest stored state before the earliest window to judge, or null to start from scratch. */
  readonly from: StatusMachineState | null;
  /** Every completed window after `from`: those judged before and those not yet. */
  readonly windows: readonly WindowFacts[];
  readonly rule: TriggerRule;
  readonly baselines: readonly Baseline[];
  /**
   * What was recorded for windows after `from`: changes whose window starts after it, and
   * spikes that ended after it (a spike is found at the window it ends in, `until`).
   */
  readonly recorded: RecordedOutcomes;
  /** Start of the latest window judged before this evaluation, or null. */
  readonly judgedUpTo: number | null;
  /**
   * When the data being judged arrived (the latest arrival time of the batch), epoch ms, or
   * null when unknown (then only re-judging flags a change late, with no delay).
   */
  readonly now: number | null;
  /** Default {@link LATE_CHANGE_AFTER_MS}. */
  readonly lateAfterMs?: number;
}

export function changeKey(change: Pick<StatusChange, 'windowStart' | 'from' | 'to'>): string {
  return `${change.windowStart}|${change.from}|${change.to}`;
}

export function spikeKey(spike: Pick<UnconfirmedSpike, 'since' | 'until' | 'peak'>): string {
  return `${spike.since}|${spike.until}|${spike.peak}`;
}

export function reevaluate(input: ReevaluationInput): Reevaluation {
  const run = judgeWindows(input.from, input.windows, input.rule, input.baselines);
  const recordedChanges = new Set(input.recorded.changes.map(changeKey));
  const foundChanges = new Set(run.changes.map(changeKey));
  const recordedSpikes = new Set(input.recorded.spikes.map(spikeKey));
  const foundSpikes = new Set(run.spikes.map(spikeKey));
  return {
    state: run.state,
    judgements: run.judgements,
    checkpoints: run.checkpoints,
    addedChanges: run.changes
      .filter((change) => !recordedChanges.has(changeKey(change)))
      .map((change) => {
        const rejudged = input.judgedUpTo !== null && change.windowStart < input.judgedUpTo;
        const delay = input.now === null ? 0 : Math.max(0, input.now - change.windowEnd);
        const late = rejudged || delay > (input.lateAfterMs ?? LATE_CHANGE_AFTER_MS);
        return { ...change, late, delayMs: late ? delay : 0 };
      }),
    withdrawnChanges: input.recorded.changes.filter((change) => !foundChanges.has(changeKey(change))),
    addedSpikes: run.spikes.filter((spike) => !recordedSpikes.has(spikeKey(spike))),
    withdrawnSpikes: input.recorded.spikes.filter((spike) => !foundSpikes.has(spikeKey(spike))),
  };
}

/** How far back, before the latest window judged, arriving windows are still judged: 7 days. */
export const DEFAULT_LATE_HORIZON_MS = 7 * 86_400_000;

/**
 * Whether a window arriving now is too old to be judged: it is stored (readings are the
 * source of truth) and counted, but the instrument's status sequence is not re-evaluated
 * from before the horizon.
 */
export function beyondLateHorizon(windowStart: number, judgedUpTo: number | null, horizonMs: number): boolean {
  return judgedUpTo !== null && windowStart < judgedUpTo - horizonMs;
}
