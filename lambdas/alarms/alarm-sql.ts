import { epochMs } from '../batch/status-sql.js';

/**
 * The alarm store's SQL (see alarm-store.ts), one statement per constant. As in the batch
 * store, rows travel as one JSON parameter (`jsonb_to_recordset`), times as ISO text cast to
 * timestamptz and come back as epoch milliseconds, and the writes that can be repeated are
 * idempotent: a step, an acknowledgement or a claim already stored is not stored again.
 */

const ALARM_COLUMNS = `a.alarm_id, a.instrument_id, a.instrument_type, a.unit, a.state, a.level, a.peak_level,
  ${epochMs('a.opened_at')} AS opened_at_ms, ${epochMs('a.found_at')} AS found_at_ms, ${epochMs('a.cleared_at')} AS cleared_at_ms,
  a.pending_level, ${epochMs('a.pending_since')} AS pending_since_ms`;

/** A JSON list of ids as a relation. */
const idsIn = (column: string) => `SELECT k.${column} FROM jsonb_to_recordset(:ids::jsonb) AS k(${column} text)`;

/**
 * One page of what this shard has to apply to alarms, withdrawals first: changes not yet
 * applied (and changes restored after their withdrawal was applied), and applied changes
 * withdrawn since. With the instrument's confirmed status now, which a withdrawal takes.
 */
export const SELECT_PENDING_CHANGES = `
SELECT e.instrument_id, i.instrument_type, i.unit, ${epochMs('e.window_start')} AS window_start_ms,
  ${epochMs('e.window_end')} AS window_end_ms, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action, e.cause, e.change_value, e.rate_per_day,
  e.baseline_id, e.baseline_value, e.late,
  CASE WHEN e.withdrawn_at IS NULL THEN 'change' ELSE 'withdrawal' END AS pending,
  CASE WHEN e.withdrawn_at IS NULL THEN e.rebuilt_by ELSE e.withdrawn_by END AS rebuilt_by,
  (e.withdrawn_at IS NULL AND e.withdrawal_applied_at IS NOT NULL) AS restored,
  coalesce(s.status, 'normal') AS status_now
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
LEFT JOIN instrument_status s ON s.instrument_id = e.instrument_id
WHERE EXISTS (SELECT 1 FROM window_aggregates w
    WHERE w.instrument_id = e.instrument_id AND w.window_start = e.window_start AND w.source_shard = :shard)
  AND (
  (e.withdrawn_at IS NULL AND (e.notified_at IS NULL OR e.withdrawal_applied_at IS NOT NULL))
  OR (e.withdrawn_at IS NOT NULL AND e.notified_at IS NOT NULL AND e.withdrawal_applied_at IS NULL))
ORDER BY (e.withdrawn_at IS NULL), e.window_start, e.instrument_id, e.from_status, e.to_status
LIMIT :limit`;

/**
 * The current alarm of some instruments, locked for the rest of the transaction: the open
 * one, else the one found last (a change is applied to it, so a replay is recognised).
 */
export const LOCK_CURRENT_ALARMS = `
SELECT a.alarm_id FROM alarms a
WHERE a.alarm_id IN (
  SELECT DISTINCT ON (b.instrument_id) b.alarm_id FROM alarms b
  WHERE b.instrument_id IN (${idsIn('instrument_id')})
  ORDER BY b.instrument_id, (b.state = 'open') DESC, b.found_at DESC, b.alarm_id DESC)
ORDER BY a.alarm_id
FOR UPDATE`;

/** The alarms whose history holds some changes (other than as withdrawals), locked. */
export const LOCK_ALARMS_WITH_CHANGES = `
SELECT a.alarm_id FROM alarms a
WHERE a.alarm_id IN (SELECT t.alarm_id FROM alarm_steps t WHERE t.kind <> 'withdrawn' AND t.change_key IN (${idsIn('change_key')}))
ORDER BY a.alarm_id
FOR UPDATE`;

/** One alarm, locked for the rest of the transaction. */
export const LOCK_ALARM = `SELECT a.alarm_id FROM alarms a WHERE a.alarm_id = :alarm_id FOR UPDATE`;

/** The alarm ids that start like a new one's: `<id>`, `<id>~2`, … */
export const SELECT_ALARM_IDS_STARTING = `SELECT a.alarm_id FROM alarms a WHERE starts_with(a.alarm_id, :alarm_id)`;

