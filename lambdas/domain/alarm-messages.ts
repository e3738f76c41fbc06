import type { Alarm, AlarmLevel, AlarmStep } from './alarms.js';
import type { DueNotification } from './escalation.js';
import { INSTRUMENT_TYPE_SPECS } from './instrument-types.js';
import type { PlanInForce, ResponsePlanEntry } from './response-plans.js';
import { formatUtcOffset, formatWallTime, utcOffsetMinutes } from './site-time.js';

/**
 * The words of a notification, for whoever reads it at a glance at 2 a.m.: what happened
 * at which instrument, the reading behind it, the time on the site's clock, what the
 * response plan expects and by when, and where to acknowledge.
 */

export interface NotificationText {
  /** Under 100 characters (the e-mail subject SNS accepts). */
  readonly subject: string;
  /** The e-mail text. */
  readonly body: string;
  /** At most {@link MAX_SMS_LENGTH} characters. */
  readonly sms: string;
}

export interface NotificationTextOptions {
  /** IANA name of the site's time zone. */
  readonly siteTimeZone: string;
  /** Base URL of the alarms API; the alarm is at `${acknowledgeUrl}/alarms/${encodeURIComponent(alarmId)}`. */
  readonly acknowledgeUrl: string;
  /** When it is written, for the time left to acknowledge; the notification's due time if not given. */
  readonly now?: number;
}

export const MAX_SUBJECT_LENGTH = 99;
export const MAX_SMS_LENGTH = 300;

type Plan = ResponsePlanEntry | ((level: AlarmLevel) => ResponsePlanEntry);

const CAUSES: Record<string, string> = {
  'level:rise': 'rise',
  'level:fall': 'fall',
  'rate:rise': 'rate of rise',
  'rate:fall': 'rate of fall',
};

/**
 * The message for one due notification of `alarm` (as it is now). `plan` is the alarm's
 * response plan, by level, or the entry of the pending level. Pass `now` (the time it is
 * sent) for the time left to be exact.
 */
export function formatNotification(due: DueNotification, alarm: Alarm, plan: Plan, options: NotificationTextOptions): NotificationText {
  const now = options.now ?? due.dueAt;
  const zone = options.siteTimeZone;
  const step = due.step ?? stepReaching(alarm, due.level);
  const pendingPlan = alarm.pending ? (typeof plan === 'function' ? plan(alarm.pending.level) : plan) : null;
  const facts: Facts = {
    due,
    alarm,
    step,
    pendingPlan,
    now,
    zone,
    headline: headlineOf(due, alarm, now),
    prefix: `${step?.change.late ? '[late] ' : ''}${due.tier > 1 ? `[tier ${due.tier}] ` : ''}`,
    url: `${options.acknowledgeUrl.replace(/\/+$/, '')}/alarms/${encodeURIComponent(alarm.alarmId)}`,
  };
  return { subject: subjectOf(facts), body: bodyOf(facts), sms: smsOf(facts) };
}

interface Facts {
  readonly due: DueNotification;
  readonly alarm: Alarm;
  /** The step whose reading it shows. */
  readonly step: AlarmStep | null;
  readonly pendingPlan: (ResponsePlanEntry & Partial<PlanInForce>) | null;
  readonly now: number;
  readonly zone: string;
  readonly headline: string;
  /** `[late] `, `[tier 2] `. */
  readonly prefix: string;
  readonly url: string;
}

/** Headline and reading: with the change from baseline when it fits, else the mean alone. */
function subjectOf({ prefix, headline, step, alarm }: Facts): string {
  const change = step?.change;
  if (!change) return truncate(`${prefix}${headline}`, MAX_SUBJECT_LENGTH);
  const full = `${prefix}${headline}: ${valueOf(change.mean, change.change, alarm.unit)}`;
  return full.length <= MAX_SUBJECT_LENGTH
    ? full
    : truncate(`${prefix}${headline}: ${formatMeasure(change.mean)} ${alarm.unit}`, MAX_SUBJECT_LENGTH);
}

