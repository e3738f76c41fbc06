/**
 * The JSON the alarm API answers with (the CLI reads the same types). Instants are ISO 8601
 * strings in UTC; the ones a person reads are repeated as `…Site`: the same instant on the
 * site's wall clock with its offset (`2026-11-22T19:30:40+11:00`), the site's time zone
 * being in every response (`siteTimeZone`).
 */

export type AlarmStateName = 'open' | 'cleared';
export type AlarmLevelName = 'alert' | 'alarm' | 'action';
export type StatusName = 'normal' | AlarmLevelName;

/** The response plan entry in force for an alarm's level, and where it comes from. */
export interface ResponsePlanView {
  readonly level: AlarmLevelName;
  readonly response: string;
  readonly limitMinutes: number;
  readonly noteRequired: boolean;
  /** `instrument`, `type` or `default` (a site rule, or the built-in default when none is stored). */
  readonly source: 'instrument' | 'type' | 'default';
}

/** What is waiting for an acknowledgement. */
export interface PendingView {
  readonly level: AlarmLevelName;
  /** When that level was reached (processing time): the escalation clock starts here. */
  readonly since: string;
  readonly sinceSite: string;
  /** `since` + the plan's limit for the level. */
  readonly acknowledgeBy: string;
  readonly acknowledgeBySite: string;
  /** Whether `acknowledgeBy` has passed. */
  readonly overdue: boolean;
}

export interface AcknowledgementView {
  /** The user's id (the token's `sub`). */
  readonly by: string;
  readonly byName: string;
  readonly at: string;
  readonly atSite: string;
  /** The highest level it acknowledged. */
  readonly level: AlarmLevelName;
  readonly note: string;
  readonly response: string | null;
}

/** One alarm in `GET /alarms`. */
export interface AlarmSummaryView {
  readonly alarmId: string;
  readonly instrumentId: string;
  readonly instrumentType: string;
  readonly unit: string;
  readonly state: AlarmStateName;
  readonly level: AlarmLevelName;
  readonly peakLevel: AlarmLevelName;
  /** Event time of the window that opened it. */
  readonly openedAt: string;
  readonly openedAtSite: string;
  /** Processing time it opened. */
  readonly foundAt: string;
  /** Event time of the window that cleared it. */
  readonly clearedAt: string | null;
  readonly clearedAtSite: string | null;
  readonly needsAcknowledgement: boolean;
  readonly pending: PendingView | null;
  readonly lastAcknowledgement: AcknowledgementView | null;
  /** Paths of the alarm and of its acknowledgement, relative to the API's URL. */
  readonly links: { readonly self: string; readonly acknowledge: string };
}

/** One step of an alarm's history, with the confirmed change behind it. */
export interface AlarmStepView {
  readonly kind: 'opened' | 'escalated' | 'de-escalated' | 'cleared' | 'withdrawn';
  /** The alarm's level after the step (`normal` once cleared). */
  readonly levelAfter: StatusName;
  readonly changeKey: string;
  readonly from: StatusName;
  readonly to: StatusName;
  readonly windowStart: string;
  readonly windowStartSite: string;
  readonly windowEnd: string;
  /** Processing time the change was found. */
  readonly foundAt: string;
  readonly mean: number;
  readonly unit: string;
  readonly levels: { readonly alert: number; readonly alarm: number; readonly action: number } | null;
  readonly cause: string | null;
  /** Change from the baseline, in the unit. */
  readonly change: number | null;
  /** Rate of change, unit per day. */
  readonly ratePerDay: number | null;
  readonly baseline: { readonly id: string; readonly value: number } | null;
  readonly late: boolean;
  /** The rebuild run that found the step (it notified no one), or null when the pipeline did. */
  readonly rebuiltBy: string | null;
}

/** The escalation clock of an alarm waiting for an acknowledgement. */
export interface EscalationView {
  readonly tiers: number;
  readonly reminderIntervalMinutes: number;
  /** The next tier due if nobody acknowledges, or null when every tier is due already. */
  readonly nextTier: { readonly tier: number; readonly dueAt: string; readonly dueAtSite: string } | null;
  /** When the next reminder is due, or null with reminders off. */
  readonly nextReminderAt: string | null;
  readonly nextReminderAtSite: string | null;
}

export interface NotificationView {
  readonly notificationId: string;
  readonly kind: string;
  readonly tier: number;
  readonly level: AlarmLevelName;
  readonly dueAt: string;
  readonly state: 'sending' | 'sent' | 'failed' | 'abandoned';
  readonly attempts: number;
  readonly claimedAt: string;
  readonly sentAt: string | null;
  readonly channel: string | null;
  readonly messageId: string | null;
  readonly error: string | null;
}

export interface AuditView {
  readonly auditId: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly detail: unknown;
}

/** One alarm in `GET /alarms/{id}`: the summary with its history, plan, escalation, notifications and audit. */
export interface AlarmDetailView extends AlarmSummaryView {
  /** The plan for the level waiting for an acknowledgement, else for the alarm's level. */
  readonly responsePlan: ResponsePlanView;
  /** While open and waiting for an acknowledgement; null otherwise. */
  readonly escalation: EscalationView | null;
  readonly history: readonly AlarmStepView[];
  readonly acknowledgements: readonly AcknowledgementView[];
  readonly notifications: readonly NotificationView[];
  readonly audit: readonly AuditView[];
}

/** `GET /alarms`. */
export interface AlarmListResponse {
  readonly siteTimeZone: string;
  readonly alarms: readonly AlarmSummaryView[];
  /** Pass as `cursor` for the next page; null on the last. */
  readonly nextCursor: string | null;
}

/** `GET /alarms/{id}`. */
export interface AlarmDetailResponse {
  readonly siteTimeZone: string;
  readonly alarm: AlarmDetailView;
}

/** `POST /alarms/{id}/acknowledge`: 200 either way; `already-acknowledged` when nothing was waiting (nothing recorded). */
export interface AcknowledgeResponse {
  readonly siteTimeZone: string;
  readonly outcome: 'acknowledged' | 'already-acknowledged';
  readonly acknowledgement: AcknowledgementView;
  readonly alarm: AlarmDetailView;
}

/** A rule of the response plan, as stored and as `PUT /response-plans` takes it. */
export interface ResponsePlanRuleView {
  readonly scope:
    | { readonly kind: 'default' }
    | { readonly kind: 'type'; readonly instrumentType: string }
    | { readonly kind: 'instrument'; readonly instrumentId: string };
  readonly level: AlarmLevelName;
  readonly entry: { readonly response: string; readonly limitMinutes: number; readonly noteRequired: boolean };
}

/** `GET /response-plans` and the answer to `PUT /response-plans`. */
export interface ResponsePlansResponse {
  /** The stored rules (ordered by scope kind, scope, level): an instrument's rule wins over its type's, a type's over the site default. */
  readonly rules: readonly ResponsePlanRuleView[];
  /** The built-in default per level, used where no rule applies. */
  readonly defaults: Readonly<Record<AlarmLevelName, ResponsePlanRuleView['entry']>>;
}
