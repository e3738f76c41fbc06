/**
 * The batch store's SQL, one statement per constant. Every statement takes its rows as one
 * JSON parameter (`jsonb_to_recordset`), because the RDS Data API has no array parameters,
 * and every write is idempotent: a retried or replayed batch changes nothing.
 */

export const UPSERT_INSTRUMENTS = `
INSERT INTO instruments AS i (instrument_id, instrument_type, unit, surface_level, northing, easting, latitude, longitude,
  first_observed_at, last_observed_at)
SELECT r.instrument_id, r.instrument_type, r.unit, r.surface_level, r.northing, r.easting, r.latitude, r.longitude,
  r.first_observed_at, r.last_observed_at
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, instrument_type text, unit text, surface_level float8,
  northing float8, easting float8, latitude float8, longitude float8, first_observed_at timestamptz, last_observed_at timestamptz)
ON CONFLICT (instrument_id) DO UPDATE SET
  surface_level = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.surface_level, i.surface_level) ELSE i.surface_level END,
  northing = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.northing, i.northing) ELSE i.northing END,
  easting = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.easting, i.easting) ELSE i.easting END,
  latitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.latitude, i.latitude) ELSE i.latitude END,
  longitude = CASE WHEN EXCLUDED.last_observed_at >= i.last_observed_at THEN COALESCE(EXCLUDED.longitude, i.longitude) ELSE i.longitude END,
  first_observed_at = LEAST(i.first_observed_at, EXCLUDED.first_observed_at),
  last_observed_at = GREATEST(i.last_observed_at, EXCLUDED.last_observed_at)`;

export const INSERT_READINGS = `
INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence, arrived_at, source, author, note)
SELECT r.instrument_id, r.observed_at, r.value_micro, r.source_shard, r.source_sequence, r.arrived_at, r.source, r.author, r.note
FROM jsonb_to_recordset(:rows::jsonb) AS r(instrument_id text, observed_at timestamptz, value_micro bigint,
  source_shard text, source_sequence text, arrived_at timestamptz, source text, author text, note text)
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
-- DISTINCT: a window named twice in one call is still counted once.
FROM (SELECT DISTINCT * FROM jsonb_to_recordset(:windows::jsonb) AS k(instrument_id text, window_start timestamptz, window_end timestamptz)) k
JOIN readings r ON r.instrument_id = k.instrument_id AND r.observed_at >= k.window_start AND r.observed_at < k.window_end
GROUP BY k.instrument_id, k.window_start, k.window_end
ON CONFLICT (instrument_id, window_seconds, window_start) DO UPDATE SET
  reading_count = EXCLUDED.reading_count, sum_micro = EXCLUDED.sum_micro, mean = EXCLUDED.mean,
  min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
  first_observed_at = EXCLUDED.first_observed_at, last_observed_at = EXCLUDED.last_observed_at,
  source_shard = EXCLUDED.source_shard,
  -- A window whose readings changed (a late reading) is judged again; a replay changes nothing.
  evaluated = w.evaluated AND w.reading_count = EXCLUDED.reading_count AND w.sum_micro = EXCLUDED.sum_micro`;
