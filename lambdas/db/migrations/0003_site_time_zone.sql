-- The site's time zone, and the reading interval expected of each instrument type.
--
-- Report days are the site's local days: report_settings.site_time_zone (an IANA name
-- PostgreSQL knows, default Australia/Melbourne) decides where a day ends and the next
-- begins, whatever the session's TimeZone. Timestamps stay UTC in storage; the views give
-- each local day as a date and as the UTC instants it starts and ends at. A local day
-- lasts 24 hours, or 23 and 25 hours on the days daylight saving starts and ends
-- (Melbourne: the first Sunday of October and the first Sunday of April). The deployment
-- writes the zone on every deploy (the siteTimeZone setting); locally npm start does.
--
-- Completeness counts the readings expected at each type's interval
-- (report_reading_intervals), or at report_settings.poll_interval_seconds for a type
-- without one of its own:
--
--   UPDATE report_settings SET site_time_zone = 'Australia/Perth';
--   UPDATE report_reading_intervals SET expected_interval_seconds = 900 WHERE instrument_type = 'settlement_marker';

ALTER TABLE report_settings ADD COLUMN site_time_zone text NOT NULL DEFAULT 'Australia/Melbourne';

-- A CHECK constraint cannot query pg_timezone_names, so a trigger refuses a zone PostgreSQL does not know.
CREATE FUNCTION report_settings_check_site_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.site_time_zone) THEN
    RAISE EXCEPTION 'report_settings.site_time_zone: unknown time zone "%"', NEW.site_time_zone
      USING ERRCODE = 'check_violation',
            HINT = 'Use an IANA name PostgreSQL lists in pg_timezone_names, such as Australia/Melbourne or UTC.';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER report_settings_site_time_zone_known
  BEFORE INSERT OR UPDATE OF site_time_zone ON report_settings
  FOR EACH ROW EXECUTE FUNCTION report_settings_check_site_time_zone();

-- The first instant of the local day `day` in `zone`: local midnight; where clocks go back
-- at midnight (so it comes twice), the first of the two; where they skip midnight, the
-- instant they change. The rule of lambdas/domain/site-time.ts.
CREATE FUNCTION report_local_day_start(day date, zone text) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN ((midnight.m - interval '1 hour') AT TIME ZONE zone)::date = day THEN midnight.m - interval '1 hour'
    WHEN ((midnight.m - interval '30 minutes') AT TIME ZONE zone)::date = day THEN midnight.m - interval '30 minutes'
    ELSE midnight.m
  END
  FROM (SELECT day::timestamp AT TIME ZONE zone AS m) AS midnight
$$;

-- How often an instrument of each type is expected to report: the rate behind data
-- completeness. NULL follows report_settings.poll_interval_seconds (every type's default).
CREATE TABLE report_reading_intervals (
  instrument_type           text PRIMARY KEY CHECK (instrument_type IN
                              ('water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge')),
  expected_interval_seconds double precision CHECK (expected_interval_seconds > 0)
);

INSERT INTO report_reading_intervals (instrument_type)
VALUES ('water_standpipe'), ('piezometer'), ('settlement_marker'), ('extensometer'), ('strain_gauge');

-- As in 0002, with `day`: the site-local day of the window's start.
CREATE OR REPLACE VIEW report_instrument_history AS
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
  i.trigger_action,
  (w.window_start AT TIME ZONE (SELECT site_time_zone FROM report_settings))::date AS day
FROM window_aggregates w
JOIN instruments i ON i.instrument_id = w.instrument_id
WHERE w.window_seconds = (SELECT window_seconds FROM report_settings);

-- One row per instrument and site-local day, from the day of its first reading to today
-- (days without readings included, with reading_count 0). `day` is the local date;
-- `day_start` and `day_end` the UTC instants it runs between (end exclusive), `day_hours`
-- its length (24, or 23 / 25 on a daylight-saving change). A window belongs to the day its
-- start falls in. The mean is exact: the day's sum of micro-units over its reading count,
-- rounded once. Completeness is readings received over readings expected, one every
-- `expected_interval_seconds` (the type's interval, else the polling interval), during the
-- part of the day the instrument was installed (from its first reading) and that has
-- passed (until now); NULL when no reading was yet expected.
CREATE OR REPLACE VIEW report_daily_summary AS
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
  CASE WHEN d.readings_expected > 0 THEN a.reading_count::double precision / d.readings_expected END AS completeness,
  d.day_start,
  d.day_end,
  extract(epoch FROM d.day_end - d.day_start)::double precision / 3600 AS day_hours,
  d.site_time_zone,
  d.expected_interval_seconds
FROM (
  SELECT
    i.instrument_id,
    i.instrument_type,
    i.unit,
    b.day,
    b.day_start,
    b.day_end,
    s.site_time_zone,
    iv.expected_interval_seconds,
    ceil(greatest(0, extract(epoch FROM
      least(b.day_end, now()) - greatest(b.day_start, i.first_observed_at)
    )::double precision) / iv.expected_interval_seconds)::bigint AS readings_expected
  FROM instruments i
  CROSS JOIN report_settings s
  CROSS JOIN LATERAL (
    SELECT coalesce(
      (SELECT r.expected_interval_seconds FROM report_reading_intervals r WHERE r.instrument_type = i.instrument_type),
      s.poll_interval_seconds
    ) AS expected_interval_seconds
  ) iv
  CROSS JOIN LATERAL (
    SELECT
      (i.first_observed_at AT TIME ZONE s.site_time_zone)::date AS first_day,
      (greatest(now(), i.last_observed_at) AT TIME ZONE s.site_time_zone)::date AS last_day
  ) span
  CROSS JOIN LATERAL generate_series(0, span.last_day - span.first_day) AS g(n)
  CROSS JOIN LATERAL (
    SELECT
      span.first_day + g.n AS day,
      report_local_day_start(span.first_day + g.n, s.site_time_zone) AS day_start,
      report_local_day_start(span.first_day + g.n + 1, s.site_time_zone) AS day_end
  ) b
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

-- As in 0002, with `day`: the site-local day of the change.
CREATE OR REPLACE VIEW report_trigger_exceedances AS
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
  e.notified_at,
  (e.window_start AT TIME ZONE (SELECT site_time_zone FROM report_settings))::date AS day
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
WINDOW by_instrument AS (PARTITION BY e.instrument_id ORDER BY e.window_start);
