import type { AuditEntry, NotificationRecord } from '../alarms/alarm-store.js';
import { needsAcknowledgement, type Acknowledgement, type Alarm, type AlarmLevel, type AlarmStep } from '../domain/alarms.js';
import { acknowledgementDeadline, type EscalationPolicy } from '../domain/escalation.js';
import { DEFAULT_RESPONSE_PLAN, planOf, type PlanInForce, type ResponsePlanRule } from '../domain/response-plans.js';
import { formatSiteInstant } from '../domain/site-time.js';
import type {
  AcknowledgementView,
  AlarmDetailView,
  AlarmStepView,
  AlarmSummaryView,
  AuditView,
  EscalationView,
  NotificationView,
  ResponsePlanRuleView,
  ResponsePlansResponse,
} from './views.js';

/** Domain values as the API's JSON (`views.ts`): ISO instants, the site's clock beside the ones people read. */

const MINUTE_MS = 60_000;

/** What presenting needs besides the alarm: the site's zone, the plan rules, the policy and the time. */
export interface PresentContext {
  readonly siteTimeZone: string;
  readonly rules: readonly ResponsePlanRule[];
  readonly policy: EscalationPolicy;
  readonly now: number;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The path of an alarm, relative to the API's URL. */
export function alarmPath(alarmId: string): string {
  return `/alarms/${encodeURIComponent(alarmId)}`;
}

export function presentAcknowledgement(ack: Acknowledgement, zone: string): AcknowledgementView {
  return {
    by: ack.by,
    byName: ack.byName,
    at: iso(ack.at),
    atSite: formatSiteInstant(ack.at, zone),
    level: ack.level,
    note: ack.note,
    response: ack.response,
  };
}

export function presentAlarmSummary(alarm: Alarm, context: PresentContext): AlarmSummaryView {
  const zone = context.siteTimeZone;
  const plan = planOf(context.rules, alarm.instrumentType, alarm.instrumentId);
  const deadline = acknowledgementDeadline(alarm, plan);
  const last = alarm.acknowledgements.at(-1);
  return {
    alarmId: alarm.alarmId,
    instrumentId: alarm.instrumentId,
    instrumentType: alarm.instrumentType,
    unit: alarm.unit,
    state: alarm.state,
    level: alarm.level,
    peakLevel: alarm.peakLevel,
    openedAt: iso(alarm.openedAt),
    openedAtSite: formatSiteInstant(alarm.openedAt, zone),
    foundAt: iso(alarm.foundAt),
    clearedAt: alarm.clearedAt === null ? null : iso(alarm.clearedAt),
    clearedAtSite: alarm.clearedAt === null ? null : formatSiteInstant(alarm.clearedAt, zone),
    needsAcknowledgement: needsAcknowledgement(alarm),
    pending:
      alarm.pending === null || deadline === null
        ? null
        : {
            level: alarm.pending.level,
            since: iso(alarm.pending.since),
            sinceSite: formatSiteInstant(alarm.pending.since, zone),
            acknowledgeBy: iso(deadline),
            acknowledgeBySite: formatSiteInstant(deadline, zone),
            overdue: context.now > deadline,
          },
    lastAcknowledgement: last ? presentAcknowledgement(last, zone) : null,
    links: { self: alarmPath(alarm.alarmId), acknowledge: `${alarmPath(alarm.alarmId)}/acknowledge` },
  };
}

export function presentStep(step: AlarmStep, zone: string): AlarmStepView {
  const { change } = step;
  return {
    kind: step.kind,
    levelAfter: step.level,
    changeKey: change.changeKey,
    from: change.from,
    to: change.to,
    windowStart: iso(change.windowStart),
    windowStartSite: formatSiteInstant(change.windowStart, zone),
    windowEnd: iso(change.windowEnd),
    foundAt: iso(change.foundAt),
    mean: change.mean,
    unit: change.unit,
    levels: change.levels,
    cause: change.cause,
    change: change.change,
    ratePerDay: change.rate,
    baseline: change.baseline,
    late: change.late,
    rebuiltBy: step.rebuiltBy ?? null,
  };
}

/**
 * The escalation clock of an open alarm waiting for an acknowledgement, as the escalation
 * function keeps it (`dueNotifications`): tier k at the pending time + (k - 1) limits of
 * the pending level, reminders every interval after it.
 */
export function presentEscalation(alarm: Alarm, plan: (level: AlarmLevel) => PlanInForce, context: PresentContext): EscalationView | null {
  if (alarm.state !== 'open' || alarm.pending === null) return null;
  const { since, level } = alarm.pending;
  const limit = plan(level).limitMinutes * MINUTE_MS;
  const { tiers, reminderIntervalMinutes } = context.policy;
  let nextTier: EscalationView['nextTier'] = null;
  for (let tier = 2; tier <= tiers && nextTier === null; tier++) {
    const dueAt = since + (tier - 1) * limit;
    if (dueAt > context.now) nextTier = { tier, dueAt: iso(dueAt), dueAtSite: formatSiteInstant(dueAt, context.siteTimeZone) };
  }
  const interval = reminderIntervalMinutes * MINUTE_MS;
  const nextReminder = interval > 0 ? since + (Math.floor(Math.max(0, context.now - since) / interval) + 1) * interval : null;
  return {
    tiers,
    reminderIntervalMinutes,
    nextTier,
    nextReminderAt: nextReminder === null ? null : iso(nextReminder),
    nextReminderAtSite: nextReminder === null ? null : formatSiteInstant(nextReminder, context.siteTimeZone),
  };
}

export function presentNotification(record: NotificationRecord): NotificationView {
  return {
    notificationId: record.notificationId,
    kind: record.kind,
    tier: record.tier,
    level: record.level,
    dueAt: iso(record.dueAt),
    state: record.state,
    attempts: record.attempts,
    claimedAt: iso(record.claimedAt),
    sentAt: record.sentAt === null ? null : iso(record.sentAt),
    channel: record.channel,
    messageId: record.messageId,
    error: record.error,
  };
}

export function presentAudit(entry: AuditEntry): AuditView {
  return { auditId: entry.auditId, at: iso(entry.at), actor: entry.actor, action: entry.action, detail: entry.detail };
}

export function presentAlarmDetail(
  detail: { readonly alarm: Alarm; readonly notifications: readonly NotificationRecord[]; readonly audit: readonly AuditEntry[] },
  context: PresentContext,
): AlarmDetailView {
  const { alarm } = detail;
  const plan = planOf(context.rules, alarm.instrumentType, alarm.instrumentId);
  const planLevel = alarm.pending?.level ?? alarm.level;
  return {
    ...presentAlarmSummary(alarm, context),
    responsePlan: { level: planLevel, ...plan(planLevel) },
    escalation: presentEscalation(alarm, plan, context),
    history: alarm.history.map((step) => presentStep(step, context.siteTimeZone)),
    acknowledgements: alarm.acknowledgements.map((ack) => presentAcknowledgement(ack, context.siteTimeZone)),
    notifications: detail.notifications.map(presentNotification),
    audit: detail.audit.map(presentAudit),
  };
}

export function presentResponsePlans(rules: readonly ResponsePlanRule[]): ResponsePlansResponse {
  return { rules: rules as readonly ResponsePlanRuleView[], defaults: DEFAULT_RESPONSE_PLAN };
}
