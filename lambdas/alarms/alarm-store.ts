import {
  acknowledge,
  applyChange,
  applyWithdrawal,
  type AcknowledgeResult,
  type Acknowledgement,
  type Alarm,
  type AlarmLevel,
  type AlarmState,
  type AlarmStep,
  type ConfirmedChange,
} from '../domain/alarms.js';
import type { DueNotification, NotificationKind } from '../domain/escalation.js';
import type { InstrumentType } from '../domain/instrument-types.js';
import { describeScope, planFor, type ResponsePlanEntry, type ResponsePlanRule, type ResponsePlanScope } from '../domain/response-plans.js';
import type { BandKey } from '../domain/status-machine.js';
import type { TriggerStatus } from '../domain/trigger-levels.js';
import type { SqlDatabase, SqlSession } from '../db/sql-client.js';
import {
  CLAIM_NOTIFICATION,
  DELETE_RESPONSE_PLANS,
  INSERT_ACKNOWLEDGEMENTS,
  INSERT_AUDIT,
  INSERT_STEPS,
  LIST_ALARMS,
  LOCK_ALARM,
  LOCK_ALARMS_WITH_CHANGES,
  LOCK_CURRENT_ALARMS,
  LOCK_RESPONSE_PLANS,
  MARK_CHANGES_APPLIED,
  MARK_NOTIFICATIONS_DONE,
  MARK_WITHDRAWALS_APPLIED,
  RECORD_FAILED,
  RECORD_SENT,
  REOPEN_NOTIFICATIONS,
  SELECT_ACKNOWLEDGEMENTS,
  SELECT_ALARM_IDS_STARTING,
  SELECT_ALARMS,
  SELECT_ALARMS_NEEDING_NOTIFICATION,
  SELECT_AUDIT,
  SELECT_CLAIMED,
  SELECT_NOTIFICATIONS,
  SELECT_PENDING_CHANGES,
  SELECT_RESPONSE_PLANS,
  SELECT_STEPS,
  UPSERT_ALARMS,
  UPSERT_RESPONSE_PLANS,
} from './alarm-sql.js';

/** Attempts a notification gets (the first and the retries) before it is abandoned. */
export const NOTIFICATION_ATTEMPTS = 5;

/**
 * How long a claim stays `sending` before it is claimed again: the window in which a crash
 * between publishing and recording the outcome leads to a second delivery.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** Who the audit names for what the pipeline and the escalation function do. */
export const AUDIT_ACTORS = { pipeline: 'pipeline', escalation: 'escalation' } as const;

/** The audit's actor for a step a rebuild found: `rebuild <run id>`. */
export function rebuildActor(runId: string): string {
  return `rebuild ${runId}`;
}

/** What applying a shard's pending changes did: one count per kind of alarm step. */
export interface AlarmChangesApplied {
  readonly opened: number;
  readonly escalated: number;
  readonly deescalated: number;
  readonly cleared: number;
  readonly withdrawn: number;
}

export const NO_ALARM_CHANGES: AlarmChangesApplied = { opened: 0, escalated: 0, deescalated: 0, cleared: 0, withdrawn: 0 };

/** The steps applied, all kinds together. */
export function alarmStepsApplied(applied: AlarmChangesApplied): number {
  return applied.opened + applied.escalated + applied.deescalated + applied.cleared + applied.withdrawn;
}

/** Which alarms to list; every field narrows. `from`/`to` (epoch ms) keep alarms in force at some time in [from, to). */
export interface AlarmFilter {
  readonly state?: AlarmState;
  readonly level?: AlarmLevel;
  readonly instrumentType?: InstrumentType;
  readonly from?: number;
  readonly to?: number;
  readonly instrumentId?: string;
}

/** A page request: the cursor of the previous page's `nextCursor`, and at most `limit` alarms (1..200, default 50). */
export interface AlarmPageRequest {
  readonly cursor?: string | null;
  readonly limit?: number;
}

