/**
 * The batch store's SQL, one statement per constant. Every statement takes its rows as one
 * JSON parameter (`jsonb_to_recordset`), because the RDS Data API has no array parameters,
 * and every write is idempotent: a retried or replayed batch changes nothing.
 */

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

export const UPSERT_INSTRUMENTS = `
INSERT INTO instruments AS i (instrument_id, instrument_type, unit, surface_level, northing, easting, latitude, longitude,
  trigger_mode, trigger_alert, trigger_alarm, trigger_action, first_observed_at, last_observed_at)
SELECT r.instrument_id, r.instrument_type, r.unit, r.surface_level, r.northing, r.easting, r.latitude, r.longitude,
  r.trigger_mode, r.trigger_alert, r.trigger_alarm, r.trigger_action, r.first_observed_at, r.last_observed_at
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, instrument_type text, unit text, surface_level float8,
  northing float8, easting float8, latitude float8, longitude float8, trigger_mode text, trigger_alert float8,
  trigger_alarm float8, trigger_action float8, first_observed_at timestamptz, last_observed_at timestamptz)
ON CONFLICT (instrument_id) DO UPDATE SET
  surface_level = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.surface_level, i.surface_level) ELSE i.surface_level END,
  northing = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.northing, i.northing) ELSE i.northing END,
  easting = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.easting, i.easting) ELSE i.easting END,
  latitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.latitude, i.latitude) ELSE i.latitude END,
  longitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.longitude, i.longitude) ELSE i.longitude END,
  trigger_alert = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_alert IS NOT NULL THEN EXCLUDED.trigger_alert ELSE i.trigger_alert END,
  trigger_alarm = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_alarm IS NOT NULL THEN EXCLUDED.trigger_alarm ELSE i.trigger_alarm END,
  trigger_action = CASE WHEN i.trigger_levels_source = 'default' AND EXCLUDED.last_observed_at >= i.last_observed_at
    AND EXCLUDED.trigger_action IS NOT NULL THEN EXCLUDED.trigger_action ELSE i.trigger_action END,
  first_observed_at = LEAST(i.first_observed_at, EXCLUDED.first_observed_at),
  last_observed_at = GREATEST(i.last_observed_at, EXCLUDED.last_observed_at)`;

export const INSERT_READINGS = `
INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence)
SELECT r.instrument_id, r.observed_at, r.value_micro, r.source_shard, r.source_sequence
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, observed_at timestamptz, value_micro bigint,
  source_shard text, source_sequence text)
ON CONFLICT (instrument_id, observed_at) DO NOTHING`;

export const INSERT_QUARANTINE = `
INSERT INTO quarantined_readings (quarantine_id, reason, detail, field, source, raw, rejected_at)
SELECT q.quarantine_id, q.reason, q.detail, q.field, q.source, q.raw, q.rejected_at
FROM jsonb_to_recordset(:rows::jsonb) AS q(quarantine_id text, reason text, detail text, field text, source text,
  raw text, rejected_at timestamptz)
ON CONFLICT (quarantine_id) DO NOTHING`;

export const RECOMPUTE_WINDOWS = `
INSERT INTO window_aggregates AS w (instrument_id, window_seconds, window_start, window_end, reading_count, sum_micro,
  mean, min_value, max_value, first_observed_at, last_observed_at, source_shard)
SELECT k.instrument_id, :window_seconds, k.window_start, k.window_end, count(*), sum(r.value_micro),
  sum(r.value_micro)::float8 / (count(*) * 1000000)::float8,
  min(r.value_micro)::float8 / 1000000, max(r.value_micro)::float8 / 1000000,
  min(r.observed_at), max(r.observed_at), :shard
FROM jsonb_to_recordset(:windows::jsonb) AS k(instrument_id text, window_start timestamptz, window_end timestamptz)
JOIN readings r ON r.instrument_id = k.instrument_id AND r.observed_at >= k.window_start AND r.observed_at < k.window_end
GROUP BY k.instrument_id, k.window_start, k.window_end
ON CONFLICT (instrument_id, window_seconds, window_start) DO UPDATE SET
  reading_count = EXCLUDED.reading_count, sum_micro = EXCLUDED.sum_micro, mean = EXCLUDED.mean,
  min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
  first_observed_at = EXCLUDED.first_observed_at, last_observed_at = EXCLUDED.last_observed_at,
  source_shard = EXCLUDED.source_shard`;

