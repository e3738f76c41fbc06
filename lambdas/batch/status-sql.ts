/**
 * The SQL of trigger evaluation in the batch store (see status-evaluation.ts). As in
 * aurora-sql.ts, rows travel as one JSON parameter and every write is idempotent.
 */

/** A timestamptz column as epoch milliseconds (the Data API gives timestamps as text). */
export const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Instruments of this shard with windows complete by the watermark and not yet evaluated, one page. */
export const SELECT_PENDING_INSTRUMENTS = `
SELECT p.instrument_id, i.instrument_type, i.unit, i.surface_level, i.trigger_rule::text AS trigger_rule,
  i.latitude, i.longitude, i.northing, i.easting,
  ${epochMs('p.earliest')} AS earliest_ms, s.machine_state::text AS machine_state,
  ${epochMs('s.last_window_start')} AS judged_up_to_ms
FROM (
  SELECT w.instrument_id, min(w.window_start) AS earliest
  FROM window_aggregates w
  WHERE NOT w.evaluated AND w.source_shard = :shard AND w.window_seconds = :window_seconds AND w.window_end <= :watermark::timestamptz
  GROUP BY w.instrument_id
  ORDER BY w.instrument_id
  LIMIT :limit
) p
JOIN instruments i ON i.instrument_id = p.instrument_id
LEFT JOIN instrument_status s ON s.instrument_id = p.instrument_id
ORDER BY p.instrument_id`;

/**
 * The given instruments, as SELECT_PENDING_INSTRUMENTS gives them, to be judged again from
 * a time (a rebuild): `earliest` is that time rather than their earliest pending window.
 */
export const SELECT_INSTRUMENTS_TO_REJUDGE = `
SELECT i.instrument_id, i.instrument_type, i.unit, i.surface_level, i.trigger_rule::text AS trigger_rule,
  i.latitude, i.longitude, i.northing, i.easting,
  ${epochMs(':earliest::timestamptz')} AS earliest_ms, s.machine_state::text AS machine_state,
  ${epochMs('s.last_window_start')} AS judged_up_to_ms
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text)
JOIN instruments i ON i.instrument_id = k.instrument_id
LEFT JOIN instrument_status s ON s.instrument_id = k.instrument_id
ORDER BY i.instrument_id`;

/** Pending windows older than each instrument's late horizon: stored, never judged. */
export const MARK_BEYOND_HORIZON = `
UPDATE window_aggregates AS w SET evaluated = true, beyond_horizon = true
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, horizon timestamptz)
WHERE w.instrument_id = k.instrument_id AND w.window_seconds = :window_seconds AND NOT w.evaluated
  AND w.window_start < k.horizon`;

/** The latest checkpoint before a time, per instrument. */
export const SELECT_CHECKPOINTS = `
SELECT DISTINCT ON (c.instrument_id) c.instrument_id, c.machine_state::text AS machine_state
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, before timestamptz)
JOIN status_checkpoints c ON c.instrument_id = k.instrument_id AND c.window_start < k.before
ORDER BY c.instrument_id, c.window_start DESC`;

/**
 * Windows after each instrument's restart point, in (instrument, start) order, one page:
 * those complete by the watermark, and every window up to the instrument's latest judged one
 * (`judged_up_to`), which an earlier close found complete. A batch delivered late has a
 * watermark behind windows already judged; they are judged again with the rest, never
 * dropped (dropping them would withdraw their changes until the next close found them again).
 */
export const SELECT_WINDOWS_AFTER = `
SELECT w.instrument_id, ${epochMs('w.window_start')} AS window_start_ms, ${epochMs('w.window_end')} AS window_end_ms,
  w.reading_count, w.sum_micro, w.mean, w.min_value, w.max_value
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, after timestamptz, judged_up_to timestamptz)
JOIN window_aggregates w ON w.instrument_id = k.instrument_id AND w.window_seconds = :window_seconds
  AND (k.after IS NULL OR w.window_start > k.after)
  AND (w.window_end <= :watermark::timestamptz OR w.window_start <= k.judged_up_to) AND NOT w.beyond_horizon
WHERE (w.instrument_id, w.window_start) > (:after_instrument, :after_start::timestamptz)
ORDER BY w.instrument_id, w.window_start
LIMIT :limit`;

/** Engineers' baselines of the instruments. */
export const SELECT_MANUAL_BASELINES = `
SELECT b.instrument_id, b.baseline_id, b.value, ${epochMs('b.effective_from')} AS effective_from_ms
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text)
JOIN instrument_baselines b ON b.instrument_id = k.instrument_id AND b.source = 'manual'`;

/** Changes in force after each instrument's restart point. */
export const SELECT_RECORDED_CHANGES = `
SELECT e.instrument_id, ${epochMs('e.window_start')} AS window_start_ms, e.from_status, e.to_status
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, after timestamptz)
JOIN trigger_events e ON e.instrument_id = k.instrument_id AND (k.after IS NULL OR e.window_start > k.after)
WHERE e.withdrawn_at IS NULL`;