export interface AlarmPage {
  /** Newest opening first. */
  readonly alarms: Alarm[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** A page cursor that this store did not write. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export type NotificationState = 'sending' | 'sent' | 'failed' | 'abandoned';

/** One notification of an alarm as recorded. Times are epoch ms. */
export interface NotificationRecord {
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly tier: number;
  readonly level: AlarmLevel;
  readonly dueAt: number;
  readonly state: NotificationState;
  readonly attempts: number;
  readonly claimedAt: number;
  readonly sentAt: number | null;
  readonly channel: string | null;
  readonly messageId: string | null;
  readonly error: string | null;
}

export type AuditAction =
  'opened' | 'escalated' | 'de-escalated' | 'cleared' | 'withdrawn' | 'notified' | 'notification-failed' | 'acknowledged' | 'plan-changed';

/** One row of the append-only audit. */
export interface AuditEntry {
  readonly auditId: number;
  readonly at: number;
  readonly alarmId: string | null;
  /** A user's id for people, `pipeline` or `escalation` for the functions. */
  readonly actor: string;
  readonly action: AuditAction;
  readonly detail: Record<string, unknown>;
}

export interface AlarmDetail {
  readonly alarm: Alarm;
  readonly notifications: NotificationRecord[];
  readonly audit: AuditEntry[];
}

export interface AlarmStoreOptions {
  /** Processing time: alarm steps, claims, outcomes and audit rows. Default `Date.now`. */
  readonly now?: () => number;
}

/** Pending changes per page (and per transaction). */
const CHANGES_PER_PAGE = 100;
/** Ids per statement when reading alarms by id. */
const IDS_PER_STATEMENT = 200;
const ROWS_PER_STATEMENT = 400;
/** Longest error text kept with a failed notification. */
const ERROR_CHARS = 1_000;

/**
 * The alarm lifecycle in the batch store (Aurora through the Data API): applying confirmed
 * status changes to alarms (the batch processor), claiming and recording notifications (the
 * escalation function), acknowledgements and response plans (the HTTP API). The rules are
 * the domain's (`lambdas/domain/alarms.ts`, `escalation.ts`, `response-plans.ts`); this
 * class reads alarms, hands them to the domain and writes what it returns, with an audit
 * row for each open, step, notification outcome, acknowledgement and plan change.
 */
export class AlarmStore {
  private readonly now: () => number;

  constructor(
    private readonly db: SqlDatabase,
    options: AlarmStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies this shard's confirmed status changes to its instruments' alarms, oldest first
   * (withdrawals first), a page per transaction: each opens, escalates, de-escalates or
   * clears its instrument's alarm, appends the step and its audit row, and marks the change
   * applied. A replayed change (its key already in the alarm's history) changes nothing.
   * A change withdrawn after it was applied makes its alarm take the instrument's status now;
   * one found again after that is applied as a new change.
   */
  async applyPendingChanges(shardId: string, limit = CHANGES_PER_PAGE): Promise<AlarmChangesApplied> {
    let total = NO_ALARM_CHANGES;
    for (;;) {
      const page = await this.db.transaction((session) => this.applyPage(session, shardId, limit));
      total = addApplied(total, page.applied);
      if (page.rows < limit || page.marked === 0) return total;
    }
  }

  private async applyPage(
    session: SqlSession,
    shardId: string,
    limit: number,
  ): Promise<{ rows: number; marked: number; applied: AlarmChangesApplied }> {
    const rows = await session.query<PendingChangeRow>(SELECT_PENDING_CHANGES, { shard: shardId, limit });
    if (rows.length === 0) return { rows: 0, marked: 0, applied: NO_ALARM_CHANGES };
    const now = this.now();
    const instruments = [...new Set(rows.map((r) => r.instrument_id))].map((instrument_id) => ({ instrument_id }));
    const withdrawnKeys = rows.filter((r) => r.pending === 'withdrawal' || r.restored).map((r) => ({ change_key: changeKeyOf(r) }));
    const lockedIds = new Set(
      (await session.query<{ alarm_id: string }>(LOCK_CURRENT_ALARMS, { ids: { json: instruments } })).map((r) => r.alarm_id),
    );
    if (withdrawnKeys.length > 0)
      for (const r of await session.query<{ alarm_id: string }>(LOCK_ALARMS_WITH_CHANGES, { ids: { json: withdrawnKeys } }))
        lockedIds.add(r.alarm_id);
    const loaded = await readAlarms(session, [...lockedIds]);

    const work = new AlarmWork(loaded);
    const audit: AuditRow[] = [];
    const applied: Array<ReturnType<typeof changeKeyRow>> = [];
    const withdrawals: Array<ReturnType<typeof changeKeyRow>> = [];
    let counts = NO_ALARM_CHANGES;
    const record = (alarm: Alarm, step: AlarmStep) => {
      work.update(alarm);
      const actor = step.rebuiltBy === undefined ? AUDIT_ACTORS.pipeline : rebuildActor(step.rebuiltBy);
      audit.push({ alarm_id: alarm.alarmId, actor, action: step.kind, detail: stepDetail(step) });
      counts = countStep(counts, step);
    };

    for (const row of rows) {
      const change = changeFromRow(row, now);
      if (row.pending === 'withdrawal') {
        withdrawals.push(changeKeyRow(row));
        const holder = work.holding(change.changeKey);
        if (!holder) continue; // The change made no step (it left its alarm's level as it was).
        // A cleared alarm is not reopened while the instrument has another open: that one takes the status now.
        const target = holder.state === 'cleared' ? (work.open(row.instrument_id) ?? holder) : holder;
        const { alarm, step } = applyWithdrawal(target, change, row.status_now, now, row.rebuilt_by);
        if (alarm !== target) record(alarm, step);
        continue;
      }
      applied.push(changeKeyRow(row));
      const current = work.current(row.instrument_id);
      const result = applyChange(current, row.restored ? restoredChange(change, work) : change, row.rebuilt_by);
      if (!result.alarm || !result.step) continue;
      const opened = result.alarm.alarmId !== current?.alarmId;
      record(opened ? await this.freshAlarmId(session, result.alarm, work) : result.alarm, result.step);
    }

    await saveAlarms(session, work.changed(), now);
    await insertAudit(session, audit, now);
    let marked = 0;
    for (const chunk of chunks(applied, ROWS_PER_STATEMENT))
      marked += await session.execute(MARK_CHANGES_APPLIED, { rows: { json: chunk }, now: iso(now) });
    for (const chunk of chunks(withdrawals, ROWS_PER_STATEMENT))
      marked += await session.execute(MARK_WITHDRAWALS_APPLIED, { rows: { json: chunk }, now: iso(now) });
    return { rows: rows.length, marked, applied: counts };
  }

  /**
   * A new alarm with the id the domain gave it, unless an older alarm of the instrument (not
   * its latest, which the domain looked at) already has that id: then the next free `~n`.
   */
  private async freshAlarmId(session: SqlSession, alarm: Alarm, work: AlarmWork): Promise<Alarm> {
    const base = alarm.alarmId.replace(/~\d+$/, '');
    const taken = new Set([
      ...(await session.query<{ alarm_id: string }>(SELECT_ALARM_IDS_STARTING, { alarm_id: base })).map((r) => r.alarm_id),
      ...work.ids(),
    ]);
    if (!taken.has(alarm.alarmId)) return alarm;
    let n = 2;
    while (taken.has(`${base}~${n}`)) n += 1;
    return { ...alarm, alarmId: `${base}~${n}` };
  }

  /** Open alarms, and cleared ones whose notifications are not yet finished, with their history. */
  async alarmsNeedingNotification(): Promise<Alarm[]> {
    const ids = (await this.db.query<{ alarm_id: string }>(SELECT_ALARMS_NEEDING_NOTIFICATION)).map((r) => r.alarm_id);
    return readAlarms(this.db, ids);
  }

  /**
   * The notifications of these alarms that are not to be claimed again: sent, abandoned, or
   * claimed less than a lease ago. Failed ones and expired claims are not in it: they are due again.
   */
  async claimedIds(alarmIds: readonly string[]): Promise<Set<string>> {
    const claimed = new Set<string>();
    const leaseExpiredBefore = iso(this.now() - CLAIM_LEASE_MS);
    for (const ids of chunks(alarmIds, IDS_PER_STATEMENT)) {
      const rows = await this.db.query<{ notification_id: string }>(SELECT_CLAIMED, {
        ids: { json: ids.map((alarm_id) => ({ alarm_id })) },
        lease_expired_before: leaseExpiredBefore,
      });
      for (const row of rows) claimed.add(row.notification_id);
    }
    return claimed;
  }

  /**
   * Claims a due notification for sending. True for exactly one caller: the first claim, or
   * a retry of one that failed or whose claim expired (a crash between publish and record).
   * A claim that expired on its last attempt is abandoned instead (and audited), and is false.
   */
  async claim(due: DueNotification): Promise<boolean> {
    const now = this.now();
    const [row] = await this.db.query<{ state: NotificationState; attempts: number }>(CLAIM_NOTIFICATION, {
      notification_id: due.notificationId,
      alarm_id: due.alarmId,
      kind: due.kind,
      tier: due.tier,
      level: due.level,
      due_at: iso(due.dueAt),
      now: iso(now),
      lease_expired_before: iso(now - CLAIM_LEASE_MS),
      max_attempts: NOTIFICATION_ATTEMPTS,
    });
    if (!row) return false;
    if (row.state === 'abandoned') {
      await insertAudit(
        this.db,
        [
          {
            alarm_id: due.alarmId,
            actor: AUDIT_ACTORS.escalation,
            action: 'notification-failed',
            detail: {
              ...notificationDetail({ notification_id: due.notificationId, ...due, attempts: Number(row.attempts) }),
              error: 'no outcome recorded within the lease after the last attempt',
              abandoned: true,
            },
          },
        ],
        now,
      );
      return false;
    }
    return true;
  }

  /** Records a claimed notification as sent, with the channel and its message id, and audits it. */
  async recordSent(notificationId: string, channel: string, messageId: string): Promise<void> {
    const now = this.now();
    await this.db.transaction(async (session) => {
      const [row] = await session.query<OutcomeRow>(RECORD_SENT, {
        notification_id: notificationId,
        channel,
        message_id: messageId,
        now: iso(now),
      });
      if (!row) throw new Error(`notification ${notificationId} was recorded as sent but was never claimed`);
      await insertAudit(
        session,
        [
          {
            alarm_id: row.alarm_id,
            actor: AUDIT_ACTORS.escalation,
            action: 'notified',
            detail: { ...notificationDetail({ notification_id: notificationId, ...fromOutcome(row) }), channel, messageId },
          },
        ],
        now,
      );
    });
  }

  /**
   * Records a failed attempt and audits it: `failed` (claimed again on the next run) while
   * attempts remain, else `abandoned`. A notification already sent (by a retry) stays sent.
   */
  async recordFailed(notificationId: string, channel: string, error: string): Promise<'failed' | 'abandoned'> {
    const now = this.now();
    const text = error.slice(0, ERROR_CHARS);
    return this.db.transaction(async (session) => {
      const [row] = await session.query<OutcomeRow & { state: 'failed' | 'abandoned' }>(RECORD_FAILED, {
        notification_id: notificationId,
        channel,
        error: text,
        max_attempts: NOTIFICATION_ATTEMPTS,
      });
      if (!row) return 'failed';
      await insertAudit(
        session,
        [
          {
            alarm_id: row.alarm_id,
            actor: AUDIT_ACTORS.escalation,
            action: 'notification-failed',
            detail: {
              ...notificationDetail({ notification_id: notificationId, ...fromOutcome(row) }),
              channel,
              error: text,
              abandoned: row.state === 'abandoned',
            },
          },
        ],
        now,
      );
      if (row.state === 'failed') await session.execute(REOPEN_NOTIFICATIONS, { alarm_id: row.alarm_id });
      return row.state;
    });
  }

  /**
   * Cleared alarms the escalation function found nothing due for: no longer read every
   * minute (a claim still in flight keeps its alarm in; a later failure brings it back).
   */
  async markNotificationsDone(alarmIds: readonly string[]): Promise<void> {
    for (const ids of chunks(alarmIds, IDS_PER_STATEMENT))
      await this.db.execute(MARK_NOTIFICATIONS_DONE, { ids: { json: ids.map((alarm_id) => ({ alarm_id })) }, now: iso(this.now()) });
  }

  /** One page of alarms, newest opening first. Throws {@link InvalidCursorError} for a cursor it did not write. */
  async listAlarms(filter: AlarmFilter = {}, page: AlarmPageRequest = {}): Promise<AlarmPage> {
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
    const after = page.cursor ? decodeCursor(page.cursor) : null;
    const rows = await this.db.query<{ alarm_id: string; opened_at_ms: number | string }>(LIST_ALARMS, {
      state: filter.state ?? null,
      level: filter.level ?? null,
      instrument_type: filter.instrumentType ?? null,
      instrument_id: filter.instrumentId ?? null,
      from: filter.from === undefined ? null : iso(filter.from),
      to: filter.to === undefined ? null : iso(filter.to),
      after_at: after ? iso(after.openedAt) : null,
      after_id: after?.alarmId ?? null,
      limit: limit + 1,
    });
    const shown = rows.slice(0, limit);
    const byId = new Map(
      (
        await readAlarms(
          this.db,
          shown.map((r) => r.alarm_id),
        )
      ).map((a) => [a.alarmId, a]),
    );
    const last = shown.at(-1);
    return {
      alarms: shown.map((r) => byId.get(r.alarm_id)!),
      nextCursor: rows.length > limit && last ? encodeCursor(Number(last.opened_at_ms), last.alarm_id) : null,
    };
  }

  /** An alarm with its notifications and its audit, or null. */
  async getAlarm(alarmId: string): Promise<AlarmDetail | null> {
    const [alarm] = await readAlarms(this.db, [alarmId]);
    if (!alarm) return null;
    const notifications = await this.db.query<NotificationRow>(SELECT_NOTIFICATIONS, { alarm_id: alarmId });
    const audit = await this.db.query<AuditRowRead>(SELECT_AUDIT, { alarm_id: alarmId });
    return { alarm, notifications: notifications.map(notificationFromRow), audit: audit.map(auditFromRow) };
  }

  /**
   * Acknowledges an alarm at its pending level, under a lock on the alarm, by the domain's
   * rule and the response plan for that level; an acknowledgement is stored and audited.
   * Idempotent: an alarm with nothing pending answers `already-acknowledged` and changes nothing.
   */
  async acknowledge(alarmId: string, request: Omit<Acknowledgement, 'level'>): Promise<AcknowledgeResult | 'not-found'> {
    return this.db.transaction(async (session) => {
      const locked = await session.query<{ alarm_id: string }>(LOCK_ALARM, { alarm_id: alarmId });
      if (locked.length === 0) return 'not-found';
      const [alarm] = await readAlarms(session, [alarmId]);
      if (!alarm) return 'not-found';
      const rules = await readResponsePlanRules(session);
      const plan = planFor(rules, alarm.instrumentType, alarm.instrumentId, alarm.pending?.level ?? alarm.level);
      const result = acknowledge(alarm, request, plan);
      if (result.outcome !== 'acknowledged') return result;
      const now = this.now();
      await saveAlarms(session, [{ before: alarm, after: result.alarm }], now);
      const ack = result.acknowledgement;
      await insertAudit(
        session,
        [
          {
            alarm_id: alarmId,
            actor: ack.by,
            action: 'acknowledged',
            detail: {
              byName: ack.byName,
              level: ack.level,
              at: iso(ack.at),
              note: ack.note,
              response: ack.response,
              plan: { response: plan.response, limitMinutes: plan.limitMinutes, source: plan.source },
            },
          },
        ],
        now,
      );
      return result;
    });
  }

  /** The response plan rules as stored (levels without one follow the domain's default plan). */
  async responsePlanRules(): Promise<ResponsePlanRule[]> {
    return readResponsePlanRules(this.db);
  }

  /**
   * Replaces the response plan rules with `rules` (the full list), under a lock: each rule
   * added, changed or removed is written and audited as `plan-changed` by `actor`. Returns
   * how many changed. Two rules for one scope and level are refused.
   */
  async putResponsePlanRules(rules: readonly ResponsePlanRule[], actor: string): Promise<{ changed: number }> {
    const wanted = new Map<string, ResponsePlanRule>();
    for (const rule of rules) {
      const key = ruleKey(rule.scope, rule.level);
      if (wanted.has(key)) throw new RangeError(`two response plan rules for ${describeScope(rule.scope)} at ${rule.level}`);
      wanted.set(key, rule);
    }
    const now = this.now();
    return this.db.transaction(async (session) => {
      await session.query(LOCK_RESPONSE_PLANS);
      const current = new Map((await readResponsePlanRules(session)).map((rule) => [ruleKey(rule.scope, rule.level), rule]));
      const upserts: ResponsePlanRule[] = [];
      const removals: ResponsePlanRule[] = [];
      const audit: AuditRow[] = [];
      for (const [key, rule] of wanted) {
        const before = current.get(key);
        if (before && sameEntry(before.entry, rule.entry)) continue;
        upserts.push(rule);
        audit.push(planAudit(actor, rule, before?.entry ?? null, rule.entry));
      }
      for (const [key, rule] of current) {
        if (wanted.has(key)) continue;
        removals.push(rule);
        audit.push(planAudit(actor, rule, rule.entry, null));
      }
      for (const chunk of chunks(upserts.map(planRow), ROWS_PER_STATEMENT))
        await session.execute(UPSERT_RESPONSE_PLANS, { rows: { json: chunk }, actor, now: iso(now) });
      for (const chunk of chunks(removals.map(planRow), ROWS_PER_STATEMENT))
        await session.execute(DELETE_RESPONSE_PLANS, { rows: { json: chunk } });
      await insertAudit(session, audit, now);
      return { changed: audit.length };
    });
  }
}

/** The alarms a page reads and changes, by id, with the open one per instrument. */
class AlarmWork {
  private readonly before = new Map<string, Alarm>();
  private readonly alarms = new Map<string, Alarm>();
  private readonly touched = new Set<string>();

  constructor(loaded: readonly Alarm[]) {
    for (const alarm of loaded) {
      this.before.set(alarm.alarmId, alarm);
      this.alarms.set(alarm.alarmId, alarm);
    }
  }

  open(instrumentId: string): Alarm | undefined {
    for (const alarm of this.alarms.values()) if (alarm.instrumentId === instrumentId && alarm.state === 'open') return alarm;
    return undefined;
  }

  /** The instrument's open alarm, else the one found last (the domain recognises a replay by its history), else null. */
  current(instrumentId: string): Alarm | null {
    const open = this.open(instrumentId);
    if (open) return open;
    const all = [...this.alarms.values()].filter((a) => a.instrumentId === instrumentId);
    return all.sort((a, b) => b.foundAt - a.foundAt || (a.alarmId < b.alarmId ? 1 : -1))[0] ?? null;
  }

  /** The alarm whose history holds a change (other than as a withdrawal), the open one first. */
  holding(changeKey: string): Alarm | undefined {
    const holders = [...this.alarms.values()].filter((a) =>
      a.history.some((step) => step.kind !== 'withdrawn' && step.change.changeKey === changeKey),
    );
    return holders.find((a) => a.state === 'open') ?? holders.sort((a, b) => b.openedAt - a.openedAt)[0];
  }

  ids(): string[] {
    return [...this.alarms.keys()];
  }

  update(alarm: Alarm): void {
    this.alarms.set(alarm.alarmId, alarm);
    this.touched.add(alarm.alarmId);
  }

  changed(): Array<{ before: Alarm | null; after: Alarm }> {
    return [...this.touched].map((id) => ({ before: this.before.get(id) ?? null, after: this.alarms.get(id)! }));
  }
}

/** The instrument a change or an alarm is about, as its rows name it. */
interface InstrumentColumns {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
}

/** A confirmed change's columns, the same in `trigger_events` (pending) and `alarm_steps` (applied). */
interface ChangeColumns {
  window_start_ms: number | string;
  window_end_ms: number | string;
  from_status: TriggerStatus;
  to_status: TriggerStatus;
  window_mean: number;
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
  cause: BandKey | null;
  change_value: number | null;
  rate_per_day: number | null;
  baseline_id: string | null;
  baseline_value: number | null;
  late: boolean;
}

interface PendingChangeRow extends InstrumentColumns, ChangeColumns {
  pending: 'change' | 'withdrawal';
  /** A change found again after its withdrawal was applied. */
  restored: boolean;
  /** The rebuild run that found the change (or withdrew it, for a withdrawal); null for the pipeline. */
  rebuilt_by: string | null;
  status_now: TriggerStatus;
}

interface AlarmRow extends InstrumentColumns {
  alarm_id: string;
  state: AlarmState;
  level: AlarmLevel;
  peak_level: AlarmLevel;
  opened_at_ms: number | string;
  found_at_ms: number | string;
  cleared_at_ms: number | string | null;
  pending_level: AlarmLevel | null;
  pending_since_ms: number | string | null;
}

interface StepRow extends ChangeColumns {
  alarm_id: string;
  change_key: string;
  kind: AlarmStep['kind'];
  level_after: TriggerStatus;
  found_at_ms: number | string;
  rebuilt_by: string | null;
}

interface AcknowledgementRow {
  alarm_id: string;
  at_ms: number | string;
  user_id: string;
  user_name: string;
  level: AlarmLevel;
  note: string;
  response: string | null;
}

interface NotificationRow {
  notification_id: string;
  kind: NotificationKind;
  tier: number;
  level: AlarmLevel;
  due_at_ms: number | string;
  state: NotificationState;
  attempts: number;
  claimed_at_ms: number | string;
  sent_at_ms: number | string | null;
  channel: string | null;
  message_id: string | null;
  error: string | null;
}

interface OutcomeRow {
  alarm_id: string;
  kind: NotificationKind;
  tier: number;
  level: AlarmLevel;
  attempts: number;
}

interface AuditRow {
  alarm_id: string | null;
  actor: string;
  action: AuditAction;
  detail: Record<string, unknown>;
}

interface AuditRowRead {
  audit_id: number | string;
  at_ms: number | string;
  alarm_id: string | null;
  actor: string;
  action: AuditAction;
  detail: string;
}

interface ResponsePlanRow {
  scope_kind: ResponsePlanScope['kind'];
  scope: string;
  level: AlarmLevel;
  response: string;
  limit_minutes: number;
  note_required: boolean;
}

/** The key a change is known by everywhere: `<instrument>@<window start, epoch ms>:<from>-<to>`. */
function changeKeyOf(row: Pick<PendingChangeRow, 'instrument_id' | 'window_start_ms' | 'from_status' | 'to_status'>): string {
  return `${row.instrument_id}@${Number(row.window_start_ms)}:${row.from_status}-${row.to_status}`;
}

/**
 * A change found again after its withdrawal was applied to its alarm: applied as a new
 * change (`<key>~restored-<n>`, n counting its withdrawals), since its key is in the alarm's
 * history already and would read as a replay.
 */
function restoredChange(change: ConfirmedChange, work: AlarmWork): ConfirmedChange {
  const withdrawals = work
    .holding(change.changeKey)
    ?.history.filter((s) => s.kind === 'withdrawn' && s.change.changeKey === change.changeKey);
  return { ...change, changeKey: `${change.changeKey}~restored-${Math.max(1, withdrawals?.length ?? 0)}` };
}

function changeKeyRow(row: PendingChangeRow) {
  return {
    instrument_id: row.instrument_id,
    window_start: iso(Number(row.window_start_ms)),
    from_status: row.from_status,
    to_status: row.to_status,
  };
}

/** The change a row holds, about `instrument`, under `changeKey`, found (processing time) at `foundAt`. */
function changeFromColumns(row: ChangeColumns, instrument: InstrumentColumns, changeKey: string, foundAt: number): ConfirmedChange {
  return {
    changeKey,
    instrumentId: instrument.instrument_id,
    instrumentType: instrument.instrument_type,
    unit: instrument.unit,
    windowStart: Number(row.window_start_ms),
    windowEnd: Number(row.window_end_ms),
    from: row.from_status,
    to: row.to_status,
    foundAt,
    mean: row.window_mean,
    levels:
      row.trigger_alert !== null && row.trigger_alarm !== null && row.trigger_action !== null
        ? { alert: row.trigger_alert, alarm: row.trigger_alarm, action: row.trigger_action }
        : null,
    cause: row.cause,
    change: row.change_value,
    rate: row.rate_per_day,
    baseline: row.baseline_id === null || row.baseline_value === null ? null : { id: row.baseline_id, value: row.baseline_value },
    late: row.late,
  };
}

function changeFromRow(row: PendingChangeRow, foundAt: number): ConfirmedChange {
  return changeFromColumns(row, row, changeKeyOf(row), foundAt);
}

/** Reads alarms with their history and acknowledgements, in the order of `ids` (unknown ids left out). */
async function readAlarms(session: SqlSession, ids: readonly string[]): Promise<Alarm[]> {
  const alarms = new Map<string, Alarm>();
  for (const chunk of chunks(ids, IDS_PER_STATEMENT)) {
    const params = { ids: { json: chunk.map((alarm_id) => ({ alarm_id })) } };
    const rows = await session.query<AlarmRow>(SELECT_ALARMS, params);
    if (rows.length === 0) continue;
    const steps = new Map<string, AlarmStep[]>();
    for (const step of await session.query<StepRow>(SELECT_STEPS, params)) {
      const list = steps.get(step.alarm_id) ?? [];
      list.push(
        stepFromRow(
          step,
          rows.find((r) => r.alarm_id === step.alarm_id)!,
        ),
      );
      steps.set(step.alarm_id, list);
    }
    const acks = new Map<string, Acknowledgement[]>();
    for (const ack of await session.query<AcknowledgementRow>(SELECT_ACKNOWLEDGEMENTS, params)) {
      const list = acks.get(ack.alarm_id) ?? [];
      list.push({
        by: ack.user_id,
        byName: ack.user_name,
        at: Number(ack.at_ms),
        level: ack.level,
        note: ack.note,
        response: ack.response,
      });
      acks.set(ack.alarm_id, list);
    }
    for (const row of rows) alarms.set(row.alarm_id, alarmFromRow(row, steps.get(row.alarm_id) ?? [], acks.get(row.alarm_id) ?? []));
  }
  return ids.flatMap((id) => alarms.get(id) ?? []);
}

function alarmFromRow(row: AlarmRow, history: AlarmStep[], acknowledgements: Acknowledgement[]): Alarm {
  return {
    alarmId: row.alarm_id,
    instrumentId: row.instrument_id,
    instrumentType: row.instrument_type,
    unit: row.unit,
    state: row.state,
    level: row.level,
    peakLevel: row.peak_level,
    openedAt: Number(row.opened_at_ms),
    foundAt: Number(row.found_at_ms),
    clearedAt: row.cleared_at_ms === null ? null : Number(row.cleared_at_ms),
    pending:
      row.pending_level === null || row.pending_since_ms === null
        ? null
        : { level: row.pending_level, since: Number(row.pending_since_ms) },
    acknowledgements,
    history,
  };
}

function stepFromRow(row: StepRow, alarm: AlarmRow): AlarmStep {
  const step: AlarmStep = {
    kind: row.kind,
    level: row.level_after,
    change: changeFromColumns(row, alarm, row.change_key, Number(row.found_at_ms)),
  };
  return row.rebuilt_by === null ? step : { ...step, rebuiltBy: row.rebuilt_by };
}

/** Writes alarms as they are after a change: the row, and the history steps and acknowledgements added since `before`. */
async function saveAlarms(session: SqlSession, changed: ReadonlyArray<{ before: Alarm | null; after: Alarm }>, now: number) {
  if (changed.length === 0) return;
  const alarms = changed.map(({ after: a }) => ({
    alarm_id: a.alarmId,
    instrument_id: a.instrumentId,
    instrument_type: a.instrumentType,
    unit: a.unit,
    state: a.state,
    level: a.level,
    peak_level: a.peakLevel,
    opened_at: iso(a.openedAt),
    found_at: iso(a.foundAt),
    cleared_at: a.clearedAt === null ? null : iso(a.clearedAt),
    pending_level: a.pending?.level ?? null,
    pending_since: a.pending ? iso(a.pending.since) : null,
  }));
  const steps = changed.flatMap(({ before, after }) =>
    after.history.slice(before?.history.length ?? 0).map((step, i) => stepRow(after.alarmId, (before?.history.length ?? 0) + i + 1, step)),
  );
  const acks = changed.flatMap(({ before, after }) =>
    after.acknowledgements.slice(before?.acknowledgements.length ?? 0).map((ack) => ({
      alarm_id: after.alarmId,
      acknowledged_at: iso(ack.at),
      user_id: ack.by,
      user_name: ack.byName,
      level: ack.level,
      note: ack.note,
      response: ack.response,
    })),
  );
  for (const chunk of chunks(alarms, ROWS_PER_STATEMENT)) await session.execute(UPSERT_ALARMS, { rows: { json: chunk }, now: iso(now) });
  for (const chunk of chunks(steps, ROWS_PER_STATEMENT)) await session.execute(INSERT_STEPS, { rows: { json: chunk } });
  for (const chunk of chunks(acks, ROWS_PER_STATEMENT)) await session.execute(INSERT_ACKNOWLEDGEMENTS, { rows: { json: chunk } });
}

function stepRow(alarmId: string, stepNo: number, step: AlarmStep) {
  const c = step.change;
  return {
    alarm_id: alarmId,
    change_key: c.changeKey,
    kind: step.kind,
    step_no: stepNo,
    level_after: step.level,
    window_start: iso(c.windowStart),
    window_end: iso(c.windowEnd),
    from_status: c.from,
    to_status: c.to,
    window_mean: c.mean,
    trigger_alert: c.levels?.alert ?? null,
    trigger_alarm: c.levels?.alarm ?? null,
    trigger_action: c.levels?.action ?? null,
    cause: c.cause,
    change_value: c.change,
    rate_per_day: c.rate,
    baseline_id: c.baseline?.id ?? null,
    baseline_value: c.baseline?.value ?? null,
    late: c.late,
    found_at: iso(c.foundAt),
    rebuilt_by: step.rebuiltBy ?? null,
  };
}

async function insertAudit(session: SqlSession, rows: readonly AuditRow[], now: number): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) await session.execute(INSERT_AUDIT, { rows: { json: chunk }, now: iso(now) });
}

function stepDetail(step: AlarmStep): Record<string, unknown> {
  const c = step.change;
  return {
    changeKey: c.changeKey,
    level: step.level,
    from: c.from,
    to: c.to,
    windowStart: iso(c.windowStart),
    mean: c.mean,
    unit: c.unit,
    cause: c.cause,
    late: c.late,
  };
}

function notificationDetail(n: { notification_id: string; kind: NotificationKind; tier: number; level: AlarmLevel; attempts: number }) {
  return { notificationId: n.notification_id, kind: n.kind, tier: Number(n.tier), level: n.level, attempt: Number(n.attempts) };
}

function fromOutcome(row: OutcomeRow) {
  return { kind: row.kind, tier: row.tier, level: row.level, attempts: row.attempts };
}

function countStep(counts: AlarmChangesApplied, step: AlarmStep): AlarmChangesApplied {
  switch (step.kind) {
    case 'opened':
      return { ...counts, opened: counts.opened + 1 };
    case 'escalated':
      return { ...counts, escalated: counts.escalated + 1 };
    case 'de-escalated':
      return { ...counts, deescalated: counts.deescalated + 1 };
    case 'cleared':
      return { ...counts, cleared: counts.cleared + 1 };
    case 'withdrawn':
      return { ...counts, withdrawn: counts.withdrawn + 1 };
  }
}

function addApplied(a: AlarmChangesApplied, b: AlarmChangesApplied): AlarmChangesApplied {
  return {
    opened: a.opened + b.opened,
    escalated: a.escalated + b.escalated,
    deescalated: a.deescalated + b.deescalated,
    cleared: a.cleared + b.cleared,
    withdrawn: a.withdrawn + b.withdrawn,
  };
}

function notificationFromRow(row: NotificationRow): NotificationRecord {
  return {
    notificationId: row.notification_id,
    kind: row.kind,
    tier: Number(row.tier),
    level: row.level,
    dueAt: Number(row.due_at_ms),
    state: row.state,
    attempts: Number(row.attempts),
    claimedAt: Number(row.claimed_at_ms),
    sentAt: row.sent_at_ms === null ? null : Number(row.sent_at_ms),
    channel: row.channel,
    messageId: row.message_id,
    error: row.error,
  };
}

function auditFromRow(row: AuditRowRead): AuditEntry {
  return {
    auditId: Number(row.audit_id),
    at: Number(row.at_ms),
    alarmId: row.alarm_id,
    actor: row.actor,
    action: row.action,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

async function readResponsePlanRules(session: SqlSession): Promise<ResponsePlanRule[]> {
  const rows = await session.query<ResponsePlanRow>(SELECT_RESPONSE_PLANS);
  return rows.map((row) => ({
    scope: scopeFromRow(row),
    level: row.level,
    entry: { response: row.response, limitMinutes: Number(row.limit_minutes), noteRequired: row.note_required },
  }));
}

function scopeFromRow(row: ResponsePlanRow): ResponsePlanScope {
  if (row.scope_kind === 'type') return { kind: 'type', instrumentType: row.scope as InstrumentType };
  if (row.scope_kind === 'instrument') return { kind: 'instrument', instrumentId: row.scope };
  return { kind: 'default' };
}

function scopeText(scope: ResponsePlanScope): string {
  if (scope.kind === 'type') return scope.instrumentType;
  if (scope.kind === 'instrument') return scope.instrumentId;
  return '';
}

function ruleKey(scope: ResponsePlanScope, level: AlarmLevel): string {
  return `${scope.kind}\u0000${scopeText(scope)}\u0000${level}`;
}

function sameEntry(a: ResponsePlanEntry, b: ResponsePlanEntry): boolean {
  return a.response === b.response && a.limitMinutes === b.limitMinutes && a.noteRequired === b.noteRequired;
}

function planRow(rule: ResponsePlanRule) {
  return {
    scope_kind: rule.scope.kind,
    scope: scopeText(rule.scope),
    level: rule.level,
    response: rule.entry.response,
    limit_minutes: rule.entry.limitMinutes,
    note_required: rule.entry.noteRequired,
  };
}

function planAudit(actor: string, rule: ResponsePlanRule, before: ResponsePlanEntry | null, after: ResponsePlanEntry | null): AuditRow {
  return {
    alarm_id: null,
    actor,
    action: 'plan-changed',
    detail: { scope: rule.scope, level: rule.level, before: before && { ...before }, after: after && { ...after } },
  };
}

function encodeCursor(openedAt: number, alarmId: string): string {
  return Buffer.from(JSON.stringify([openedAt, alarmId])).toString('base64url');
}

function decodeCursor(cursor: string): { openedAt: number; alarmId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string')
      return { openedAt: value[0] as number, alarmId: value[1] };
  } catch {
    // Reported below.
  }
  throw new InvalidCursorError('the cursor is not one this API returned: start again without it');
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