export const SELECT_ALARMS = `
SELECT ${ALARM_COLUMNS} FROM alarms a WHERE a.alarm_id IN (${idsIn('alarm_id')}) ORDER BY a.alarm_id`;

export const SELECT_STEPS = `
SELECT t.alarm_id, t.change_key, t.kind, t.level_after, ${epochMs('t.window_start')} AS window_start_ms,
  ${epochMs('t.window_end')} AS window_end_ms, t.from_status, t.to_status, t.window_mean,
  t.trigger_alert, t.trigger_alarm, t.trigger_action, t.cause, t.change_value, t.rate_per_day,
  t.baseline_id, t.baseline_value, t.late, ${epochMs('t.found_at')} AS found_at_ms, t.rebuilt_by
FROM alarm_steps t WHERE t.alarm_id IN (${idsIn('alarm_id')}) ORDER BY t.alarm_id, t.step_no`;

export const SELECT_ACKNOWLEDGEMENTS = `
SELECT k.alarm_id, ${epochMs('k.acknowledged_at')} AS at_ms, k.user_id, k.user_name, k.level, k.note, k.response
FROM alarm_acknowledgements k WHERE k.alarm_id IN (${idsIn('alarm_id')}) ORDER BY k.alarm_id, k.acknowledged_at, k.user_id`;

/** Writes alarms as they are now: new ones inserted, known ones updated. */
export const UPSERT_ALARMS = `
INSERT INTO alarms AS a (alarm_id, instrument_id, instrument_type, unit, state, level, peak_level, opened_at, found_at,
  cleared_at, pending_level, pending_since, updated_at)
SELECT r.alarm_id, r.instrument_id, r.instrument_type, r.unit, r.state, r.level, r.peak_level, r.opened_at, r.found_at,
  r.cleared_at, r.pending_level, r.pending_since, :now::timestamptz
FROM jsonb_to_recordset(:rows::jsonb) AS r(alarm_id text, instrument_id text, instrument_type text, unit text, state text,
  level text, peak_level text, opened_at timestamptz, found_at timestamptz, cleared_at timestamptz, pending_level text,
  pending_since timestamptz)
ON CONFLICT (alarm_id) DO UPDATE SET state = EXCLUDED.state, level = EXCLUDED.level, peak_level = EXCLUDED.peak_level,
  cleared_at = EXCLUDED.cleared_at, pending_level = EXCLUDED.pending_level, pending_since = EXCLUDED.pending_since,
  updated_at = EXCLUDED.updated_at,
  -- A new step or acknowledgement may have something to send again.
  notifications_done_at = NULL`;

export const INSERT_STEPS = `
INSERT INTO alarm_steps (alarm_id, change_key, kind, step_no, level_after, window_start, window_end, from_status, to_status,
  window_mean, trigger_alert, trigger_alarm, trigger_action, cause, change_value, rate_per_day, baseline_id, baseline_value,
  late, found_at, rebuilt_by)
SELECT t.alarm_id, t.change_key, t.kind, t.step_no, t.level_after, t.window_start, t.window_end, t.from_status, t.to_status,
  t.window_mean, t.trigger_alert, t.trigger_alarm, t.trigger_action, t.cause, t.change_value, t.rate_per_day, t.baseline_id,
  t.baseline_value, t.late, t.found_at, t.rebuilt_by
FROM jsonb_to_recordset(:rows::jsonb) AS t(alarm_id text, change_key text, kind text, step_no integer, level_after text,
  window_start timestamptz, window_end timestamptz, from_status text, to_status text, window_mean float8,
  trigger_alert float8, trigger_alarm float8, trigger_action float8, cause text, change_value float8, rate_per_day float8,
  baseline_id text, baseline_value float8, late boolean, found_at timestamptz, rebuilt_by text)
ON CONFLICT (alarm_id, change_key, kind) DO NOTHING`;

export const INSERT_ACKNOWLEDGEMENTS = `
INSERT INTO alarm_acknowledgements (alarm_id, acknowledged_at, user_id, user_name, level, note, response)
SELECT k.alarm_id, k.acknowledged_at, k.user_id, k.user_name, k.level, k.note, k.response
FROM jsonb_to_recordset(:rows::jsonb) AS k(alarm_id text, acknowledged_at timestamptz, user_id text, user_name text,
  level text, note text, response text)
ON CONFLICT (alarm_id, acknowledged_at, user_id) DO NOTHING`;

