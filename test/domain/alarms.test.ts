import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  acknowledgedLevel,
  alarmIdFor,
  applyChange,
  applyWithdrawal,
  MAX_NOTE_LENGTH,
  needsAcknowledgement,
  type Acknowledgement,
  type Alarm,
  type ConfirmedChange,
} from '../../lambdas/domain/alarms.js';
import { DEFAULT_RESPONSE_PLAN } from '../../lambdas/domain/response-plans.js';
import { statusRank, TRIGGER_STATUSES, type TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { applyAll, changesOfWalk, confirmedChange, MINUTE, SECOND, T0 } from '../support/alarm-changes.js';

/** Applies changes one after the other to one alarm, expecting each to record a step. */
function follow(...changes: ConfirmedChange[]): Alarm {
  let alarm: Alarm | null = null;
  for (const change of changes) {
    const result = applyChange(alarm, change);
    expect(result.step).not.toBeNull();
    alarm = result.alarm;
  }
  if (alarm === null) throw new Error('no alarm');
  return alarm;
}

const engineer = (
  at: number,
  note = 'Checked the tip; excavation paused',
  response: string | null = null,
): Omit<Acknowledgement, 'level'> => ({
  by: 'user-1',
  byName: 'engineer',
  at,
  note,
  response,
});

const opening = confirmedChange({ at: T0, from: 'normal', to: 'alarm' });
const toAction = confirmedChange({ at: T0 + MINUTE, from: 'alarm', to: 'action' });
const toAlert = confirmedChange({ at: T0 + 2 * MINUTE, from: 'action', to: 'alert' });
const clearing = confirmedChange({ at: T0 + 3 * MINUTE, from: 'alert', to: 'normal' });

describe('an alarm follows the instrument status', () => {
  it('opens on a rise above normal, pending at its level since the change was found', () => {
    const { alarm, step } = applyChange(null, opening);
    expect(step).toEqual({ kind: 'opened', change: opening, level: 'alarm' });
    expect(alarm).toEqual({
      alarmId: 'P-101@2026-03-04T15:00:00.000Z',
      instrumentId: 'P-101',
      instrumentType: 'piezometer',
      unit: 'kPa',
      state: 'open',
      level: 'alarm',
      peakLevel: 'alarm',
      openedAt: T0,
      foundAt: T0 + 15 * SECOND,
      clearedAt: null,
      pending: { level: 'alarm', since: T0 + 15 * SECOND },
      acknowledgements: [],
      history: [step],
    });
    expect(needsAcknowledgement(alarm!)).toBe(true);
  });

  it('escalates in place: same alarm, the clock restarts at the new level', () => {
    const alarm = follow(opening, toAction);
    expect(alarm.alarmId).toBe('P-101@2026-03-04T15:00:00.000Z');
    expect(alarm.level).toBe('action');
    expect(alarm.peakLevel).toBe('action');
    expect(alarm.pending).toEqual({ level: 'action', since: T0 + MINUTE + 15 * SECOND });
    expect(alarm.history.map((s) => [s.kind, s.level])).toEqual([
      ['opened', 'alarm'],
      ['escalated', 'action'],
    ]);
  });

  it('de-escalates without touching the clock or the peak', () => {
    const alarm = follow(opening, toAction, toAlert);
    expect(alarm.level).toBe('alert');
    expect(alarm.peakLevel).toBe('action');
    expect(alarm.pending).toEqual({ level: 'action', since: T0 + MINUTE + 15 * SECOND });
    expect(alarm.history.at(-1)?.kind).toBe('de-escalated');
  });

  it('keeps the clock when it rises again to a level no higher than the pending one', () => {
    const back = confirmedChange({ at: T0 + 3 * MINUTE, from: 'alert', to: 'alarm' });
    const alarm = follow(opening, toAction, toAlert, back);
    expect(alarm.history.at(-1)?.kind).toBe('escalated');
    expect(alarm.pending).toEqual({ level: 'action', since: T0 + MINUTE + 15 * SECOND });
  });

  it('clears on a return to normal, keeping the level it cleared from, and clearing does not acknowledge', () => {
    const alarm = follow(opening, toAction, toAlert, clearing);
    expect(alarm.state).toBe('cleared');
    expect(alarm.clearedAt).toBe(T0 + 3 * MINUTE);
    expect(alarm.level).toBe('alert');
    expect(alarm.history.at(-1)).toEqual({ kind: 'cleared', change: clearing, level: 'normal' });
    expect(needsAcknowledgement(alarm)).toBe(true);
    expect(alarm.pending).toEqual({ level: 'action', since: T0 + MINUTE + 15 * SECOND });
  });

  it('opens a new alarm with a new id on a rise after the clear; the cleared one is untouched', () => {
    const cleared = follow(opening, clearing);
    const reopening = confirmedChange({ at: T0 + 5 * MINUTE, from: 'normal', to: 'alert' });
    const { alarm, step } = applyChange(cleared, reopening);
    expect(step?.kind).toBe('opened');
    expect(alarm?.alarmId).toBe('P-101@2026-03-04T15:05:00.000Z');
    expect(alarm?.history).toHaveLength(1);
    expect(alarm?.pending).toEqual({ level: 'alert', since: T0 + 5 * MINUTE + 15 * SECOND });
    expect(cleared.state).toBe('cleared');
  });

  it('takes the next free id when a re-judged window opens again at the same start', () => {
    const first = follow(opening, clearing);
    expect(alarmIdFor('P-101', T0, first)).toBe('P-101@2026-03-04T15:00:00.000Z~2');
    const second = { ...first, alarmId: 'P-101@2026-03-04T15:00:00.000Z~2' };
    expect(alarmIdFor('P-101', T0, second)).toBe('P-101@2026-03-04T15:00:00.000Z~3');
    expect(alarmIdFor('P-101', T0 + MINUTE, second)).toBe('P-101@2026-03-04T15:01:00.000Z');
  });

  it('changes nothing on a replayed change, open or cleared', () => {
    const open = follow(opening, toAction);
    expect(applyChange(open, toAction)).toEqual({ alarm: open, step: null });
    expect(applyChange(open, opening).alarm).toBe(open);
    const cleared = follow(opening, clearing);
    expect(applyChange(cleared, opening)).toEqual({ alarm: cleared, step: null });
    expect(applyChange(cleared, clearing)).toEqual({ alarm: cleared, step: null });
  });

  it('records nothing for a fall to normal with no open alarm, or a change to the level it is at', () => {
    expect(applyChange(null, clearing)).toEqual({ alarm: null, step: null });
    expect(applyChange(follow(opening, clearing), confirmedChange({ at: T0 + 9 * MINUTE, from: 'alert', to: 'normal' }))).toEqual({
      alarm: null,
      step: null,
    });
    const open = follow(opening);
    expect(applyChange(open, confirmedChange({ at: T0 + 9 * MINUTE, from: 'alert', to: 'alarm' }))).toEqual({ alarm: open, step: null });
  });
});

describe('withdrawals: the alarm takes the status the instrument has now', () => {
  const withdrawnAt = T0 + 30 * MINUTE;

  it('clears the alarm when the withdrawn change opened it and the instrument is normal now', () => {
    const { alarm, step } = applyWithdrawal(follow(opening), opening, 'normal', withdrawnAt);
    expect(step).toEqual({ kind: 'withdrawn', change: opening, level: 'normal' });
    expect(alarm.state).toBe('cleared');
    expect(alarm.clearedAt).toBe(T0);
    expect(alarm.level).toBe('alarm');
    // What was notified still needs acknowledging.
    expect(alarm.pending).toEqual({ level: 'alarm', since: T0 + 15 * SECOND });
  });

  it('moves the alarm down to the status now; the pending level is not lowered', () => {
    const { alarm, step } = applyWithdrawal(follow(opening, toAction), toAction, 'alarm', withdrawnAt);
    expect(step.level).toBe('alarm');
    expect(alarm.state).toBe('open');
    expect(alarm.level).toBe('alarm');
    expect(alarm.peakLevel).toBe('action');
    expect(alarm.pending).toEqual({ level: 'action', since: T0 + MINUTE + 15 * SECOND });
  });

  it('moves the alarm up, the clock starting when the withdrawal was applied', () => {
    const acknowledged = acknowledge(follow(opening), engineer(T0 + 5 * MINUTE), DEFAULT_RESPONSE_PLAN.alarm);
    if (acknowledged.outcome !== 'acknowledged') throw new Error(acknowledged.outcome);
    const down = confirmedChange({ at: T0 + 6 * MINUTE, from: 'alarm', to: 'alert' });
    const lowered = applyChange(acknowledged.alarm, down).alarm!;
    const { alarm } = applyWithdrawal(lowered, down, 'action', withdrawnAt);
    expect(alarm.level).toBe('action');
    expect(alarm.peakLevel).toBe('action');
    expect(alarm.pending).toEqual({ level: 'action', since: withdrawnAt });
  });

  it('reopens the same alarm when the change that cleared it is withdrawn and the instrument is above normal', () => {
    const cleared = follow(opening, clearing);
    const { alarm, step } = applyWithdrawal(cleared, clearing, 'alarm', withdrawnAt);
    expect(step).toEqual({ kind: 'withdrawn', change: clearing, level: 'alarm' });
    expect(alarm.alarmId).toBe(cleared.alarmId);
    expect(alarm.state).toBe('open');
    expect(alarm.clearedAt).toBeNull();
    expect(alarm.level).toBe('alarm');
    expect(alarm.pending).toEqual({ level: 'alarm', since: T0 + 15 * SECOND });
  });

  it('keeps a cleared alarm cleared when an earlier change of it is withdrawn', () => {
    const cleared = follow(opening, toAction, toAlert, clearing);
    const { alarm, step } = applyWithdrawal(cleared, toAction, 'alarm', withdrawnAt);
    expect(step.level).toBe('normal');
    expect(alarm.state).toBe('cleared');
    expect(alarm.clearedAt).toBe(T0 + 3 * MINUTE);
    expect(alarm.history).toHaveLength(5);
  });

  it('changes nothing when the withdrawal is applied again', () => {
    const first = applyWithdrawal(follow(opening, toAction), toAction, 'alarm', withdrawnAt);
    const again = applyWithdrawal(first.alarm, toAction, 'normal', withdrawnAt + MINUTE);
    expect(again.alarm).toBe(first.alarm);
    expect(again.step).toEqual(first.step);
  });
});

describe('acknowledgement', () => {
  it('records who, when, the note and the response, at the pending level, and clears pending', () => {
    const open = follow(opening);
    const result = acknowledge(
      open,
      engineer(T0 + 10 * MINUTE, '  Tip checked; dewatering pump failed  ', 'Pump restarted'),
      DEFAULT_RESPONSE_PLAN.alarm,
    );
    expect(result).toEqual({
      outcome: 'acknowledged',
      alarm: { ...open, pending: null, acknowledgements: [expect.anything()] },
      acknowledgement: {
        by: 'user-1',
        byName: 'engineer',
        at: T0 + 10 * MINUTE,
        level: 'alarm',
        note: 'Tip checked; dewatering pump failed',
        response: 'Pump restarted',
      },
    });
    if (result.outcome !== 'acknowledged') throw new Error(result.outcome);
    expect(needsAcknowledgement(result.alarm)).toBe(false);
    expect(acknowledgedLevel(result.alarm)).toBe('alarm');
  });

  it('is idempotent: a second request changes nothing and returns the first acknowledgement', () => {
    const first = acknowledge(follow(opening), engineer(T0 + 10 * MINUTE), DEFAULT_RESPONSE_PLAN.alarm);
    if (first.outcome !== 'acknowledged') throw new Error(first.outcome);
    const second = acknowledge(first.alarm, engineer(T0 + 11 * MINUTE, 'again'), DEFAULT_RESPONSE_PLAN.alarm);
    expect(second).toEqual({ outcome: 'already-acknowledged', alarm: first.alarm, acknowledgement: first.acknowledgement });
    if (second.outcome !== 'already-acknowledged') throw new Error(second.outcome);
    expect(second.alarm).toBe(first.alarm);
  });

  it('needs acknowledging again when an alarm acknowledged at Alarm reaches Action', () => {
    const first = acknowledge(follow(opening), engineer(T0 + 10 * MINUTE), DEFAULT_RESPONSE_PLAN.alarm);
    if (first.outcome !== 'acknowledged') throw new Error(first.outcome);
    const rise = confirmedChange({ at: T0 + 20 * MINUTE, from: 'alarm', to: 'action' });
    const risen = applyChange(first.alarm, rise).alarm!;
    expect(needsAcknowledgement(risen)).toBe(true);
    expect(risen.pending).toEqual({ level: 'action', since: T0 + 20 * MINUTE + 15 * SECOND });
    const second = acknowledge(risen, engineer(T0 + 25 * MINUTE, 'Works stopped'), DEFAULT_RESPONSE_PLAN.action);
    if (second.outcome !== 'acknowledged') throw new Error(second.outcome);
    expect(second.acknowledgement.level).toBe('action');
    expect(second.alarm.acknowledgements.map((a) => a.level)).toEqual(['alarm', 'action']);
  });

  it('needs nothing more when it falls and rises back to the level acknowledged', () => {
    const first = acknowledge(follow(opening), engineer(T0 + 10 * MINUTE), DEFAULT_RESPONSE_PLAN.alarm);
    if (first.outcome !== 'acknowledged') throw new Error(first.outcome);
    const down = applyChange(first.alarm, confirmedChange({ at: T0 + 20 * MINUTE, from: 'alarm', to: 'alert' })).alarm!;
    const up = applyChange(down, confirmedChange({ at: T0 + 21 * MINUTE, from: 'alert', to: 'alarm' })).alarm!;
    expect(up.level).toBe('alarm');
    expect(needsAcknowledgement(up)).toBe(false);
  });

  it('refuses an empty note where the plan requires one, and accepts it where it does not', () => {
    const open = follow(opening);
    expect(acknowledge(open, engineer(T0, '   '), DEFAULT_RESPONSE_PLAN.alarm)).toEqual({
      outcome: 'rejected',
      problem: 'note-required',
      detail: 'the response plan for ALARM needs a note: what was found and what is being done',
    });
    const alert = follow(confirmedChange({ at: T0, from: 'normal', to: 'alert' }));
    const result = acknowledge(alert, engineer(T0, ''), DEFAULT_RESPONSE_PLAN.alert);
    expect(result.outcome).toBe('acknowledged');
  });

  it('refuses a note longer than the limit', () => {
    const result = acknowledge(follow(opening), engineer(T0, 'x'.repeat(MAX_NOTE_LENGTH + 1)), DEFAULT_RESPONSE_PLAN.alarm);
    expect(result).toMatchObject({ outcome: 'rejected', problem: 'note-too-long' });
    expect(acknowledge(follow(opening), engineer(T0, 'x'.repeat(MAX_NOTE_LENGTH)), DEFAULT_RESPONSE_PLAN.alarm).outcome).toBe(
      'acknowledged',
    );
  });

  it('acknowledges a cleared alarm that is still pending, and records an empty response as none', () => {
    const cleared = follow(opening, clearing);
    const result = acknowledge(cleared, engineer(T0 + 60 * MINUTE, 'Seen after the fact', '  '), DEFAULT_RESPONSE_PLAN.alarm);
    if (result.outcome !== 'acknowledged') throw new Error(result.outcome);
    expect(result.alarm.state).toBe('cleared');
    expect(result.acknowledgement.response).toBeNull();
    expect(needsAcknowledgement(result.alarm)).toBe(false);
  });
});

const status = fc.constantFrom<TriggerStatus>(...TRIGGER_STATUSES);
const walk = fc.array(status, { minLength: 1, maxLength: 30 });

describe('properties over status walks', () => {
  it('applying the same change list twice equals applying it once', () => {
    fc.assert(
      fc.property(walk, (statuses) => {
        const changes = changesOfWalk(statuses);
        const once = applyAll(changes);
        expect(applyAll(changes, once)).toEqual(once);
        expect(applyAll([...changes, ...changes])).toEqual(once);
      }),
    );
  });

  it('ignores replays interleaved anywhere after the original', () => {
    fc.assert(
      fc.property(walk, fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), (statuses, picks, positions) => {
        const changes = changesOfWalk(statuses);
        if (changes.length === 0) return;
        const withReplays = [...changes];
        picks.forEach((pick, i) => {
          const original = pick % changes.length;
          const after = withReplays.indexOf(changes[original]!) + 1;
          const position = after + ((positions[i] ?? 0) % (withReplays.length - after + 1));
          withReplays.splice(position, 0, changes[original]!);
        });
        expect(applyAll(withReplays)).toEqual(applyAll(changes));
      }),
    );
  });

  it('gives one alarm per rise from normal, all but the last cleared, the last following the status', () => {
    fc.assert(
      fc.property(walk, (statuses) => {
        const alarms = applyAll(changesOfWalk(statuses));
        const rises = statuses.filter((s, i) => s !== 'normal' && (i === 0 ? 'normal' : statuses[i - 1]) === 'normal').length;
        expect(alarms).toHaveLength(rises);
        expect(new Set(alarms.map((a) => a.alarmId)).size).toBe(alarms.length);
        alarms.slice(0, -1).forEach((alarm) => expect(alarm.state).toBe('cleared'));
        const final = statuses.at(-1)!;
        const last = alarms.at(-1);
        if (last) {
          expect(last.state).toBe(final === 'normal' ? 'cleared' : 'open');
          if (final !== 'normal') expect(last.level).toBe(final);
        }
        for (const alarm of alarms) {
          expect(statusRank(alarm.level)).toBeLessThanOrEqual(statusRank(alarm.peakLevel));
          expect(alarm.pending?.level).toBe(alarm.peakLevel); // never acknowledged: the peak is pending
        }
      }),
    );
  });

  it('applying a withdrawal twice equals applying it once, and the alarm keeps its id', () => {
    fc.assert(
      fc.property(walk, fc.nat(), status, status, (statuses, pick, now, later) => {
        const alarm = applyAll(changesOfWalk(['alert', ...statuses])).at(-1)!;
        const withdrawn = alarm.history[pick % alarm.history.length]!.change;
        const once = applyWithdrawal(alarm, withdrawn, now, T0 + 999 * MINUTE);
        expect(applyWithdrawal(once.alarm, withdrawn, later, T0 + 1000 * MINUTE)).toEqual(once);
        expect(once.alarm.alarmId).toBe(alarm.alarmId);
        expect(once.alarm.state === 'open').toBe(once.step.level !== 'normal');
      }),
    );
  });

  it('after any acknowledgements, pending is null or above every level acknowledged', () => {
    fc.assert(
      fc.property(walk, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (statuses, acks) => {
        let alarm: Alarm | null = null;
        changesOfWalk(statuses).forEach((change, i) => {
          alarm = applyChange(alarm, change).alarm ?? alarm;
          if (alarm && acks[i]) {
            const result = acknowledge(alarm, engineer(change.foundAt), DEFAULT_RESPONSE_PLAN[alarm.level]);
            if (result.outcome !== 'rejected') alarm = result.alarm;
          }
          const current = alarm as Alarm | null;
          const acked = current ? acknowledgedLevel(current) : null;
          if (current?.pending && acked) expect(statusRank(current.pending.level)).toBeGreaterThan(statusRank(acked));
        });
      }),
    );
  });
});
