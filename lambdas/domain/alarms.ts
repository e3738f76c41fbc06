import type { InstrumentType } from './instrument-types.js';
import type { ResponsePlanEntry } from './response-plans.js';
import type { BandKey } from './status-machine.js';
import { statusRank, type TriggerLevels, type TriggerStatus } from './trigger-levels.js';

/**
 * The alarm lifecycle of one instrument, as pure values.
 *
 * An **alarm** opens when an instrument's confirmed status rises above normal and follows
 * that status: it escalates in place when the status rises further, de-escalates when it
 * falls but stays above normal, and **clears** when the status returns to normal. An
 * instrument has at most one open alarm; a rise after a clear opens a new alarm.
 *
 * The escalation clock is `pending`: the highest level reached and not yet acknowledged,
 * and the processing time it was reached. An acknowledgement covers everything up to the
 * pending level; a later rise above it needs acknowledging again. Clearing does not
 * acknowledge, so a cleared alarm can still be waiting for one.
 */

/** A level an alarm can be at. */
export type AlarmLevel = Exclude<TriggerStatus, 'normal'>;
export type AlarmState = 'open' | 'cleared';

/** The alarm levels, lowest first. */
export const ALARM_LEVELS = ['alert', 'alarm', 'action'] as const satisfies readonly AlarmLevel[];

export function isAlarmLevel(value: string): value is AlarmLevel {
  return (ALARM_LEVELS as readonly string[]).includes(value);
}

/** A confirmed status change as the batch store found it (from `trigger_events`). */
export interface ConfirmedChange {
  /** `${instrumentId}@${windowStart}:${from}-${to}`, see {@link changeKeyOf}. */
  readonly changeKey: string;
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  /** Epoch ms, event time. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  /** Epoch ms, when the pipeline applied it (processing time). */
  readonly foundAt: number;
  readonly mean: number;
  /** Levels of the band that caused a rise, in its judged quantity; null for a fall to normal. */
  readonly levels: TriggerLevels | null;
  readonly cause: BandKey | null;
  /** Mean minus baseline, or null before there is a baseline. */
  readonly change: number | null;
  /** Unit per day, or null when no rate is judged. */
  readonly rate: number | null;
  readonly baseline: { readonly id: string; readonly value: number } | null;
  readonly late: boolean;
}

export type AlarmStepKind = 'opened' | 'escalated' | 'de-escalated' | 'cleared' | 'withdrawn';

/** One step of an alarm's history: the change behind it and the alarm's level after it (`normal` once cleared). */
export interface AlarmStep {
  readonly kind: AlarmStepKind;
  readonly change: ConfirmedChange;
  readonly level: TriggerStatus;
  /**
   * The rebuild run that found the step's change (or its withdrawal), when a rebuild did
   * (`npm run rebuild`); absent when the pipeline found it. A rebuilt step is history only:
   * it notifies no one and leaves the escalation clock as it was.
   */
  readonly rebuiltBy?: string;
}

/** The step of `kind`, marked with the rebuild run that found it, if one did. */
function stepOf(kind: AlarmStepKind, change: ConfirmedChange, level: TriggerStatus, rebuiltBy: string | null): AlarmStep {
  return rebuiltBy === null ? { kind, change, level } : { kind, change, level, rebuiltBy };
}

export interface Acknowledgement {
  /** The authenticated user's id (the token's `sub`). */
  readonly by: string;
  /** Their username or e-mail from the token, for display. */
  readonly byName: string;
  /** Epoch ms. */
  readonly at: number;
  /** The highest level it acknowledges. */
  readonly level: AlarmLevel;
  readonly note: string;
  /** The response taken, when given. */
  readonly response: string | null;
}

export interface Alarm {
  /** `${instrumentId}@${ISO instant of the opening window's start}`: stable, see {@link alarmIdFor}. */
  readonly alarmId: string;
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly state: AlarmState;
  /** The last confirmed status while open; the level before clearing once cleared. */
  readonly level: AlarmLevel;
  readonly peakLevel: AlarmLevel;
  /** Event time of the opening window. */
  readonly openedAt: number;
  /** Processing time it opened. */
  readonly foundAt: number;
  /** Event time of the clearing window, null while open. */
  readonly clearedAt: number | null;
  /** Highest level reached and not yet acknowledged, and when (processing time) it was reached: the escalation clock. */
  readonly pending: { readonly level: AlarmLevel; readonly since: number } | null;
  /** Oldest first. */
  readonly acknowledgements: readonly Acknowledgement[];
  /** Oldest first. */
  readonly history: readonly AlarmStep[];
}

/** The key of a change: the same as the one the batch store and its notifications use. */
export function changeKeyOf(change: Pick<ConfirmedChange, 'instrumentId' | 'windowStart' | 'from' | 'to'>): string {
  return `${change.instrumentId}@${change.windowStart}:${change.from}-${change.to}`;
}

