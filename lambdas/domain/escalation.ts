import { ALARM_LEVELS, type Alarm, type AlarmLevel, type AlarmStep } from './alarms.js';
import type { ResponsePlanEntry } from './response-plans.js';
import type { RuleProblem } from './trigger-rules.js';

/**
 * Escalation: which notifications an alarm has due, as a pure function of the alarm, its
 * response plan, the policy, the notifications already claimed and the time. The sender
 * claims each by its deterministic id before sending it, so whatever runs this twice for
 * the same minute sends each notification once.
 */

export interface EscalationPolicy {
  /** Tiers of contacts, 1..{@link MAX_TIERS}: tier 1 hears of every step, tier k once the alarm is (k - 1) limits old. */
  readonly tiers: number;
  /** Minutes between reminders while unacknowledged, 0 for none (at most {@link MAX_REMINDER_INTERVAL_MINUTES}). */
  readonly reminderIntervalMinutes: number;
}

export const MAX_TIERS = 5;
export const MAX_REMINDER_INTERVAL_MINUTES = 1440;

export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = { tiers: 3, reminderIntervalMinutes: 30 };

/** Faults in a policy, naming the field: tiers whole from 1 to 5, the reminder interval whole minutes from 0 to a day. */
export function escalationPolicyProblems(policy: EscalationPolicy): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!Number.isInteger(policy.tiers) || policy.tiers < 1 || policy.tiers > MAX_TIERS)
    problems.push({ field: 'tiers', message: `must be a whole number from 1 to ${MAX_TIERS} (got ${policy.tiers})` });
  const interval = policy.reminderIntervalMinutes;
  if (!Number.isInteger(interval) || interval < 0 || interval > MAX_REMINDER_INTERVAL_MINUTES)
    problems.push({
      field: 'reminderIntervalMinutes',
      message: `must be whole minutes from 0 (no reminders) to ${MAX_REMINDER_INTERVAL_MINUTES} (got ${interval})`,
    });
  return problems;
}

export type NotificationKind = 'opened' | 'escalated' | 'de-escalated' | 'cleared' | 'withdrawn' | 'tier' | 'reminder';

export interface DueNotification {
  /** Deterministic: {@link stepNotificationId}, {@link tierNotificationId}, {@link reminderNotificationId}. */
  readonly notificationId: string;
  readonly alarmId: string;
  readonly kind: NotificationKind;
  readonly tier: number;
  /** The level it is about: the step's level (the level cleared from, for a clear), or the pending level. */
  readonly level: AlarmLevel;
  /** Processing time it fell due: when the step was found, or on the escalation timeline. */
  readonly dueAt: number;
  /** The history step it announces; null for tier notifications and reminders. */
  readonly step: AlarmStep | null;
}

export function stepNotificationId(alarmId: string, step: AlarmStep, tier: number): string {
  return `${alarmId}/step/${step.kind}/${step.change.changeKey}/t${tier}`;
}

export function tierNotificationId(alarmId: string, level: AlarmLevel, tier: number): string {
  return `${alarmId}/tier/${level}/t${tier}`;
}

export function reminderNotificationId(alarmId: string, level: AlarmLevel, n: number, tier: number): string {
  return `${alarmId}/reminder/${level}/${n}/t${tier}`;
}

const MINUTE_MS = 60_000;

/**
 * What is due for one alarm at `now`, given the ids already claimed (never returned again).
 * - Every history step notifies tier 1 once. A step that leaves the alarm cleared (`cleared`,
 *   or a `withdrawn` one that cleared it) notifies every tier already notified for the alarm
 *   instead, unless a later step reopened it. A step a rebuild found notifies no one.
 * - While open and pending at level L since S: tier k (2..tiers) is due at S + (k - 1) x the
 *   limit of L, once per level.
 * - While open and pending, reminder n is due at S + n x the reminder interval, to every
 *   tier whose own notification for L was due at least one interval before (tier 1 at S,
 *   tier k at S + (k - 1) x limit); only the latest due reminder is returned, so an outage
 *   leaves no backlog. Who gets a reminder depends only on time, never on what was claimed,
 *   so a second run in the same minute finds nothing new.
 * - Nothing but step notifications for a cleared alarm, and nothing but step notifications
 *   once acknowledged (pending null).
 * Ordered by due time, then tier.
 */
export function dueNotifications(
  alarm: Alarm,
  plan: (level: AlarmLevel) => ResponsePlanEntry,
  policy: EscalationPolicy,
  claimed: ReadonlySet<string>,
  now: number,
): DueNotification[] {
  const due: DueNotification[] = [];
  const add = (notification: DueNotification) => {
    if (!claimed.has(notification.notificationId)) due.push(notification);
  };
  const { alarmId } = alarm;
  const tiers = Math.min(Math.max(1, Math.floor(policy.tiers)), MAX_TIERS);
  const notified = tiersNotified(alarmId, tiers, claimed);

  let lastLevel: AlarmLevel = alarm.level;
  alarm.history.forEach((step, i) => {
    const level = step.level === 'normal' ? lastLevel : step.level;
    if (step.level !== 'normal') lastLevel = step.level;
    if (step.rebuiltBy !== undefined) return;
    const closes = step.level === 'normal' && !alarm.history.slice(i + 1).some((later) => later.level !== 'normal');
    for (const tier of closes ? notified : [1])
      add({
        notificationId: stepNotificationId(alarmId, step, tier),
        alarmId,
        kind: step.kind,
        tier,
        level,
        dueAt: step.change.foundAt,
        step,
      });
  });

  if (alarm.state === 'open' && alarm.pending !== null) {
    const { level, since } = alarm.pending;
    const limit = plan(level).limitMinutes * MINUTE_MS;
    const tierDueAt = (tier: number) => since + (tier - 1) * limit;
    for (let tier = 2; tier <= tiers; tier++) {
      const dueAt = tierDueAt(tier);
      if (dueAt <= now)
        add({ notificationId: tierNotificationId(alarmId, level, tier), alarmId, kind: 'tier', tier, level, dueAt, step: null });
    }
    const interval = policy.reminderIntervalMinutes * MINUTE_MS;
    const n = interval > 0 ? Math.floor((now - since) / interval) : 0;
    if (n >= 1) {
      const dueAt = since + n * interval;
      for (let tier = 1; tier <= tiers; tier++) {
        const remindable = (tier === 1 ? since : tierDueAt(tier)) + interval <= dueAt;
        if (remindable)
          add({
            notificationId: reminderNotificationId(alarmId, level, n, tier),
            alarmId,
            kind: 'reminder',
            tier,
            level,
            dueAt,
            step: null,
          });
      }
    }
  }
  return due.sort((a, b) => a.dueAt - b.dueAt || a.tier - b.tier);
}

/** Tier 1 and every tier with a claimed tier notification for the alarm at any level. */
function tiersNotified(alarmId: string, tiers: number, claimed: ReadonlySet<string>): number[] {
  const notified = [1];
  for (let tier = 2; tier <= tiers; tier++)
    if (ALARM_LEVELS.some((level) => claimed.has(tierNotificationId(alarmId, level, tier)))) notified.push(tier);
  return notified;
}

/**
 * When the alarm's acknowledgement is overdue: the pending level's limit after it was
 * reached (when tier 2 is notified), or null when nothing is pending.
 */
export function acknowledgementDeadline(alarm: Alarm, plan: (level: AlarmLevel) => ResponsePlanEntry): number | null {
  if (alarm.pending === null) return null;
  return alarm.pending.since + plan(alarm.pending.level).limitMinutes * MINUTE_MS;
}
