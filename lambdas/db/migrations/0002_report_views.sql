-- Report views over the batch store.
--
-- Read-only views for reports, BI tools and psql. Every day and every time bucket
-- is in UTC, whatever the session's TimeZone. The views read their configuration
-- from report_settings, so it can change without a migration:
--
--   UPDATE report_settings SET poll_interval_seconds = 30, silent_after_seconds = 3600;

CREATE TABLE report_settings (
  -- Exactly one row: the primary key admits only true.
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  -- The event-time averaging window (window_aggregates.window_seconds) the views report on.
  window_seconds        integer NOT NULL DEFAULT 10 CHECK (window_seconds > 0),
  -- How often each instrument is read: the expected reading rate behind data completeness.
  poll_interval_seconds double precision NOT NULL DEFAULT 10 CHECK (poll_interval_seconds > 0),
  -- An instrument with no reading for longer than this is silent.
  silent_after_seconds  integer NOT NULL DEFAULT 900 CHECK (silent_after_seconds > 0)
);

INSERT INTO report_settings DEFAULT VALUES;

-- The window aggregates of the reported window length, with the instrument's type,
-- unit and current trigger levels. Filter by instrument_id and a window_start range:
-- the filter becomes a range scan of window_aggregates' primary key.
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
  i.trigger_alert,
  i.trigger_alarm,
  i.trigger_action
FROM window_aggregates w
JOIN instruments i ON i.instrument_id = w.instrument_id
WHERE w.window_seconds = (SELECT window_seconds FROM report_settings);

-- One row per instrument and UTC day, from the day of its first reading to today
-- (days without readings included, with reading_count 0). The mean is exact: the
-- day's sum of micro-units over its reading count, rounded once. Completeness is
-- readings received over readings expected at the polling interval during the part
-- of the day the instrument was installed (from its first reading) and that has
-- passed (until now); NULL when no reading was yet expected. Filter by day and
-- instrument: each remaining day is a primary-key range scan of window_aggregates.
CREATE VIEW report_daily_summary AS
SELECT
  d.instrument_id,
  d.instrument_type,
  d.unit,
  d.day,
  a.reading_count,
  a.sum_micro,
  a.min_value,
  CASE WHEN a.reading_count > 0 THEN a.sum_micro::double precision / (a.reading_count * 1000000)::double precision END AS mean,
  a.max_value,
  d.readings_expected,
  CASE WHEN d.readings_expected > 0 THEN a.reading_count::double precision / d.readings_expected END AS completeness
FROM (
  SELECT
    i.instrument_id,
    i.instrument_type,
    i.unit,
    s.day::date AS day,
    s.day AT TIME ZONE 'UTC' AS day_start,
    (s.day + interval '1 day') AT TIME ZONE 'UTC' AS day_end,
    ceil(greatest(0, extract(epoch FROM
      least((s.day + interval '1 day') AT TIME ZONE 'UTC', now())
      - greatest(s.day AT TIME ZONE 'UTC', i.first_observed_at)
    )::double precision) / (SELECT poll_interval_seconds FROM report_settings))::bigint AS readings_expected
  FROM instruments i
  CROSS JOIN LATERAL generate_series(
    date_trunc('day', i.first_observed_at AT TIME ZONE 'UTC'),
    date_trunc('day', greatest(now(), i.last_observed_at) AT TIME ZONE 'UTC'),
    interval '1 day'
  ) AS s(day)
) d
CROSS JOIN LATERAL (
  SELECT
    coalesce(sum(w.reading_count), 0)::bigint AS reading_count,
    sum(w.sum_micro)::bigint AS sum_micro,
    min(w.min_value) AS min_value,
    max(w.max_value) AS max_value
  FROM window_aggregates w
  WHERE w.instrument_id = d.instrument_id
    AND w.window_seconds = (SELECT window_seconds FROM report_settings)
    AND w.window_start >= d.day_start
    AND w.window_start < d.day_end
) a;

-- Every trigger status change, with how long the status it entered lasted: until the
-- instrument's next change, or open (ended_at NULL, is_open true) while it is the
-- instrument's current status. Levels are those in force at the change.
CREATE VIEW report_trigger_exceedances AS
SELECT
  e.instrument_id,
  i.instrument_type,
  i.unit,
  e.window_start AS changed_at,
  e.window_end,
  e.from_status,
  e.to_status,
  e.window_mean,
  e.trigger_alert,
  e.trigger_alarm,
  e.trigger_action,
  lead(e.window_start) OVER by_instrument AS ended_at,
  lead(e.window_start) OVER by_instrument - e.window_start AS duration,
  extract(epoch FROM lead(e.window_start) OVER by_instrument - e.window_start)::double precision AS duration_seconds,
  lead(e.window_start) OVER by_instrument IS NULL AS is_open,
  e.notified_at
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
WINDOW by_instrument AS (PARTITION BY e.instrument_id ORDER BY e.window_start);

-- Every instrument's registry entry with its current trigger status (NULL until its
-- first window has been evaluated) and its latest reading.
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
  i.trigger_mode,
  i.trigger_alert,
  i.trigger_alarm,
  i.trigger_action,
  i.trigger_levels_source,
  s.status,
  s.status_since,
  s.last_window_start,
  s.last_mean,
  r.observed_at AS last_reading_at,
  r.value AS last_value
FROM instruments i
LEFT JOIN instrument_status s ON s.instrument_id = i.instrument_id
LEFT JOIN LATERAL (
  SELECT observed_at, value
  FROM readings
  WHERE readings.instrument_id = i.instrument_id
  ORDER BY observed_at DESC
  LIMIT 1
) r ON true;

-- Instruments without a reading for longer than report_settings.silent_after_seconds.
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
