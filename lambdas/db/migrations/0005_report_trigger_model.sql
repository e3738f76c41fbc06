-- The report views on the trigger model of 0004: what the pipeline judged, not the single
-- absolute levels of 0001.
--
-- instruments.trigger_mode and trigger_alert / trigger_alarm / trigger_action held the old
-- single-band levels; no instrument is judged by them any more, so they go. An instrument's
-- rule is its own instruments.trigger_rule when an engineer has set one, else its type's
-- default rule, which is domain code (lambdas/domain/trigger-rules.ts): report_latest_status
-- gives the stored rule (NULL: the type's default) and the surface level the default
-- standpipe rise levels hang from, and a report resolves the rule in force with
-- ruleInForce (lambdas/shared/trigger-rule-schema.ts), as the batch store does.
--
-- The views that read the dropped columns are dropped and created again; their columns change.

DROP VIEW report_silent_instruments;
DROP VIEW report_latest_status;
DROP VIEW report_instrument_history;

ALTER TABLE instruments
  DROP COLUMN trigger_mode,
  DROP COLUMN trigger_alert,
  DROP COLUMN trigger_alarm,
  DROP COLUMN trigger_action;

-- Every window at the report window length, with how it was judged: the confirmed status
-- after it, its raw status, its change from the baseline it was judged against and that
-- baseline, and the rate of the instrument's first rate band. The judgement columns are
-- NULL until the window is judged, and stay NULL for a window beyond the late horizon.
CREATE VIEW report_instrument_history AS
SELECT
  w.instrument_id,
  i.instrument_type,
  i.unit,
  w.window_seconds,
  w.window_start,
  w.window_end,
  w.reading_count,
  w.sum_micro,
  w.mean,
  w.min_value,
  w.max_value,
  w.first_observed_at,
  w.last_observed_at,
  (w.window_start AT TIME ZONE (SELECT site_time_zone FROM report_settings))::date AS day,
  w.status,
  w.raw_status,
  w.change_value,
  w.rate_per_day,
  w.baseline_id,
  b.value AS baseline_value,
  w.beyond_horizon
FROM window_aggregates w
JOIN instruments i ON i.instrument_id = w.instrument_id
LEFT JOIN instrument_baselines b ON b.instrument_id = w.instrument_id AND b.baseline_id = w.baseline_id
WHERE w.window_seconds = (SELECT window_seconds FROM report_settings);

-- Every instrument: position, its stored rule (NULL: its type's default), its latest
-- confirmed status and reading, and the baseline in force now (the one with the latest
-- effective time at or before now; NULL until the initial baseline is set).
CREATE VIEW report_latest_status AS
SELECT
  i.instrument_id,
  i.instrument_type,
  i.unit,
  i.latitude,
  i.longitude,
  i.easting,
  i.northing,
  i.surface_level,
  i.trigger_levels_source,
  s.status,
  s.status_since,
  s.last_window_start,
  s.last_mean,
  r.observed_at AS last_reading_at,
  r.value AS last_value,
  i.trigger_rule::text AS trigger_rule,
  i.trigger_rule_set_by,
  i.trigger_rule_set_at,
  b.baseline_id,
  b.source AS baseline_source,
  b.value AS baseline_value,
  b.effective_from AS baseline_effective_from
FROM instruments i
LEFT JOIN instrument_status s ON s.instrument_id = i.instrument_id
LEFT JOIN LATERAL (
  SELECT observed_at, value
  FROM readings
  WHERE readings.instrument_id = i.instrument_id
  ORDER BY observed_at DESC
  LIMIT 1
) r ON true
LEFT JOIN LATERAL (
  SELECT baseline_id, source, value, effective_from
  FROM instrument_baselines
  WHERE instrument_baselines.instrument_id = i.instrument_id AND effective_from <= now()
  ORDER BY effective_from DESC
  LIMIT 1
) b ON true;

-- As in 0002.
CREATE VIEW report_silent_instruments AS
SELECT
  l.instrument_id,
  l.instrument_type,
  l.unit,
  l.easting,
  l.northing,
  l.latitude,
  l.longitude,
  l.status,
  l.last_reading_at,
  now() - l.last_reading_at AS silent_for,
  extract(epoch FROM now() - l.last_reading_at)::double precision AS silent_seconds,
  s.silent_after_seconds
FROM report_latest_status l
CROSS JOIN report_settings s
WHERE l.last_reading_at IS NULL
   OR l.last_reading_at < now() - s.silent_after_seconds * interval '1 second';
