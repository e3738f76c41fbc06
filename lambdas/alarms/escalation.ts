import { formatNotification } from '../domain/alarm-messages.js';
import type { Alarm, AlarmLevel } from '../domain/alarms.js';
import { dueNotifications, type DueNotification, type EscalationPolicy } from '../domain/escalation.js';
import { planOf, type ResponsePlanEntry } from '../domain/response-plans.js';
import type { AlarmStore } from './alarm-store.js';
import type { NotificationChannel, NotificationMessage } from './notification-channels.js';

export interface EscalationRun {
  readonly store: Pick<
    AlarmStore,
    'alarmsNeedingNotification' | 'responsePlanRules' | 'claimedIds' | 'claim' | 'recordSent' | 'recordFailed' | 'markNotificationsDone'
  >;
  /** The channel of a tier (1..policy.tiers). */
  readonly channelForTier: (tier: number) => NotificationChannel;
  readonly policy: EscalationPolicy;
  /** IANA zone the notifications give times in. */
  readonly siteTimeZone: string;
  /** Base URL of the alarms API, for the link to acknowledge. */
  readonly acknowledgeUrl: string;
  /** The time of the run. Default `Date.now`. */
  readonly now?: () => number;
}

/** What one run did. `skipped`: due, but another run had claimed it. */
export interface EscalationOutcome {
  readonly alarms: number;
  readonly due: number;
  readonly sent: number;
  /** Failed attempts (each retried on the next run while attempts remain). */
  readonly failed: number;
  /** Of the failed, those given up after their last attempt. */
  readonly abandoned: number;
  readonly skipped: number;
}

/**
 * One run of the escalation function, the one sender of alarm notifications: for every
 * alarm that is open or has notifications left, the domain says what is due now (step
 * notifications, the next tier after the level's time limit, the latest reminder); each is
 * claimed (a deterministic id, so a second run for the same minute gets nothing), sent
 * through its tier's channel and its outcome recorded. A failed send is retried on the next
 * run, up to the store's attempts, then abandoned. A crash between sending and recording
 * leaves the claim `sending`; it is claimed again once its lease has expired, so delivery
 * is at least once, and the repeat carries the same notification id.
 */
export async function runEscalation(run: EscalationRun): Promise<EscalationOutcome> {
  const now = (run.now ?? Date.now)();
  const alarms = await run.store.alarmsNeedingNotification();
  if (alarms.length === 0) return { alarms: 0, due: 0, sent: 0, failed: 0, abandoned: 0, skipped: 0 };
  const rules = await run.store.responsePlanRules();
  const claimed = await run.store.claimedIds(alarms.map((a) => a.alarmId));
  let due = 0;
  let sent = 0;
  let failed = 0;
  let abandoned = 0;
  let skipped = 0;
  const done: string[] = [];
  for (const alarm of alarms) {
    const plan = planOf(rules, alarm.instrumentType, alarm.instrumentId);
    const notifications = dueNotifications(alarm, plan, run.policy, claimed, now);
    if (notifications.length === 0 && alarm.state === 'cleared') done.push(alarm.alarmId);
    for (const notification of notifications) {
      due += 1;
      if (!(await run.store.claim(notification))) {
        skipped += 1;
        continue;
      }
      let channelName = `tier ${notification.tier}`;
      let messageId: string;
      try {
        const channel = run.channelForTier(notification.tier);
        channelName = channel.name;
        ({ messageId } = await channel.send(messageFor(notification, alarm, plan, run, now)));
      } catch (error) {
        failed += 1;
        const state = await run.store.recordFailed(notification.notificationId, channelName, describeError(error));
        if (state === 'abandoned') abandoned += 1;
        continue;
      }
      await run.store.recordSent(notification.notificationId, channelName, messageId);
      sent += 1;
    }
  }
  if (done.length > 0) await run.store.markNotificationsDone(done);
  return { alarms: alarms.length, due, sent, failed, abandoned, skipped };
}

function messageFor(
  notification: DueNotification,
  alarm: Alarm,
  plan: (level: AlarmLevel) => ResponsePlanEntry,
  run: EscalationRun,
  now: number,
): NotificationMessage {
  const text = formatNotification(notification, alarm, plan, { siteTimeZone: run.siteTimeZone, acknowledgeUrl: run.acknowledgeUrl, now });
  return {
    notificationId: notification.notificationId,
    tier: notification.tier,
    level: notification.level,
    kind: notification.kind,
    instrumentId: alarm.instrumentId,
    instrumentType: alarm.instrumentType,
    subject: text.subject,
    body: text.body,
    sms: text.sms,
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
