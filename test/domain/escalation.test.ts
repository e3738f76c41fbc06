import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acknowledge, applyChange, applyWithdrawal, type Alarm, type AlarmLevel } from '../../lambdas/domain/alarms.js';
import {
  acknowledgementDeadline,
  DEFAULT_ESCALATION_POLICY,
  dueNotifications,
  escalationPolicyProblems,
  type DueNotification,
  type EscalationPolicy,
} from '../../lambdas/domain/escalation.js';
import { DEFAULT_RESPONSE_PLAN, type ResponsePlanEntry } from '../../lambdas/domain/response-plans.js';
import { TRIGGER_STATUSES, type TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { applyAll, changesOfWalk, confirmedChange, MINUTE, T0 } from '../support/alarm-changes.js';

const defaults = (level: AlarmLevel) => DEFAULT_RESPONSE_PLAN[level];
/** The opening change is found 15 s after its window starts: the escalation clock starts here. */
const S = T0 + 15_000;
const ID = 'P-101@2026-03-04T15:00:00.000Z';

/** A sender with a clock the test controls: each run claims everything it is given. */
class Sender {
  readonly claimed = new Set<string>();
  constructor(private readonly policy: EscalationPolicy = DEFAULT_ESCALATION_POLICY) {}

  /** Runs at `minutes` after S; returns `kind/t<tier>@<minutes after S of dueAt>` for each notification. */
  run(alarm: Alarm, minutes: number, plan: (level: AlarmLevel) => ResponsePlanEntry = defaults): string[] {
    const due = dueNotifications(alarm, plan, this.policy, this.claimed, S + minutes * MINUTE);
    for (const n of due) this.claimed.add(n.notificationId);
    return due.map(label);
  }
}

const label = (n: DueNotification) =>
  `${n.kind}${n.kind === 'reminder' ? n.notificationId.split('/').at(-2) : ''}/t${n.tier}@${(n.dueAt - S) / MINUTE}`;

function opened(level: AlarmLevel = 'alarm'): Alarm {
  return applyChange(null, confirmedChange({ at: T0, from: 'normal', to: level })).alarm!;
}

function changed(alarm: Alarm, minutes: number, from: TriggerStatus, to: TriggerStatus): Alarm {
  return applyChange(alarm, confirmedChange({ at: T0 + minutes * MINUTE, from, to })).alarm!;
}

function acknowledged(alarm: Alarm, minutes: number): Alarm {
  const result = acknowledge(
    alarm,
    { by: 'user-1', byName: 'engineer', at: S + minutes * MINUTE, note: 'Seen', response: null },
    defaults(alarm.pending!.level),
  );
  if (result.outcome !== 'acknowledged') throw new Error(result.outcome);
  return result.alarm;
}

describe('the escalation timeline of the default policy (3 tiers, reminders every 30 min)', () => {
  it('runs open -> tier 2 -> tier 3 -> acknowledged -> Action -> cleared, each notification once', () => {
    const sender = new Sender();
    let alarm = opened('alarm'); // Alarm: acknowledge within 60 min
    expect(sender.run(alarm, 0)).toEqual(['opened/t1@0']);
    expect(sender.run(alarm, 0)).toEqual([]); // a second run in the same minute gets nothing
    expect(sender.run(alarm, 29)).toEqual([]);
    expect(sender.run(alarm, 30)).toEqual(['reminder1/t1@30']);
    expect(sender.run(alarm, 59)).toEqual([]);
    // S + 1 x 60 min: tier 2; the reminder goes to tier 1 only (tier 2 hears it first now).
    expect(sender.run(alarm, 60)).toEqual(['reminder2/t1@60', 'tier/t2@60']);
    expect(sender.run(alarm, 61)).toEqual([]);
    expect(sender.run(alarm, 90)).toEqual(['reminder3/t1@90', 'reminder3/t2@90']);
    // S + 2 x 60 min: tier 3.
    expect(sender.run(alarm, 120)).toEqual(['reminder4/t1@120', 'reminder4/t2@120', 'tier/t3@120']);
    expect(sender.run(alarm, 150)).toEqual(['reminder5/t1@150', 'reminder5/t2@150', 'reminder5/t3@150']);
    // No run from 150 to 245 (an outage): only the latest reminder, number 8 at 240, and never a tier 4.
    expect(sender.run(alarm, 245)).toEqual(['reminder8/t1@240', 'reminder8/t2@240', 'reminder8/t3@240']);

    alarm = acknowledged(alarm, 250);
    expect(sender.run(alarm, 270)).toEqual([]);

    // Rises to Action in the window 260 min after T0, found 15 s later (S + 260): acknowledge within 15 min.
    alarm = changed(alarm, 260, 'alarm', 'action');
    expect(alarm.pending).toEqual({ level: 'action', since: S + 260 * MINUTE });
    expect(sender.run(alarm, 260)).toEqual(['escalated/t1@260']);
    expect(sender.run(alarm, 274)).toEqual([]);
    expect(sender.run(alarm, 275)).toEqual(['tier/t2@275']);
    // Tier 2 was told at 275: its first reminder waits a full interval, so reminder 1 goes to tier 1 only.
    expect(sender.run(alarm, 290)).toEqual(['reminder1/t1@290', 'tier/t3@290']);
    expect(sender.run(alarm, 320)).toEqual(['reminder2/t1@320', 'reminder2/t2@320', 'reminder2/t3@320']);

    // Cleared (window 300 min after T0): every tier notified hears it; then nothing more.
    alarm = changed(alarm, 300, 'action', 'normal');
    expect(sender.run(alarm, 300)).toEqual(['cleared/t1@300', 'cleared/t2@300', 'cleared/t3@300']);
    expect(sender.run(alarm, 600)).toEqual([]);
  });

  it("runs the README's worked example: acknowledged at Alarm, Action, acknowledged again, cleared", () => {
    const sender = new Sender();
    let alarm = opened('alarm');
    const runs: Record<number, string[]> = {};
    for (const minutes of [0, 30, 60, 90, 120, 150]) runs[minutes] = sender.run(alarm, minutes);
    alarm = acknowledged(alarm, 160); // 04:40:15
    alarm = changed(alarm, 170, 'alarm', 'action'); // window 04:50:00, found 04:50:15
    for (const minutes of [170, 185, 200, 230]) runs[minutes] = sender.run(alarm, minutes);
    alarm = acknowledged(alarm, 235); // 05:55:15
    alarm = changed(alarm, 250, 'action', 'normal'); // window 06:10:00, found 06:10:15
    runs[250] = sender.run(alarm, 250);
    expect(runs).toEqual({
      0: ['opened/t1@0'],
      30: ['reminder1/t1@30'],
      60: ['reminder2/t1@60', 'tier/t2@60'],
      90: ['reminder3/t1@90', 'reminder3/t2@90'],
      120: ['reminder4/t1@120', 'reminder4/t2@120', 'tier/t3@120'],
      150: ['reminder5/t1@150', 'reminder5/t2@150', 'reminder5/t3@150'],
      170: ['escalated/t1@170'],
      185: ['tier/t2@185'],
      200: ['reminder1/t1@200', 'tier/t3@200'],
      230: ['reminder2/t1@230', 'reminder2/t2@230', 'reminder2/t3@230'],
      250: ['cleared/t1@250', 'cleared/t2@250', 'cleared/t3@250'],
    });
    // Every minute in between sends nothing more.
    expect(sender.run(alarm, 251)).toEqual([]);
  });

  it('uses ids that name the alarm, the step or level, and the tier', () => {
    const due = dueNotifications(opened('alarm'), defaults, DEFAULT_ESCALATION_POLICY, new Set(), S + 60 * MINUTE);
    expect(due.map((n) => n.notificationId)).toEqual([
      `${ID}/step/opened/P-101@${T0}:normal-alarm/t1`,
      `${ID}/reminder/alarm/2/t1`,
      `${ID}/tier/alarm/t2`,
    ]);
    expect(due[0]).toMatchObject({ alarmId: ID, kind: 'opened', tier: 1, level: 'alarm', dueAt: S });
    expect(due[2]).toMatchObject({ kind: 'tier', tier: 2, level: 'alarm', dueAt: S + 60 * MINUTE, step: null });
  });

  it('clears to tier 1 only when no other tier was notified, and stays silent while cleared though unacknowledged', () => {
    const sender = new Sender();
    let alarm = opened('action');
    expect(sender.run(alarm, 0)).toEqual(['opened/t1@0']);
    alarm = changed(alarm, 10, 'action', 'normal');
    expect(alarm.pending).not.toBeNull();
    expect(sender.run(alarm, 10)).toEqual(['cleared/t1@10']);
    expect(sender.run(alarm, 300)).toEqual([]);
  });

  it('sends every tier due at once after an outage, and the latest reminder to the tiers due an interval before it', () => {
    const sender = new Sender();
    expect(sender.run(opened('alarm'), 125)).toEqual(['opened/t1@0', 'tier/t2@60', 'reminder4/t1@120', 'reminder4/t2@120', 'tier/t3@120']);
    expect(sender.run(opened('alarm'), 126)).toEqual([]);
  });

  it('notifies tier 1 of de-escalations and withdrawals; a withdrawal that clears reaches every tier notified', () => {
    const sender = new Sender();
    let alarm = opened('action');
    expect(sender.run(alarm, 30)).toEqual(['opened/t1@0', 'tier/t2@15', 'reminder1/t1@30', 'tier/t3@30']);
    alarm = changed(alarm, 31, 'action', 'alarm');
    expect(sender.run(alarm, 31)).toEqual(['de-escalated/t1@31']);
    alarm = applyWithdrawal(alarm, alarm.history[0]!.change, 'normal', S + 40 * MINUTE).alarm;
    expect(sender.run(alarm, 40)).toEqual(['withdrawn/t1@0', 'withdrawn/t2@0', 'withdrawn/t3@0']);
  });

  it('sends nothing but steps once acknowledged, however overdue', () => {
    const sender = new Sender();
    const alarm = acknowledged(opened('alarm'), 5);
    expect(sender.run(alarm, 5)).toEqual(['opened/t1@0']);
    expect(sender.run(alarm, 24 * 60)).toEqual([]);
  });
});

describe('steps a rebuild found', () => {
  const RUN = 'rebuild-2026-03-05T09:00:00.000Z-1a2b3c4d';

  it('notify no one and leave the clock alone: an escalation, a withdrawal that clears, an alarm opened by a rebuild', () => {
    const sender = new Sender();
    let alarm = opened('alert');
    expect(sender.run(alarm, 0)).toEqual(['opened/t1@0']);
    // A rebuild finds the alert was an Action from minute 5: history only; the alert is still what is pending.
    alarm = applyChange(alarm, confirmedChange({ at: T0 + 5 * MINUTE, from: 'alert', to: 'action' }), RUN).alarm!;
    expect(alarm.history.map((step) => [step.kind, step.level, step.rebuiltBy])).toEqual([
      ['opened', 'alert', undefined],
      ['escalated', 'action', RUN],
    ]);
    expect([alarm.level, alarm.peakLevel, alarm.pending]).toEqual(['action', 'action', { level: 'alert', since: S }]);
    expect(sender.run(alarm, 10)).toEqual([]);
    // The alert's plan allows 24 h: tier 2 is due then, as it was before the rebuild.
    expect(sender.run(alarm, 24 * 60)).toEqual(['reminder48/t1@1440', 'tier/t2@1440']);
    alarm = applyWithdrawal(alarm, alarm.history[0]!.change, 'normal', S + 25 * 60 * MINUTE, RUN).alarm;
    expect(alarm.state).toBe('cleared');
    expect(sender.run(alarm, 25 * 60)).toEqual([]);

    const found = applyChange(null, confirmedChange({ at: T0, from: 'normal', to: 'action' }), RUN).alarm!;
    expect([found.state, found.level, found.pending]).toEqual(['open', 'action', null]);
    expect(new Sender().run(found, 24 * 60)).toEqual([]);
  });
});

describe('policies', () => {
  it('never notifies above the configured tiers', () => {
    const one = new Sender({ tiers: 1, reminderIntervalMinutes: 30 });
    one.run(opened('action'), 0);
    expect(one.run(opened('action'), 600)).toEqual(['reminder20/t1@600']);
    const five = new Sender({ tiers: 5, reminderIntervalMinutes: 0 });
    five.run(opened('action'), 0);
    expect(five.run(opened('action'), 59)).toEqual(['tier/t2@15', 'tier/t3@30', 'tier/t4@45']);
    expect(five.run(opened('action'), 60)).toEqual(['tier/t5@60']);
    expect(five.run(opened('action'), 6000)).toEqual([]);
  });

  it('sends no reminders with an interval of 0', () => {
    const sender = new Sender({ tiers: 2, reminderIntervalMinutes: 0 });
    expect(sender.run(opened('alert'), 3000)).toEqual(['opened/t1@0', 'tier/t2@1440']);
  });

  it('follows the instrument plan limit', () => {
    const sender = new Sender({ tiers: 3, reminderIntervalMinutes: 0 });
    const plan = () => ({ response: 'Check', limitMinutes: 5, noteRequired: false });
    expect(sender.run(opened('alert'), 10, plan)).toEqual(['opened/t1@0', 'tier/t2@5', 'tier/t3@10']);
    expect(acknowledgementDeadline(opened('alert'), plan)).toBe(S + 5 * MINUTE);
  });

  it('checks a policy', () => {
    expect(escalationPolicyProblems(DEFAULT_ESCALATION_POLICY)).toEqual([]);
    expect(escalationPolicyProblems({ tiers: 6, reminderIntervalMinutes: -1 })).toEqual([
      { field: 'tiers', message: 'must be a whole number from 1 to 5 (got 6)' },
      { field: 'reminderIntervalMinutes', message: 'must be whole minutes from 0 (no reminders) to 1440 (got -1)' },
    ]);
  });
});

const status = fc.constantFrom<TriggerStatus>(...TRIGGER_STATUSES);
const policy = fc.record({ tiers: fc.integer({ min: 1, max: 5 }), reminderIntervalMinutes: fc.integer({ min: 0, max: 120 }) });
const limits = fc.record({
  alert: fc.integer({ min: 1, max: 300 }),
  alarm: fc.integer({ min: 1, max: 300 }),
  action: fc.integer({ min: 1, max: 300 }),
});
const planWith = (l: Record<AlarmLevel, number>) => (level: AlarmLevel) => ({
  response: 'Respond',
  limitMinutes: l[level],
  noteRequired: false,
});
/** An alarm from a walk of statuses, one window a minute. */
const alarmOfWalk = fc
  .array(status, { minLength: 1, maxLength: 20 })
  .map((statuses) => applyAll(changesOfWalk(['alert', ...statuses])).at(-1)!);

describe('properties', () => {
  it('never returns a claimed id', () => {
    fc.assert(
      fc.property(alarmOfWalk, policy, limits, fc.integer({ min: 0, max: 2000 }), fc.array(fc.boolean()), (alarm, p, l, minutes, keep) => {
        const now = S + minutes * MINUTE;
        const all = dueNotifications(alarm, planWith(l), p, new Set(), now);
        const claimed = new Set(all.filter((_, i) => keep[i]).map((n) => n.notificationId));
        for (const n of dueNotifications(alarm, planWith(l), p, claimed, now)) expect(claimed.has(n.notificationId)).toBe(false);
      }),
    );
  });

  it('over runs at any times: each id once, nothing early, no tier above the policy, each tier once per level', () => {
    fc.assert(
      fc.property(
        alarmOfWalk,
        policy,
        limits,
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 15 }),
        (alarm, p, l, times) => {
          const claimed = new Set<string>();
          const sent: DueNotification[] = [];
          for (const minutes of [...times].sort((a, b) => a - b)) {
            const now = S + minutes * MINUTE;
            const due = dueNotifications(alarm, planWith(l), p, claimed, now);
            for (const n of due) {
              expect(claimed.has(n.notificationId)).toBe(false);
              if (n.kind === 'tier' || n.kind === 'reminder') expect(n.dueAt).toBeLessThanOrEqual(now);
              expect(n.tier).toBeGreaterThanOrEqual(1);
              expect(n.tier).toBeLessThanOrEqual(p.tiers);
              claimed.add(n.notificationId);
              sent.push(n);
            }
            expect(
              new Set(due.filter((n) => n.kind === 'reminder').map((n) => n.notificationId.split('/').at(-2))).size,
            ).toBeLessThanOrEqual(1);
            expect(dueNotifications(alarm, planWith(l), p, claimed, now)).toEqual([]);
          }
          const tiers = sent.filter((n) => n.kind === 'tier').map((n) => `${n.level}/${n.tier}`);
          expect(new Set(tiers).size).toBe(tiers.length);
          // An open, pending alarm has reached exactly the tiers whose time has come.
          const last = S + Math.max(...times) * MINUTE;
          if (alarm.state === 'open' && alarm.pending) {
            const { level, since } = alarm.pending;
            const expected = [2, 3, 4, 5]
              .filter((k) => k <= p.tiers && since + (k - 1) * l[level] * MINUTE <= last)
              .map((k) => `${level}/${k}`);
            expect(tiers.filter((t) => t.startsWith(`${level}/`)).sort()).toEqual(expected);
          }
        },
      ),
    );
  });
});