export const INSERT_AUDIT = `
INSERT INTO alarm_audit (at, alarm_id, actor, action, detail)
SELECT :now::timestamptz, r.alarm_id, r.actor, r.action, r.detail
FROM ROWS FROM (jsonb_to_recordset(:rows::jsonb) AS (alarm_id text, actor text, action text, detail jsonb))
  WITH ORDINALITY AS r(alarm_id, actor, action, detail, n)
ORDER BY r.n`;

const CHANGE_KEY = `jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz, from_status text, to_status text)`;
const CHANGE_MATCHES = `e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.from_status = k.from_status
  AND e.to_status = k.to_status`;

/** Changes handed to the alarm lifecycle (the column keeps its outbox name). */
export const MARK_CHANGES_APPLIED = `
UPDATE trigger_events AS e SET notified_at = :now::timestamptz, withdrawal_applied_at = NULL
FROM ${CHANGE_KEY}
WHERE ${CHANGE_MATCHES} AND e.withdrawn_at IS NULL`;

export const MARK_WITHDRAWALS_APPLIED = `
UPDATE trigger_events AS e SET withdrawal_applied_at = :now::timestamptz
FROM ${CHANGE_KEY}
WHERE ${CHANGE_MATCHES} AND e.withdrawn_at IS NOT NULL`;

/** Open alarms, and cleared ones the escalation function has not yet finished with. */
export const SELECT_ALARMS_NEEDING_NOTIFICATION = `
SELECT a.alarm_id FROM alarms a WHERE a.state = 'open' OR a.notifications_done_at IS NULL ORDER BY a.alarm_id`;

/**
 * Notifications of some alarms that are not to be claimed again: sent, abandoned, or being
 * sent under a claim younger than the lease. Failed ones and expired claims are left out, so
 * they are due again.
 */
export const SELECT_CLAIMED = `
SELECT n.notification_id FROM alarm_notifications n
WHERE n.alarm_id IN (${idsIn('alarm_id')})
  AND (n.state IN ('sent', 'abandoned') OR (n.state = 'sending' AND n.claimed_at > :lease_expired_before::timestamptz))`;

/**
 * Claims a notification: inserted as `sending`, or taken again when it failed or its claim
 * expired (attempts + 1). A claim that finds it sending under a live claim, sent or
 * abandoned gets no row. An expired claim that has used every attempt is abandoned instead.
 */
export const CLAIM_NOTIFICATION = `
INSERT INTO alarm_notifications AS n (notification_id, alarm_id, kind, tier, level, due_at, state, attempts, claimed_at)
VALUES (:notification_id, :alarm_id, :kind, :tier, :level, :due_at::timestamptz, 'sending', 1, :now::timestamptz)
ON CONFLICT (notification_id) DO UPDATE
  SET state = CASE WHEN n.state = 'sending' AND n.attempts >= :max_attempts THEN 'abandoned' ELSE 'sending' END,
    attempts = CASE WHEN n.state = 'sending' AND n.attempts >= :max_attempts THEN n.attempts ELSE n.attempts + 1 END,
    claimed_at = EXCLUDED.claimed_at,
    error = CASE WHEN n.state = 'sending' AND n.attempts >= :max_attempts
      THEN 'no outcome recorded within the lease after the last attempt' ELSE n.error END
  WHERE n.state = 'failed' OR (n.state = 'sending' AND n.claimed_at <= :lease_expired_before::timestamptz)
RETURNING n.state, n.attempts`;

export const RECORD_SENT = `
UPDATE alarm_notifications AS n SET state = 'sent', sent_at = :now::timestamptz, channel = :channel, message_id = :message_id,
  error = NULL
WHERE n.notification_id = :notification_id
RETURNING n.alarm_id, n.kind, n.tier, n.level, n.attempts`;