function bodyOf({ due, alarm, step, pendingPlan, now, zone, headline, url }: Facts): string {
  const lines = [`${headline}.`];
  const change = step?.change;
  if (step && change) {
    const { unit } = alarm;
    const label = step.kind === 'withdrawn' ? 'Withdrawn change' : 'Reading';
    const cause = change.cause ? `, on its ${CAUSES[change.cause]}` : '';
    lines.push(
      `${label}: ${INSTRUMENT_TYPE_SPECS[alarm.instrumentType].measures}, window mean ${formatMeasure(change.mean)} ${unit}${cause}`,
    );
    lines.push(`Time: ${siteTime(change.windowStart, zone)} (${zone})`);
    if (change.baseline && change.change !== null)
      lines.push(
        `Change from baseline: ${signed(change.change)} ${unit} (baseline ${formatMeasure(change.baseline.value)} ${unit}, ${change.baseline.id})`,
      );
    if (change.rate !== null) lines.push(`Rate of change: ${signed(change.rate)} ${unit}/day`);
    if (change.levels) {
      const levelUnit = change.cause?.startsWith('rate:') ? `${unit}/day` : unit;
      const { alert, alarm: alarmLevel, action } = change.levels;
      lines.push(
        `Trigger levels: alert ${formatMeasure(alert)}, alarm ${formatMeasure(alarmLevel)}, action ${formatMeasure(action)} ${levelUnit}`,
      );
    }
    if (change.late) lines.push(`Found late: at ${siteTime(change.foundAt, zone)}, after later data arrived for the window`);
  }
  lines.push('');
  const { pending } = alarm;
  if (pending && pendingPlan) {
    const level = pending.level.toUpperCase();
    const source = pendingPlan.source ? ` (${pendingPlan.source} plan)` : '';
    lines.push(`Response plan for ${level}${source}: ${pendingPlan.response}`);
    const deadline = deadlineOf(pending.since, pendingPlan.limitMinutes);
    const timing =
      deadline > now
        ? `Acknowledge within ${duration(pendingPlan.limitMinutes * 60_000)}, by ${siteTime(deadline, zone)} (${duration(deadline - now)} left)`
        : `Acknowledgement OVERDUE: the limit of ${duration(pendingPlan.limitMinutes * 60_000)} passed at ${siteTime(deadline, zone)}`;
    lines.push(
      `${timing}. ${level} was reached at ${siteTime(pending.since, zone)}.${pendingPlan.noteRequired ? ' A note is required.' : ''}`,
    );
    lines.push(`Acknowledge at ${url}`);
    lines.push(`  or: npm run alarms -- ack ${shellWord(alarm.alarmId)} --note "what was found and done"`);
  } else {
    const ack = alarm.acknowledgements.at(-1);
    if (ack)
      lines.push(
        `Acknowledged at ${ack.level.toUpperCase()} by ${ack.byName} at ${siteTime(ack.at, zone)}${ack.note ? `: ${ack.note}` : ''}`,
      );
    lines.push(`Alarm record: ${url}`);
  }
  lines.push('');
  const state =
    alarm.state === 'open'
      ? `open at ${alarm.level.toUpperCase()}`
      : `cleared ${alarm.clearedAt !== null ? siteTime(alarm.clearedAt, zone) : ''} from ${alarm.level.toUpperCase()}`;
  lines.push(
    `Alarm ${alarm.alarmId}: ${state}, peak ${alarm.peakLevel.toUpperCase()}, opened ${siteTime(alarm.openedAt, zone)}. Sent to tier ${due.tier}.`,
  );
  return lines.join('\n');
}

/**
 * `ACTION at P-101 (piezometer): 172.4 kPa (+72.4 kPa from baseline) at 02:04. Ack within
 * 15 min, by 02:19 (11 min left): <plan> <url>`: times on the site clock, with the date
 * when it is not today's; the plan text is shortened to fit {@link MAX_SMS_LENGTH}.
 */