/**
 * The id of an alarm opened by a change at `windowStart`. Should the instrument's previous
 * alarm have the same id (its opening change was withdrawn and the window re-judged to
 * another level), the new one takes the next free suffix: `~2`, `~3`, ...
 */
export function alarmIdFor(instrumentId: string, windowStart: number, previous: Alarm | null = null): string {
  const base = `${instrumentId}@${new Date(windowStart).toISOString()}`;
  if (previous === null || !previous.alarmId.startsWith(base)) return base;
  const suffix = previous.alarmId.slice(base.length);
  if (suffix === '') return `${base}~2`;
  const n = /^~(\d+)$/.exec(suffix);
  return n ? `${base}~${Number(n[1]) + 1}` : base;
}

/** The higher of two levels. */
export function higherLevel(a: AlarmLevel, b: AlarmLevel): AlarmLevel {
  return statusRank(a) >= statusRank(b) ? a : b;
}

/** The highest level acknowledged so far, or null if never acknowledged. */
export function acknowledgedLevel(alarm: Alarm): AlarmLevel | null {
  return alarm.acknowledgements.reduce<AlarmLevel | null>((top, ack) => (top === null ? ack.level : higherLevel(top, ack.level)), null);
}

/** The escalation clock after the alarm reached `level` at processing time `at`. */
function pendingAfterRise(alarm: Alarm, level: AlarmLevel, at: number): Alarm['pending'] {
  const covered = alarm.pending?.level ?? acknowledgedLevel(alarm);
  if (covered !== null && statusRank(level) <= statusRank(covered)) return alarm.pending;
  return { level, since: at };
}

function hasStep(alarm: Alarm, changeKey: string, kind?: AlarmStepKind): AlarmStep | undefined {
  return alarm.history.find((step) => step.change.changeKey === changeKey && (kind === undefined || step.kind === kind));
}

/**
 * Applies a confirmed change to the instrument's alarm.
 *
 * `current` is the instrument's open alarm, or its latest alarm (which may be cleared), or
 * null. A change already in its history (a replay) changes nothing: the alarm comes back
 * unchanged with no step. Otherwise:
 * - no open alarm and `to` above normal: a new alarm opens at `to`, pending since the
 *   change was found (a cleared alarm is never reopened by a new change);
 * - open and `to` above its level: escalated in place; pending rises to `to`, its clock
 *   restarting at `foundAt`, when `to` is above both the pending and the acknowledged level;
 * - open and `to` between normal and its level: de-escalated; pending unchanged;
 * - open and `to` normal: cleared (`clearedAt` the change's window start); pending kept,
 *   since clearing does not acknowledge;
 * - open and `to` at its level, or no open alarm and `to` normal: nothing to record
 *   (`step` null; `alarm` the open alarm, or null).
 *
 * A change a rebuild found (`rebuiltBy`, the run) is applied the same way but pages no one:
 * the escalation clock is left as it was (an alarm it opens has nothing pending).
 */
export function applyChange(
  current: Alarm | null,
  change: ConfirmedChange,
  rebuiltBy: string | null = null,
): { alarm: Alarm | null; step: AlarmStep | null } {
  if (current !== null && hasStep(current, change.changeKey)) return { alarm: current, step: null };
  const open = current?.state === 'open' ? current : null;
  const to = change.to;
  if (to === 'normal') {
    if (open === null) return { alarm: null, step: null };
    const step = stepOf('cleared', change, 'normal', rebuiltBy);
    return { alarm: { ...open, state: 'cleared', clearedAt: change.windowStart, history: [...open.history, step] }, step };
  }
  if (open === null) {
    const step = stepOf('opened', change, to, rebuiltBy);
    const alarm: Alarm = {
      alarmId: alarmIdFor(change.instrumentId, change.windowStart, current),
      instrumentId: change.instrumentId,
      instrumentType: change.instrumentType,
      unit: change.unit,
      state: 'open',
      level: to,
      peakLevel: to,
      openedAt: change.windowStart,
      foundAt: change.foundAt,
      clearedAt: null,
      pending: rebuiltBy === null ? { level: to, since: change.foundAt } : null,
      acknowledgements: [],
      history: [step],
    };
    return { alarm, step };
  }
  if (statusRank(to) === statusRank(open.level)) return { alarm: open, step: null };
  const rises = statusRank(to) > statusRank(open.level);
  const step = stepOf(rises ? 'escalated' : 'de-escalated', change, to, rebuiltBy);
  return {
    alarm: {
      ...open,
      level: to,
      peakLevel: higherLevel(open.peakLevel, to),
      pending: rises && rebuiltBy === null ? pendingAfterRise(open, to, change.foundAt) : open.pending,
      history: [...open.history, step],
    },
    step,
  };
}

