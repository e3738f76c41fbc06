/**
 * The SQL of a rebuild (rebuild.ts). As in the batch store's SQL, rows travel as one JSON
 * parameter (`jsonb_to_recordset`), because the Data API takes no array parameters.
 */

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Instruments with readings in the range, after `after`, one page. */
export const SELECT_INSTRUMENTS_WITH_READINGS = `
SELECT i.instrument_id
FROM instruments i
WHERE i.instrument_id > :after
  AND EXISTS (SELECT 1 FROM readings r WHERE r.instrument_id = i.instrument_id
    AND r.observed_at >= :from::timestamptz AND r.observed_at < :to::timestamptz)
ORDER BY i.instrument_id
LIMIT :limit`;

/** The first and last reading of the instruments in the range (from each instrument's index), or nulls. */
export const SELECT_READINGS_SPAN = `
SELECT ${epochMs('min(f.first_at)')} AS first_ms, ${epochMs('max(f.last_at)')} AS last_ms
FROM jsonb_to_recordset(:instruments::jsonb) AS k(instrument_id text),
LATERAL (SELECT min(r.observed_at) AS first_at, max(r.observed_at) AS last_at FROM readings r
  WHERE r.instrument_id = k.instrument_id AND r.observed_at >= :from::timestamptz AND r.observed_at < :to::timestamptz) f`;

/**
 * Recomputes, from the stored readings, every window of the instruments in a range (whose
 * ends fall on window boundaries), writing only those whose aggregate differs from the
 * stored one (or that are not stored at this length). The aggregation is RECOMPUTE_WINDOWS'
 * (aurora-sql.ts), over a range rather than a list of windows: count, exact sum, the mean
 * rounded once, min, max, first and last time, the shard of the latest reading. A window
 * written is to be judged again. Returns how many were written and a sample of them.
 */
export const REBUILD_WINDOWS = `
WITH fresh AS (
  SELECT r.instrument_id,
    to_timestamp(floor(extract(epoch FROM r.observed_at) / :window_seconds) * :window_seconds) AS window_start,
    count(*)::int AS reading_count, sum(r.value_micro) AS sum_micro,
    min(r.value_micro)::float8 / 1000000 AS min_value, max(r.value_micro)::float8 / 1000000 AS max_value,
    min(r.observed_at) AS first_observed_at, max(r.observed_at) AS last_observed_at,
    (array_agg(r.source_shard ORDER BY r.observed_at DESC))[1] AS source_shard
  FROM jsonb_to_recordset(:instruments::jsonb) AS k(instrument_id text),
  -- Per instrument from the readings' key (OFFSET 0 keeps it so): a plain join, planned for an
  -- unknown number of instruments, would scan the whole table.
  LATERAL (SELECT * FROM readings r WHERE r.instrument_id = k.instrument_id
    AND r.observed_at >= :from::timestamptz AND r.observed_at < :to::timestamptz OFFSET 0) r
  GROUP BY 1, 2
), changed AS (
  SELECT f.*, w.reading_count AS old_count, w.mean AS old_mean
  FROM fresh f
  LEFT JOIN window_aggregates w ON w.instrument_id = f.instrument_id AND w.window_seconds = :window_seconds AND w.window_start = f.window_start
  WHERE w.instrument_id IS NULL OR w.reading_count <> f.reading_count OR w.sum_micro <> f.sum_micro
    OR w.min_value <> f.min_value OR w.max_value <> f.max_value
    OR w.first_observed_at <> f.first_observed_at OR w.last_observed_at <> f.last_observed_at
), written AS (
  INSERT INTO window_aggregates AS w (instrument_id, window_seconds, window_start, window_end, reading_count, sum_micro,
    mean, min_value, max_value, first_observed_at, last_observed_at, source_shard)
  SELECT c.instrument_id, :window_seconds, c.window_start, c.window_start + make_interval(secs => :window_seconds),
    c.reading_count, c.sum_micro, c.sum_micro::float8 / (c.reading_count * 1000000)::float8,
    c.min_value, c.max_value, c.first_observed_at, c.last_observed_at, c.source_shard
  FROM changed c
  ON CONFLICT (instrument_id, window_seconds, window_start) DO UPDATE SET
    reading_count = EXCLUDED.reading_count, sum_micro = EXCLUDED.sum_micro, mean = EXCLUDED.mean,
    min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
    first_observed_at = EXCLUDED.first_observed_at, last_observed_at = EXCLUDED.last_observed_at,
    source_shard = EXCLUDED.source_shard, evaluated = false
  RETURNING 1
)
SELECT (SELECT count(*) FROM written)::int AS written,
  (SELECT coalesce(jsonb_agg(s ORDER BY s.instrument_id, s.window_start_ms), '[]'::jsonb) FROM (
    SELECT c.instrument_id, ${epochMs('c.window_start')} AS window_start_ms, c.old_count, c.old_mean,
      c.reading_count AS new_count, c.sum_micro::float8 / (c.reading_count * 1000000)::float8 AS new_mean
    FROM changed c ORDER BY c.instrument_id, c.window_start LIMIT :sample) s)::text AS sample`;