function smsOf({ alarm, step, pendingPlan, now, zone, headline, prefix, url }: Facts): string {
  const change = step?.change;
  const clock = (epochMs: number) => {
    const wall = formatWallTime(epochMs, zone);
    return wall.slice(0, 10) === formatWallTime(now, zone).slice(0, 10) ? wall.slice(11, 16) : wall.slice(0, 16);
  };
  const reading = change ? `: ${valueOf(change.mean, change.change, alarm.unit)} at ${clock(change.windowStart)}` : '';
  const head = `${prefix}${headline}${reading}.`;
  const { pending } = alarm;
  if (!pending || !pendingPlan) return truncate(head, MAX_SMS_LENGTH);
  const deadline = deadlineOf(pending.since, pendingPlan.limitMinutes);
  const timing =
    deadline > now
      ? `Ack within ${duration(pendingPlan.limitMinutes * 60_000)}, by ${clock(deadline)} (${duration(deadline - now)} left)`
      : `Ack OVERDUE since ${clock(deadline)}`;
  const tail = ` ${url}`;
  const planText = ` ${timing}: ${pendingPlan.response}.`;
  const room = MAX_SMS_LENGTH - head.length - tail.length;
  return truncate(`${head}${room >= 20 ? truncate(planText, room) : ''}${tail}`, MAX_SMS_LENGTH);
}

function deadlineOf(since: number, limitMinutes: number): number {
  return since + limitMinutes * 60_000;
}

/** What happened, in words: the first line of the body and the start of the subject and SMS. */
function headlineOf(due: DueNotification, alarm: Alarm, now: number): string {
  const at = `${alarm.instrumentId} (${alarm.instrumentType})`;
  const level = due.level.toUpperCase();
  const change = due.step?.change;
  switch (due.kind) {
    case 'opened':
      return `${level} at ${at}`;
    case 'escalated':
      return `${level} at ${at}, up from ${change?.from.toUpperCase()}`;
    case 'de-escalated':
      return `${at} down to ${level} from ${change?.from.toUpperCase()}`;
    case 'cleared':
      return `${at} back to normal, alarm cleared (was ${level})`;
    case 'withdrawn': {
      const after = due.step?.level === 'normal' ? 'alarm cleared' : `now ${due.step?.level.toUpperCase()}`;
      return `${at} change ${change?.from.toUpperCase()} to ${change?.to.toUpperCase()} withdrawn on re-evaluation, ${after}`;
    }
    case 'tier':
    case 'reminder': {
      const since = alarm.pending?.since ?? due.dueAt;
      return `${due.kind === 'reminder' ? 'Reminder: ' : ''}${level} at ${at} not acknowledged for ${duration(now - since)}`;
    }
  }
}

/** The latest step (not a withdrawal) that took the alarm to `level`, else the latest step. */
function stepReaching(alarm: Alarm, level: AlarmLevel): AlarmStep | null {
  const reaching = alarm.history.findLast((step) => step.kind !== 'withdrawn' && step.level === level);
  return reaching ?? alarm.history.at(-1) ?? null;
}

function valueOf(mean: number, change: number | null, unit: string): string {
  return `${formatMeasure(mean)} ${unit}${change !== null ? ` (${signed(change)} ${unit} from baseline)` : ''}`;
}

/** An instant on the site's clock: `2026-03-05 02:04:10 UTC+11:00`, or without seconds. */
function siteTime(epochMs: number, zone: string, seconds = true): string {
  const wall = formatWallTime(epochMs, zone);
  return `${seconds ? wall : wall.slice(0, 16)} ${formatUtcOffset(utcOffsetMinutes(epochMs, zone))}`;
}

/** A span in whole minutes: `45 min`, `1 h 5 min`, `2 d 3 h`. */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const hours = Math.floor((minutes % 1440) / 60);
  return `${Math.floor(minutes / 1440)} d${hours ? ` ${hours} h` : ''}`;
}

/** A reading or a change as people read it: at most three decimals, no trailing zeros (`-10.433`, `160`). */
export function formatMeasure(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${formatMeasure(value)}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A word the shell passes through unchanged: quoted unless plain. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