/**
 * Applies the withdrawal of a change already applied to `alarm` (re-evaluation found it did
 * not happen), as a `withdrawn` step at processing time `at`: the alarm takes the
 * instrument's status now.
 * - Open: it clears when `statusNow` is normal (`clearedAt` the withdrawn change's window
 *   start, from which the status it followed did not hold), else it moves to `statusNow`
 *   (a rise above the pending and acknowledged level restarts the clock at `at`).
 * - Cleared by the withdrawn change: the clear did not happen, so it is open again at
 *   `statusNow` when that is above normal (clearing never acknowledged, so pending is as it
 *   was); it stays cleared when the instrument is normal now.
 * - Otherwise cleared: the step is recorded (level `normal`) and the alarm stays cleared.
 * The pending level is never lowered: what was notified still needs acknowledging. A
 * withdrawal already applied changes nothing: the alarm comes back with the recorded step.
 * A withdrawal a rebuild made (`rebuiltBy`) pages no one: the clock is left as it was.
 */
export function applyWithdrawal(
  alarm: Alarm,
  withdrawn: ConfirmedChange,
  statusNow: TriggerStatus,
  at: number,
  rebuiltBy: string | null = null,
): { alarm: Alarm; step: AlarmStep } {
  const recorded = hasStep(alarm, withdrawn.changeKey, 'withdrawn');
  if (recorded) return { alarm, step: recorded };
  const clearedByIt = alarm.state === 'cleared' && latestClear(alarm)?.change.changeKey === withdrawn.changeKey;
  if (alarm.state === 'cleared' && !(clearedByIt && statusNow !== 'normal')) {
    const step = stepOf('withdrawn', withdrawn, 'normal', rebuiltBy);
    return { alarm: { ...alarm, history: [...alarm.history, step] }, step };
  }
  const step = stepOf('withdrawn', withdrawn, statusNow, rebuiltBy);
  const history = [...alarm.history, step];
  if (statusNow === 'normal') return { alarm: { ...alarm, state: 'cleared', clearedAt: withdrawn.windowStart, history }, step };
  const rises = statusRank(statusNow) > statusRank(alarm.level);
  return {
    alarm: {
      ...alarm,
      state: 'open',
      clearedAt: null,
      level: statusNow,
      peakLevel: higherLevel(alarm.peakLevel, statusNow),
      pending: rises && rebuiltBy === null ? pendingAfterRise(alarm, statusNow, at) : alarm.pending,
      history,
    },
    step,
  };
}

function latestClear(alarm: Alarm): AlarmStep | undefined {
  return alarm.history.findLast((step) => step.kind === 'cleared');
}

/** Whether a level reached is waiting for an acknowledgement (open or cleared). */
export function needsAcknowledgement(alarm: Alarm): boolean {
  return alarm.pending !== null;
}

/** The longest note an acknowledgement keeps, characters. */
export const MAX_NOTE_LENGTH = 2000;

export type AcknowledgeResult =
  | { readonly outcome: 'acknowledged'; readonly alarm: Alarm; readonly acknowledgement: Acknowledgement }
  /** Nothing was pending: the alarm is unchanged, with its latest acknowledgement. */
  | { readonly outcome: 'already-acknowledged'; readonly alarm: Alarm; readonly acknowledgement: Acknowledgement }
  | { readonly outcome: 'rejected'; readonly problem: 'note-required' | 'note-too-long'; readonly detail: string };

/**
 * Acknowledges the pending level of an alarm, open or cleared. The note is trimmed and
 * checked first, so a request is judged the same however often it is sent: at most
 * {@link MAX_NOTE_LENGTH} characters, and not empty where `plan` (the response plan of the
 * pending level, or of the alarm's level when nothing is pending) requires one. With nothing pending the request is idempotent: the alarm
 * comes back unchanged with its latest acknowledgement. An empty `response` is recorded as
 * none.
 */
export function acknowledge(alarm: Alarm, request: Omit<Acknowledgement, 'level'>, plan: ResponsePlanEntry): AcknowledgeResult {
  const note = request.note.trim();
  if (note.length > MAX_NOTE_LENGTH)
    return {
      outcome: 'rejected',
      problem: 'note-too-long',
      detail: `the note has ${note.length} characters; at most ${MAX_NOTE_LENGTH} are kept`,
    };
  const level = alarm.pending?.level ?? null;
  if (plan.noteRequired && note === '')
    return {
      outcome: 'rejected',
      problem: 'note-required',
      detail: `the response plan for ${(level ?? alarm.level).toUpperCase()} needs a note: what was found and what is being done`,
    };
  const latest = alarm.acknowledgements.at(-1);
  if (level === null && latest !== undefined) return { outcome: 'already-acknowledged', alarm, acknowledgement: latest };
  const response = request.response?.trim() || null;
  const acknowledgement: Acknowledgement = {
    by: request.by,
    byName: request.byName,
    at: request.at,
    level: level ?? alarm.level,
    note,
    response,
  };
  return {
    outcome: 'acknowledged',
    alarm: { ...alarm, pending: null, acknowledgements: [...alarm.acknowledgements, acknowledgement] },
    acknowledgement,
  };
}