/** Each instrument's latest judged window (the instruments never judged have none). */
export const SELECT_JUDGED_UP_TO = `
SELECT s.instrument_id, ${epochMs('s.last_window_start')} AS judged_up_to_ms
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text)
JOIN instrument_status s ON s.instrument_id = k.instrument_id`;

/**
 * Windows from `from` up to each instrument's latest judged window, at this length, to be
 * judged again: every one of them, those once stored beyond the late horizon included.
 */
export const MARK_FOR_REJUDGEMENT = `
UPDATE window_aggregates AS w SET evaluated = false, beyond_horizon = false
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, judged_up_to timestamptz)
WHERE w.instrument_id = k.instrument_id AND w.window_seconds = :window_seconds
  AND w.window_start >= :from::timestamptz AND w.window_start <= k.judged_up_to
  AND (w.evaluated OR w.beyond_horizon)`;

/** The changes in force of the instruments, keyed as trigger_events is. */
export const SELECT_CHANGES_IN_FORCE = `
SELECT e.instrument_id, ${epochMs('e.window_start')} AS window_start_ms, e.from_status, e.to_status, i.instrument_type,
  e.window_mean, e.notified_at IS NOT NULL AS handed_over
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text)
JOIN trigger_events e ON e.instrument_id = k.instrument_id AND e.withdrawn_at IS NULL
JOIN instruments i ON i.instrument_id = e.instrument_id`;

/** Changes a rebuild found or restored, with the run that found them (the alarm lifecycle follows them quietly). */
export const MARK_REBUILT = `
UPDATE trigger_events AS e SET rebuilt_by = :run_id
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz, from_status text, to_status text)
WHERE e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.from_status = k.from_status
  AND e.to_status = k.to_status`;

/** Changes a rebuild withdrew, with the run that withdrew them. */
export const MARK_WITHDRAWN_BY = `
UPDATE trigger_events AS e SET withdrawn_by = :run_id
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz, from_status text, to_status text)
WHERE e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.from_status = k.from_status
  AND e.to_status = k.to_status AND e.withdrawn_at IS NOT NULL`;

/** The shards whose windows hold the changes a run found or withdrew: where the alarm store applies them. */
export const SELECT_SHARDS_OF_RUN = `
SELECT DISTINCT w.source_shard
FROM trigger_events e
JOIN window_aggregates w ON w.instrument_id = e.instrument_id AND w.window_start = e.window_start
WHERE e.rebuilt_by = :run_id OR e.withdrawn_by = :run_id
ORDER BY 1`;

export const INSERT_RUN = `
INSERT INTO rebuild_runs (run_id, run_by, range_from, range_to, window_seconds)
VALUES (:run_id, :run_by, :from::timestamptz, :to::timestamptz, :window_seconds)`;

export const FINISH_RUN = `
UPDATE rebuild_runs SET finished_at = now(), outcome = :outcome::jsonb WHERE run_id = :run_id`;

/** The window length of the latest judged window: the batch processor's current one. */
export const SELECT_CURRENT_WINDOW_SECONDS = `
SELECT w.window_seconds
FROM instrument_status s
JOIN window_aggregates w ON w.instrument_id = s.instrument_id AND w.window_start = s.last_window_start
ORDER BY s.last_window_start DESC
LIMIT 1`;