export const SELECT_PENDING = `
SELECT w.instrument_id, i.instrument_type, ${epochMs('w.window_start')} AS window_start_ms,
  ${epochMs('w.window_end')} AS window_end_ms, w.mean,
  i.trigger_mode, i.trigger_alert, i.trigger_alarm, i.trigger_action, i.latitude, i.longitude, i.northing, i.easting,
  s.status, ${epochMs('s.status_since')} AS status_since_ms, ${epochMs('s.last_window_start')} AS last_window_start_ms, s.last_mean
FROM window_aggregates w
JOIN instruments i ON i.instrument_id = w.instrument_id
LEFT JOIN instrument_status s ON s.instrument_id = w.instrument_id
WHERE NOT w.evaluated AND w.source_shard = :shard AND w.window_seconds = :window_seconds
  AND w.window_end <= :watermark::timestamptz
ORDER BY w.instrument_id, w.window_start
LIMIT :limit`;

export const MARK_EVALUATED = `
UPDATE window_aggregates AS w SET evaluated = true
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz)
WHERE w.instrument_id = k.instrument_id AND w.window_start = k.window_start AND w.window_seconds = :window_seconds`;

export const UPSERT_STATUS = `
INSERT INTO instrument_status AS s (instrument_id, status, status_since, last_window_start, last_mean)
SELECT r.instrument_id, r.status, r.status_since, r.last_window_start, r.last_mean
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, status text, status_since timestamptz,
  last_window_start timestamptz, last_mean float8)
ON CONFLICT (instrument_id) DO UPDATE SET status = EXCLUDED.status, status_since = EXCLUDED.status_since,
  last_window_start = EXCLUDED.last_window_start, last_mean = EXCLUDED.last_mean
WHERE s.last_window_start < EXCLUDED.last_window_start`;

export const INSERT_EVENTS = `
INSERT INTO trigger_events (instrument_id, window_start, window_end, from_status, to_status, window_mean,
  trigger_alert, trigger_alarm, trigger_action)
SELECT e.instrument_id, e.window_start, e.window_end, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action
FROM jsonb_to_recordset(:rows::jsonb) AS e(instrument_id text, window_start timestamptz, window_end timestamptz,
  from_status text, to_status text, window_mean float8, trigger_alert float8, trigger_alarm float8, trigger_action float8)
ON CONFLICT (instrument_id, window_start) DO NOTHING`;

export const SELECT_OUTBOX = `
SELECT e.instrument_id, i.instrument_type, ${epochMs('e.window_start')} AS window_start_ms,
  ${epochMs('e.window_end')} AS window_end_ms, e.from_status, e.to_status, e.window_mean,
  e.trigger_alert, e.trigger_alarm, e.trigger_action, i.latitude, i.longitude, i.northing, i.easting
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
JOIN window_aggregates w ON w.instrument_id = e.instrument_id AND w.window_start = e.window_start AND w.window_seconds = :window_seconds
WHERE e.notified_at IS NULL AND w.source_shard = :shard
ORDER BY e.window_start, e.instrument_id
LIMIT :limit`;

export const MARK_NOTIFIED = `
UPDATE trigger_events AS e SET notified_at = now()
FROM jsonb_to_recordset(:rows::jsonb) AS k(instrument_id text, window_start timestamptz)
WHERE e.instrument_id = k.instrument_id AND e.window_start = k.window_start AND e.notified_at IS NULL`;