/** A failed attempt: retried on the next run while attempts remain, else abandoned. A notification already sent stays sent. */
export const RECORD_FAILED = `
UPDATE alarm_notifications AS n SET
  state = CASE WHEN n.attempts >= :max_attempts THEN 'abandoned' ELSE 'failed' END, channel = :channel, error = :error
WHERE n.notification_id = :notification_id AND n.state <> 'sent'
RETURNING n.alarm_id, n.kind, n.tier, n.level, n.attempts, n.state`;

/** A failure may need a retry: the alarm is looked at again. */
export const REOPEN_NOTIFICATIONS = `UPDATE alarms SET notifications_done_at = NULL WHERE alarm_id = :alarm_id`;

/** Cleared alarms with nothing left to send (and no claim in flight) are no longer read every minute. */
export const MARK_NOTIFICATIONS_DONE = `
UPDATE alarms AS a SET notifications_done_at = :now::timestamptz
WHERE a.alarm_id IN (${idsIn('alarm_id')}) AND a.state = 'cleared' AND a.notifications_done_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM alarm_notifications n WHERE n.alarm_id = a.alarm_id AND n.state = 'sending')`;

/**
 * One page of alarms, newest opening first, after a keyset cursor. The time filter keeps
 * the alarms in force at some time in [from, to): opened before `to`, not cleared before `from`.
 */
export const LIST_ALARMS = `
SELECT a.alarm_id, ${epochMs('a.opened_at')} AS opened_at_ms FROM alarms a
WHERE (:state::text IS NULL OR a.state = :state::text)
  AND (:level::text IS NULL OR a.level = :level::text)
  AND (:instrument_type::text IS NULL OR a.instrument_type = :instrument_type::text)
  AND (:instrument_id::text IS NULL OR a.instrument_id = :instrument_id::text)
  AND (:to::timestamptz IS NULL OR a.opened_at < :to::timestamptz)
  AND (:from::timestamptz IS NULL OR a.cleared_at IS NULL OR a.cleared_at >= :from::timestamptz)
  AND (:after_id::text IS NULL OR (a.opened_at, a.alarm_id) < (:after_at::timestamptz, :after_id::text))
ORDER BY a.opened_at DESC, a.alarm_id DESC
LIMIT :limit`;

export const SELECT_NOTIFICATIONS = `
SELECT n.notification_id, n.kind, n.tier, n.level, ${epochMs('n.due_at')} AS due_at_ms, n.state, n.attempts,
  ${epochMs('n.claimed_at')} AS claimed_at_ms, ${epochMs('n.sent_at')} AS sent_at_ms, n.channel, n.message_id, n.error
FROM alarm_notifications n WHERE n.alarm_id = :alarm_id ORDER BY n.due_at, n.tier, n.claimed_at, n.notification_id`;

export const SELECT_AUDIT = `
SELECT r.audit_id, ${epochMs('r.at')} AS at_ms, r.alarm_id, r.actor, r.action, r.detail::text AS detail
FROM alarm_audit r WHERE r.alarm_id = :alarm_id ORDER BY r.audit_id`;

export const SELECT_RESPONSE_PLANS = `
SELECT p.scope_kind, p.scope, p.level, p.response, p.limit_minutes, p.note_required
FROM response_plans p ORDER BY p.scope_kind, p.scope, p.level`;

/** Serialises changes to the response plans (any constant would do). */
export const LOCK_RESPONSE_PLANS = `SELECT pg_advisory_xact_lock(7318349394477057)`;

export const UPSERT_RESPONSE_PLANS = `
INSERT INTO response_plans AS p (scope_kind, scope, level, response, limit_minutes, note_required, updated_by, updated_at)
SELECT r.scope_kind, r.scope, r.level, r.response, r.limit_minutes, r.note_required, :actor, :now::timestamptz
FROM jsonb_to_recordset(:rows::jsonb) AS r(scope_kind text, scope text, level text, response text, limit_minutes integer,
  note_required boolean)
ON CONFLICT (scope_kind, scope, level) DO UPDATE SET response = EXCLUDED.response, limit_minutes = EXCLUDED.limit_minutes,
  note_required = EXCLUDED.note_required, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`;

export const DELETE_RESPONSE_PLANS = `
DELETE FROM response_plans AS p
USING jsonb_to_recordset(:rows::jsonb) AS r(scope_kind text, scope text, level text)
WHERE p.scope_kind = r.scope_kind AND p.scope = r.scope AND p.level = r.level`;