/** Spikes in force that ended after each instrument's restart point. */
export const SELECT_RECORDED_SPIKES = `
SELECT s.instrument_id, ${epochMs('s.since')} AS since_ms, ${epochMs('s.until')} AS until_ms, s.peak_status, s.cause
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, after timestamptz)
JOIN unconfirmed_spikes s ON s.instrument_id = k.instrument_id AND (k.after IS NULL OR s.until > k.after)
WHERE s.withdrawn_at IS NULL`;

export const WRITE_JUDGEMENTS = `
UPDATE window_aggregates AS w SET evaluated = true, status = j.status, raw_status = j.raw_status,
  change_value = j.change_value, rate_per_day = j.rate_per_day, baseline_id = j.baseline_id
FROM jsonb_to_recordset(:rows::jsonb) AS j(instrument_id text, window_start timestamptz, status text, raw_status text,
  change_value float8, rate_per_day float8, baseline_id text)
WHERE w.instrument_id = j.instrument_id AND w.window_start = j.window_start AND w.window_seconds = :window_seconds`;

export const DELETE_CHECKPOINTS_AFTER = `
DELETE FROM status_checkpoints AS c
USING jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, after timestamptz)
WHERE c.instrument_id = k.instrument_id AND (k.after IS NULL OR c.window_start > k.after)`;

export const INSERT_CHECKPOINTS = `
INSERT INTO status_checkpoints (instrument_id, window_start, machine_state)
SELECT c.instrument_id, c.window_start, c.machine_state
FROM jsonb_to_recordset(:rows::jsonb) AS c(instrument_id text, window_start timestamptz, machine_state jsonb)
ON CONFLICT (instrument_id, window_start) DO UPDATE SET machine_state = EXCLUDED.machine_state`;

export const UPSERT_MACHINE_STATUS = `
INSERT INTO instrument_status AS s (instrument_id, status, status_since, last_window_start, last_mean, machine_state)
SELECT r.instrument_id, r.status, r.status_since, r.last_window_start, r.last_mean, r.machine_state
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, status text, status_since timestamptz,
  last_window_start timestamptz, last_mean float8, machine_state jsonb)
ON CONFLICT (instrument_id) DO UPDATE SET status = EXCLUDED.status, status_since = EXCLUDED.status_since,
  last_window_start = EXCLUDED.last_window_start, last_mean = EXCLUDED.last_mean, machine_state = EXCLUDED.machine_state`;

export const WITHDRAW_CHANGES = `
UPDATE trigger_events AS e SET withdrawn_at = now()
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz, from_status text, to_status text)
WHERE e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.from_status = k.from_status
  AND e.to_status = k.to_status AND e.withdrawn_at IS NULL`;

/** A change found again after it was withdrawn is restored, and keeps its notification time. */
export const INSERT_CHANGES = `
INSERT INTO trigger_events (instrument_id, window_start, window_end, from_status, to_status, window_mean,
  trigger_alert, trigger_alarm, trigger_action, cause, confirmed_by, change_value, rate_per_day, baseline_id,
  baseline_value, late, delay_seconds)
SELECT e.instrument_id, e.window_start, e.window_end, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action, e.cause, e.confirmed_by, e.change_value, e.rate_per_day,
  e.baseline_id, e.baseline_value, e.late, e.delay_seconds
FROM jsonb_to_recordset(:rows::jsonb) AS e(instrument_id text, window_start timestamptz, window_end timestamptz,
  from_status text, to_status text, window_mean float8, trigger_alert float8, trigger_alarm float8, trigger_action float8,
  cause text, confirmed_by text, change_value float8, rate_per_day float8, baseline_id text, baseline_value float8,
  late boolean, delay_seconds float8)
ON CONFLICT (instrument_id, window_start, from_status, to_status) DO UPDATE SET withdrawn_at = NULL`;

export const WITHDRAW_SPIKES = `
UPDATE unconfirmed_spikes AS s SET withdrawn_at = now()
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, since timestamptz, until timestamptz, peak_status text)
WHERE s.instrument_id = k.instrument_id AND s.since = k.since AND s.until = k.until AND s.peak_status = k.peak_status
  AND s.withdrawn_at IS NULL`;

export const INSERT_SPIKES = `
INSERT INTO unconfirmed_spikes (instrument_id, since, until, peak_status, cause)
SELECT s.instrument_id, s.since, s.until, s.peak_status, s.cause
FROM jsonb_to_recordset(:rows::jsonb) AS s(instrument_id text, since timestamptz, until timestamptz, peak_status text, cause text)
ON CONFLICT (instrument_id, since, until, peak_status) DO UPDATE SET withdrawn_at = NULL`;

/** The initial baseline as the machine set it; a re-evaluation from scratch may move it. */
export const UPSERT_INITIAL_BASELINES = `
INSERT INTO instrument_baselines AS b (instrument_id, baseline_id, source, value, effective_from, reason, set_by)
SELECT r.instrument_id, 'initial', 'initial', r.value, r.effective_from, r.reason, 'pipeline'
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, value float8, effective_from timestamptz, reason text)
ON CONFLICT (instrument_id, baseline_id) DO UPDATE SET value = EXCLUDED.value, effective_from = EXCLUDED.effective_from
WHERE b.value IS DISTINCT FROM EXCLUDED.value OR b.effective_from IS DISTINCT FROM EXCLUDED.effective_from`;
