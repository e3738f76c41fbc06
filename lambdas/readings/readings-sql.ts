/**
 * The read API's SQL over the batch store, one statement per constant. Lists travel as one
 * JSON parameter (the Data API takes no arrays); pages are keyset pages in key order, each
 * sized so the Data API's answer stays under its 1 MiB limit (see read-model.ts).
 */

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** What the registry holds of the named instruments, to build a manual reading's item from. */
export const SELECT_REGISTERED_INSTRUMENTS = `
SELECT i.instrument_id, i.instrument_type, i.surface_level, i.northing, i.easting
FROM instruments i
WHERE i.instrument_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:ids::jsonb)))`;

/** The (instrument, time) keys given that a stored reading already has. */
export const SELECT_STORED_READING_TIMES = `
SELECT r.instrument_id, ${epochMs('r.observed_at')} AS observed_at_ms
FROM jsonb_to_recordset(:keys::jsonb) AS k(instrument_id text, observed_at timestamptz)
JOIN readings r ON r.instrument_id = k.instrument_id AND r.observed_at = k.observed_at`;

/**
 * One page of the instrument list, in id order after `:after`: position, latest status and
 * reading, and the instrument's logging interval for the silence rule, measured: the median
 * time between the starts of its latest 11 windows (bursts of re-reads fall in one window,
 * so the gaps are the logging interval). Only the pipeline's tables are read, which the
 * functions' database role may read.
 */
export const SELECT_INSTRUMENT_PAGE = `
SELECT i.instrument_id, i.instrument_type, i.unit, i.easting, i.northing, i.latitude, i.longitude,
  s.status, ${epochMs('i.last_observed_at')} AS last_observed_ms, latest.value AS latest_value,
  logged.median_gap_seconds AS logging_interval_seconds
FROM instruments i
LEFT JOIN instrument_status s ON s.instrument_id = i.instrument_id
LEFT JOIN LATERAL (
  SELECT r.value FROM readings r WHERE r.instrument_id = i.instrument_id ORDER BY r.observed_at DESC LIMIT 1
) latest ON true
LEFT JOIN LATERAL (
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) AS median_gap_seconds
  FROM (
    SELECT extract(epoch FROM lag(w.window_start) OVER (ORDER BY w.window_start DESC) - w.window_start)::float8 AS gap
    FROM (
      SELECT a.window_start FROM window_aggregates a
      WHERE a.instrument_id = i.instrument_id AND a.window_seconds = :window_seconds
      ORDER BY a.window_start DESC LIMIT 11
    ) w
  ) g
  WHERE g.gap IS NOT NULL
) logged ON true
WHERE i.instrument_id > :after
ORDER BY i.instrument_id
LIMIT :limit`;

/** One instrument's registry entry: type, position, rule and status. */
export const SELECT_INSTRUMENT = `
SELECT i.instrument_id, i.instrument_type, i.unit, i.easting, i.northing, i.latitude, i.longitude, i.surface_level,
  i.trigger_rule::text AS trigger_rule, i.trigger_levels_source, i.trigger_rule_set_by,
  ${epochMs('i.trigger_rule_set_at')} AS trigger_rule_set_ms,
  ${epochMs('i.first_observed_at')} AS first_observed_ms, ${epochMs('i.last_observed_at')} AS last_observed_ms,
  s.status, ${epochMs('s.status_since')} AS status_since_ms
FROM instruments i
LEFT JOIN instrument_status s ON s.instrument_id = i.instrument_id
WHERE i.instrument_id = :id`;

/** Every baseline of an instrument, in effect order. */
export const SELECT_BASELINES = `
SELECT b.baseline_id, b.source, b.value, ${epochMs('b.effective_from')} AS effective_from_ms, b.reason, b.set_by,
  ${epochMs('b.recorded_at')} AS recorded_ms
FROM instrument_baselines b
WHERE b.instrument_id = :id
ORDER BY b.effective_from, b.baseline_id`;

/** A page of an instrument's windows in [from, to) after `:after` (epoch ms; -1 for the first page). */
export const SELECT_WINDOW_PAGE = `
SELECT ${epochMs('w.window_start')} AS window_start_ms, ${epochMs('w.window_end')} AS window_end_ms, w.reading_count, w.mean,
  w.min_value, w.max_value, w.status, w.raw_status, w.change_value, w.rate_per_day, w.baseline_id
FROM window_aggregates w
WHERE w.instrument_id = :id AND w.window_seconds = :window_seconds
  AND w.window_start >= :from::timestamptz AND w.window_start < :to::timestamptz
  AND w.window_start > :after::timestamptz
ORDER BY w.window_start
LIMIT :limit`;

/** A page of an instrument's readings in [from, to) after `:after`. */
export const SELECT_READING_PAGE = `
SELECT ${epochMs('r.observed_at')} AS observed_ms, r.value, ${epochMs('r.arrived_at')} AS arrived_ms, r.source, r.author, r.note
FROM readings r
WHERE r.instrument_id = :id
  AND r.observed_at >= :from::timestamptz AND r.observed_at < :to::timestamptz
  AND r.observed_at > :after::timestamptz
ORDER BY r.observed_at
LIMIT :limit`;

/** A page of an instrument's status changes whose windows start in [from, to), withdrawn ones included, after `:after`. */
export const SELECT_CHANGE_PAGE = `
SELECT ${epochMs('e.window_start')} AS window_start_ms, ${epochMs('e.window_end')} AS window_end_ms, e.from_status, e.to_status,
  e.window_mean, e.trigger_alert, e.trigger_alarm, e.trigger_action, e.cause, e.confirmed_by, e.change_value, e.rate_per_day,
  e.baseline_id, e.baseline_value, e.late, e.delay_seconds, ${epochMs('e.found_at')} AS found_ms,
  ${epochMs('e.withdrawn_at')} AS withdrawn_ms, ${epochMs('e.notified_at')} AS notified_ms
FROM trigger_events e
WHERE e.instrument_id = :id AND e.window_start >= :from::timestamptz AND e.window_start < :to::timestamptz
  AND (e.window_start, e.from_status, e.to_status) > (:after::timestamptz, :after_from, :after_to)
ORDER BY e.window_start, e.from_status, e.to_status
LIMIT :limit`;

/** A page of an instrument's unconfirmed spikes in force that began in [from, to), after `:after`. */
export const SELECT_SPIKE_PAGE = `
SELECT ${epochMs('s.since')} AS since_ms, ${epochMs('s.until')} AS until_ms, s.peak_status, s.cause, ${epochMs('s.found_at')} AS found_ms
FROM unconfirmed_spikes s
WHERE s.instrument_id = :id AND s.withdrawn_at IS NULL AND s.since >= :from::timestamptz AND s.since < :to::timestamptz
  AND (s.since, s.until, s.peak_status) > (:after::timestamptz, :after_until::timestamptz, :after_peak)
ORDER BY s.since, s.until, s.peak_status
LIMIT :limit`;
