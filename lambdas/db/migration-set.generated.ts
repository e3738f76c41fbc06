// Generated from lambdas/db/migrations/ by `npm run db:generate`. Do not edit: edit the .sql files and regenerate.
import type { Migration } from './migrate.js';

export const BUNDLED_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "core_schema",
    fileName: "0001_core_schema.sql",
    sql: `-- Core schema of the batch store.
--
-- Readings are the source of truth, keyed by (instrument, event time): a reading
-- delivered twice, replayed, or split across batches is stored once. Window
-- aggregates are recomputed from the readings of each touched window, so they are
-- exact whatever the batching. Trigger statuses are evaluated once per window, in
-- event-time order, when the window is complete (see the processor's watermark).

CREATE TABLE instruments (
  instrument_id        text PRIMARY KEY,
  instrument_type      text NOT NULL CHECK (instrument_type IN
                         ('water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge')),
  unit                 text NOT NULL,
  surface_level        double precision,
  northing             double precision,
  easting              double precision,
  latitude             double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude            double precision CHECK (longitude BETWEEN -180 AND 180),
  trigger_mode         text NOT NULL CHECK (trigger_mode IN ('rising', 'magnitude')),
  trigger_alert        double precision,
  trigger_alarm        double precision,
  trigger_action       double precision,
  -- 'default': levels follow the type's default policy and move with the surface level;
  -- 'manual': set by an engineer and never overwritten by the pipeline.
  trigger_levels_source text NOT NULL DEFAULT 'default' CHECK (trigger_levels_source IN ('default', 'manual')),
  first_observed_at    timestamptz NOT NULL,
  last_observed_at     timestamptz NOT NULL,
  CONSTRAINT trigger_levels_ascend CHECK (
    (trigger_alert IS NULL AND trigger_alarm IS NULL AND trigger_action IS NULL)
    OR (trigger_alert < trigger_alarm AND trigger_alarm < trigger_action)
  )
);

CREATE INDEX instruments_by_type ON instruments (instrument_type, instrument_id);

CREATE TABLE readings (
  instrument_id   text NOT NULL REFERENCES instruments (instrument_id),
  observed_at     timestamptz NOT NULL,
  -- The reading in micro-units of the type's unit: an exact integer, so sums are exact.
  value_micro     bigint NOT NULL,
  value           double precision GENERATED ALWAYS AS (value_micro::double precision / 1000000) STORED,
  source_shard    text NOT NULL,
  source_sequence text NOT NULL,
  PRIMARY KEY (instrument_id, observed_at)
);

CREATE TABLE window_aggregates (
  instrument_id     text NOT NULL REFERENCES instruments (instrument_id),
  window_seconds    integer NOT NULL CHECK (window_seconds > 0),
  window_start      timestamptz NOT NULL,
  window_end        timestamptz NOT NULL,
  reading_count     integer NOT NULL CHECK (reading_count > 0),
  sum_micro         bigint NOT NULL,
  -- sum_micro / (reading_count * 1e6), rounded once: the exact mean as a double.
  mean              double precision NOT NULL,
  min_value         double precision NOT NULL,
  max_value         double precision NOT NULL,
  first_observed_at timestamptz NOT NULL,
  last_observed_at  timestamptz NOT NULL,
  -- The shard whose processor owns the window's trigger evaluation.
  source_shard      text NOT NULL,
  -- Whether the window has been evaluated against the trigger levels.
  evaluated         boolean NOT NULL DEFAULT false,
  PRIMARY KEY (instrument_id, window_seconds, window_start)
);

-- Windows waiting for trigger evaluation, per shard, in event-time order.
CREATE INDEX window_aggregates_pending ON window_aggregates (source_shard, window_end)
  WHERE NOT evaluated;

CREATE TABLE instrument_status (
  instrument_id     text PRIMARY KEY REFERENCES instruments (instrument_id),
  status            text NOT NULL CHECK (status IN ('normal', 'alert', 'alarm', 'action')),
  -- Start of the window in which the current status began.
  status_since      timestamptz NOT NULL,
  -- The last window evaluated, and its mean.
  last_window_start timestamptz NOT NULL,
  last_mean         double precision NOT NULL
);

CREATE TABLE trigger_events (
  instrument_id   text NOT NULL REFERENCES instruments (instrument_id),
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  from_status     text NOT NULL CHECK (from_status IN ('normal', 'alert', 'alarm', 'action')),
  to_status       text NOT NULL CHECK (to_status IN ('normal', 'alert', 'alarm', 'action')),
  window_mean     double precision NOT NULL,
  trigger_alert   double precision NOT NULL,
  trigger_alarm   double precision NOT NULL,
  trigger_action  double precision NOT NULL,
  -- Set once the alert has been published; unset rows are the outbox.
  notified_at     timestamptz,
  PRIMARY KEY (instrument_id, window_start),
  CHECK (from_status <> to_status)
);

CREATE INDEX trigger_events_outbox ON trigger_events (window_start) WHERE notified_at IS NULL;
CREATE INDEX trigger_events_by_time ON trigger_events (window_start);

CREATE TABLE quarantined_readings (
  -- Deterministic: shard and sequence for stream records, so a redelivered poison record is kept once.
  quarantine_id text PRIMARY KEY,
  reason        text NOT NULL,
  detail        text NOT NULL,
  field         text,
  source        text NOT NULL,
  raw           text NOT NULL,
  rejected_at   timestamptz NOT NULL
);

CREATE INDEX quarantined_readings_by_reason ON quarantined_readings (reason, rejected_at);
`,
  },
  {
    version: 2,
    name: "report_views",
    fileName: "0002_report_views.sql",
    sql: `-- Report views over the batch store.
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
`,
  },
  {
    version: 3,
    name: "site_time_zone",
    fileName: "0003_site_time_zone.sql",
    sql: `-- The site's time zone, and the reading interval expected of each instrument type.
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

-- The first instant of the local day \`day\` in \`zone\`: local midnight; where clocks go back
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

-- As in 0002, with \`day\`: the site-local day of the window's start.
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
-- (days without readings included, with reading_count 0). \`day\` is the local date;
-- \`day_start\` and \`day_end\` the UTC instants it runs between (end exclusive), \`day_hours\`
-- its length (24, or 23 / 25 on a daylight-saving change). A window belongs to the day its
-- start falls in. The mean is exact: the day's sum of micro-units over its reading count,
-- rounded once. Completeness is readings received over readings expected, one every
-- \`expected_interval_seconds\` (the type's interval, else the polling interval), during the
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

-- As in 0002, with \`day\`: the site-local day of the change.
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
`,
  },
  {
    version: 4,
    name: "trigger_model",
    fileName: "0004_trigger_model.sql",
    sql: `-- The trigger model: rules per instrument, baselines with history, judgements per window,
-- evaluation in event time (checkpoints, late and withdrawn changes) and unconfirmed spikes.
-- The rules themselves are domain code (lambdas/domain/trigger-rules.ts, status-machine.ts).

-- NULL: the type's default rule. Otherwise a rule set by an engineer (trigger_levels_source
-- 'manual'), as JSON in the shape of the domain's TriggerRule; the pipeline never overwrites it.
ALTER TABLE instruments
  ADD COLUMN trigger_rule        jsonb,
  ADD COLUMN trigger_rule_set_by text,
  ADD COLUMN trigger_rule_set_at timestamptz;

-- Every baseline an instrument has had. 'initial' is the mean of its first readings, set by
-- the pipeline; 'manual' ones are re-baselines by an engineer (after damage, replacement or
-- re-zeroing). A window is judged against the baseline with the latest effective time at or
-- before its start, so adding one never changes how earlier windows were judged.
CREATE TABLE instrument_baselines (
  instrument_id  text NOT NULL REFERENCES instruments (instrument_id),
  baseline_id    text NOT NULL,
  source         text NOT NULL CHECK (source IN ('initial', 'manual')),
  value          double precision NOT NULL,
  effective_from timestamptz NOT NULL,
  reason         text,
  set_by         text,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instrument_id, baseline_id),
  CHECK ((source = 'initial') = (baseline_id = 'initial'))
);

-- When each reading reached the stream: with observed_at, the data's age on arrival (a
-- logger that back-fills after a comms outage shows here). NULL for readings stored before.
ALTER TABLE readings ADD COLUMN arrived_at timestamptz;

-- How each window was judged. NULL until evaluated; beyond_horizon marks a window that
-- arrived more than the late horizon before the instrument's latest judged window: stored
-- (its readings count in every aggregate) but not judged.
ALTER TABLE window_aggregates
  ADD COLUMN status         text CHECK (status IN ('normal', 'alert', 'alarm', 'action')),
  ADD COLUMN raw_status     text CHECK (raw_status IN ('normal', 'alert', 'alarm', 'action')),
  ADD COLUMN change_value   double precision,
  ADD COLUMN rate_per_day   double precision,
  ADD COLUMN baseline_id    text,
  ADD COLUMN beyond_horizon boolean NOT NULL DEFAULT false;

-- The status machine's state after the instrument's latest judged window.
ALTER TABLE instrument_status ADD COLUMN machine_state jsonb;

-- The machine's state after the first judged window of each hour: where a re-evaluation
-- for windows that arrive late starts.
CREATE TABLE status_checkpoints (
  instrument_id text NOT NULL REFERENCES instruments (instrument_id),
  window_start  timestamptz NOT NULL,
  machine_state jsonb NOT NULL,
  PRIMARY KEY (instrument_id, window_start)
);

-- A window has at most one change, but a re-evaluation can find a different one for the
-- same window; each is kept, the superseded one withdrawn.
ALTER TABLE trigger_events DROP CONSTRAINT trigger_events_pkey;
ALTER TABLE trigger_events ADD PRIMARY KEY (instrument_id, window_start, from_status, to_status);
-- Levels of the band that caused a rise, in its judged quantity; NULL for a fall to normal.
ALTER TABLE trigger_events ALTER COLUMN trigger_alert DROP NOT NULL;
ALTER TABLE trigger_events ALTER COLUMN trigger_alarm DROP NOT NULL;
ALTER TABLE trigger_events ALTER COLUMN trigger_action DROP NOT NULL;
ALTER TABLE trigger_events
  -- 'level:rise', 'level:fall', 'rate:rise' or 'rate:fall'; NULL when the status fell to normal.
  ADD COLUMN cause          text CHECK (cause IN ('level:rise', 'level:fall', 'rate:rise', 'rate:fall')),
  ADD COLUMN confirmed_by   text NOT NULL DEFAULT 'windows' CHECK (confirmed_by IN ('windows', 're-read', 'fall')),
  ADD COLUMN change_value   double precision,
  ADD COLUMN rate_per_day   double precision,
  ADD COLUMN baseline_id    text,
  ADD COLUMN baseline_value double precision,
  -- Found for a window before the latest one already judged (back-filled or late data).
  ADD COLUMN late           boolean NOT NULL DEFAULT false,
  -- For a late change: from the window's end to when it was found.
  ADD COLUMN delay_seconds  double precision,
  ADD COLUMN found_at       timestamptz NOT NULL DEFAULT now(),
  -- Set when a re-evaluation no longer finds the change; never notified after that.
  ADD COLUMN withdrawn_at   timestamptz;

DROP INDEX trigger_events_outbox;
CREATE INDEX trigger_events_outbox ON trigger_events (window_start) WHERE notified_at IS NULL AND withdrawn_at IS NULL;

-- Rises of the raw status that fell back before they were confirmed: visible in reports,
-- never notified.
CREATE TABLE unconfirmed_spikes (
  instrument_id text NOT NULL REFERENCES instruments (instrument_id),
  since         timestamptz NOT NULL,
  until         timestamptz NOT NULL,
  peak_status   text NOT NULL CHECK (peak_status IN ('alert', 'alarm', 'action')),
  cause         text NOT NULL CHECK (cause IN ('level:rise', 'level:fall', 'rate:rise', 'rate:fall')),
  found_at      timestamptz NOT NULL DEFAULT now(),
  withdrawn_at  timestamptz,
  PRIMARY KEY (instrument_id, since, until, peak_status)
);

CREATE INDEX unconfirmed_spikes_by_time ON unconfirmed_spikes (since) WHERE withdrawn_at IS NULL;

-- Exceedances as before, without withdrawn changes, with what the change was judged on.
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
  (e.window_start AT TIME ZONE (SELECT site_time_zone FROM report_settings))::date AS day,
  e.cause,
  e.confirmed_by,
  e.change_value,
  e.rate_per_day,
  e.baseline_id,
  e.baseline_value,
  e.late,
  e.delay_seconds
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
WHERE e.withdrawn_at IS NULL
WINDOW by_instrument AS (PARTITION BY e.instrument_id ORDER BY e.window_start);

-- Status changes found late, and those withdrawn when later data showed they did not happen.
CREATE VIEW report_late_corrections AS
SELECT
  e.instrument_id,
  i.instrument_type,
  e.window_start AS changed_at,
  e.from_status,
  e.to_status,
  e.cause,
  e.late,
  e.delay_seconds,
  e.found_at,
  e.withdrawn_at,
  CASE WHEN e.withdrawn_at IS NOT NULL THEN 'withdrawn' ELSE 'late' END AS correction,
  e.notified_at
FROM trigger_events e
JOIN instruments i ON i.instrument_id = e.instrument_id
WHERE e.late OR e.withdrawn_at IS NOT NULL;

CREATE VIEW report_unconfirmed_spikes AS
SELECT
  s.instrument_id,
  i.instrument_type,
  i.unit,
  s.since,
  s.until,
  s.until - s.since AS duration,
  s.peak_status,
  s.cause
FROM unconfirmed_spikes s
JOIN instruments i ON i.instrument_id = s.instrument_id
WHERE s.withdrawn_at IS NULL;

-- Every baseline of every instrument, in effect order.
CREATE VIEW report_baselines AS
SELECT b.instrument_id, i.instrument_type, i.unit, b.baseline_id, b.source, b.value, b.effective_from, b.reason, b.set_by, b.recorded_at
FROM instrument_baselines b
JOIN instruments i ON i.instrument_id = b.instrument_id;
`,
  },
  {
    version: 5,
    name: "report_trigger_model",
    fileName: "0005_report_trigger_model.sql",
    sql: `-- The report views on the trigger model of 0004: what the pipeline judged, not the single
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
`,
  },
  {
    version: 6,
    name: "alarm_lifecycle",
    fileName: "0006_alarm_lifecycle.sql",
    sql: `-- The alarm lifecycle: alarms that follow an instrument's confirmed status, their history,
-- acknowledgements, response plans, the notifications the escalation function sends, and an
-- append-only audit of all of it. The rules are domain code (lambdas/domain/alarms.ts,
-- response-plans.ts, escalation.ts); the store is lambdas/alarms/alarm-store.ts.
--
-- trigger_events stays the outbox of confirmed status changes: notified_at (the name is
-- kept) now means "applied to the alarm lifecycle", set by the batch processor when it
-- applies the change to its instrument's alarm at the close of a Lambda window.

-- Set when a change withdrawn after it was applied has been applied as a withdrawal.
ALTER TABLE trigger_events ADD COLUMN withdrawal_applied_at timestamptz;

-- Changes waiting to be applied, and applied changes whose withdrawal is not yet applied.
CREATE INDEX trigger_events_withdrawals_pending ON trigger_events (window_start)
  WHERE withdrawn_at IS NOT NULL AND notified_at IS NOT NULL AND withdrawal_applied_at IS NULL;

-- One alarm per excursion of an instrument above normal. alarm_id is
-- \`<instrument>@<ISO start of the opening window>\`. level is the current level while open
-- and the level before clearing once cleared; pending_level / pending_since are the highest
-- level reached and not yet acknowledged and when (processing time) it was reached: the
-- escalation clock. Clearing does not acknowledge.
CREATE TABLE alarms (
  alarm_id        text PRIMARY KEY,
  instrument_id   text NOT NULL REFERENCES instruments (instrument_id),
  instrument_type text NOT NULL CHECK (instrument_type IN
                    ('water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge')),
  unit            text NOT NULL,
  state           text NOT NULL CHECK (state IN ('open', 'cleared')),
  level           text NOT NULL CHECK (level IN ('alert', 'alarm', 'action')),
  peak_level      text NOT NULL CHECK (peak_level IN ('alert', 'alarm', 'action')),
  -- Event time of the opening window, processing time it opened, event time it cleared.
  opened_at       timestamptz NOT NULL,
  found_at        timestamptz NOT NULL,
  cleared_at      timestamptz,
  pending_level   text CHECK (pending_level IN ('alert', 'alarm', 'action')),
  pending_since   timestamptz,
  -- Set by the escalation function once a cleared alarm has nothing left to send.
  notifications_done_at timestamptz,
  updated_at      timestamptz NOT NULL,
  CHECK ((pending_level IS NULL) = (pending_since IS NULL)),
  CHECK ((state = 'cleared') = (cleared_at IS NOT NULL))
);

-- At most one open alarm per instrument.
CREATE UNIQUE INDEX alarms_one_open_per_instrument ON alarms (instrument_id) WHERE state = 'open';
CREATE INDEX alarms_by_opening ON alarms (opened_at DESC, alarm_id DESC);
-- What the escalation function reads every minute.
CREATE INDEX alarms_needing_notification ON alarms (alarm_id) WHERE state = 'open' OR notifications_done_at IS NULL;

-- Every step of an alarm's history, with the change behind it as the batch store found it.
-- A change applied twice (a replay) is found here by its key and changes nothing.
CREATE TABLE alarm_steps (
  alarm_id       text NOT NULL REFERENCES alarms (alarm_id),
  change_key     text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('opened', 'escalated', 'de-escalated', 'cleared', 'withdrawn')),
  -- Position in the alarm's history, from 1.
  step_no        integer NOT NULL CHECK (step_no > 0),
  level_after    text NOT NULL CHECK (level_after IN ('normal', 'alert', 'alarm', 'action')),
  window_start   timestamptz NOT NULL,
  window_end     timestamptz NOT NULL,
  from_status    text NOT NULL CHECK (from_status IN ('normal', 'alert', 'alarm', 'action')),
  to_status      text NOT NULL CHECK (to_status IN ('normal', 'alert', 'alarm', 'action')),
  window_mean    double precision NOT NULL,
  trigger_alert  double precision,
  trigger_alarm  double precision,
  trigger_action double precision,
  cause          text CHECK (cause IN ('level:rise', 'level:fall', 'rate:rise', 'rate:fall')),
  change_value   double precision,
  rate_per_day   double precision,
  baseline_id    text,
  baseline_value double precision,
  late           boolean NOT NULL,
  found_at       timestamptz NOT NULL,
  PRIMARY KEY (alarm_id, change_key, kind),
  UNIQUE (alarm_id, step_no)
);

-- Who acknowledged an alarm (the authenticated user's id and display name), when, at which
-- level, with their note and the response taken.
CREATE TABLE alarm_acknowledgements (
  alarm_id        text NOT NULL REFERENCES alarms (alarm_id),
  acknowledged_at timestamptz NOT NULL,
  user_id         text NOT NULL CHECK (user_id <> ''),
  user_name       text NOT NULL,
  level           text NOT NULL CHECK (level IN ('alert', 'alarm', 'action')),
  note            text NOT NULL,
  response        text,
  PRIMARY KEY (alarm_id, acknowledged_at, user_id)
);

-- The trigger action response plan: per level, for the site (scope_kind 'default', scope ''),
-- an instrument type (scope = the type) or one instrument (scope = its id). A level with no
-- row here follows the domain's DEFAULT_RESPONSE_PLAN.
CREATE TABLE response_plans (
  scope_kind    text NOT NULL CHECK (scope_kind IN ('default', 'type', 'instrument')),
  scope         text NOT NULL,
  level         text NOT NULL CHECK (level IN ('alert', 'alarm', 'action')),
  response      text NOT NULL CHECK (response <> ''),
  limit_minutes integer NOT NULL CHECK (limit_minutes BETWEEN 1 AND 10080),
  note_required boolean NOT NULL,
  updated_by    text NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (scope_kind, scope, level),
  CHECK ((scope_kind = 'default') = (scope = '')),
  CHECK (scope_kind <> 'type' OR scope IN ('water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge'))
);

-- Every notification the escalation function has claimed. The id is deterministic (domain
-- code), so a second invocation for the same minute claims nothing. 'sending' is a claim
-- whose outcome is not yet recorded: after a lease of 5 minutes it is claimed again (a crash
-- between publish and record), so delivery is at least once in that window. 'failed' is
-- retried on the next run, up to 5 attempts in all, then 'abandoned'.
CREATE TABLE alarm_notifications (
  notification_id text PRIMARY KEY,
  alarm_id        text NOT NULL REFERENCES alarms (alarm_id),
  kind            text NOT NULL CHECK (kind IN ('opened', 'escalated', 'de-escalated', 'cleared', 'withdrawn', 'tier', 'reminder')),
  tier            integer NOT NULL CHECK (tier BETWEEN 1 AND 5),
  level           text NOT NULL CHECK (level IN ('alert', 'alarm', 'action')),
  due_at          timestamptz NOT NULL,
  state           text NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'abandoned')),
  attempts        integer NOT NULL CHECK (attempts > 0),
  claimed_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  channel         text,
  message_id      text,
  error           text,
  CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);

CREATE INDEX alarm_notifications_by_alarm ON alarm_notifications (alarm_id, due_at);
CREATE INDEX alarm_notifications_unsettled ON alarm_notifications (alarm_id) WHERE state IN ('sending', 'failed');

-- The audit: one row per open, escalation, de-escalation, clear, withdrawal, notification
-- sent or failed, acknowledgement and response-plan change, with its actor (the user's id for
-- people, 'pipeline' for the batch processor, 'escalation' for the escalation function).
-- Append-only: the trigger below refuses UPDATE and DELETE, for every role.
CREATE TABLE alarm_audit (
  audit_id bigserial PRIMARY KEY,
  at       timestamptz NOT NULL,
  alarm_id text REFERENCES alarms (alarm_id),
  actor    text NOT NULL CHECK (actor <> ''),
  action   text NOT NULL CHECK (action IN ('opened', 'escalated', 'de-escalated', 'cleared', 'withdrawn', 'notified',
             'notification-failed', 'acknowledged', 'plan-changed')),
  detail   jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX alarm_audit_by_alarm ON alarm_audit (alarm_id, audit_id);

CREATE FUNCTION alarm_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'alarm_audit is append-only: % of audit row % refused', TG_OP, OLD.audit_id
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The alarm audit keeps every row it is given; record a correction as a new row.';
END
$$;

CREATE TRIGGER alarm_audit_append_only
  BEFORE UPDATE OR DELETE ON alarm_audit
  FOR EACH ROW EXECUTE FUNCTION alarm_audit_refuse_change();

-- One row per alarm, for reports: how long it lasted and how long the first acknowledgement
-- took (from when the alarm was found). Durations in seconds (QuickSight has no interval type).
CREATE VIEW report_alarms AS
SELECT
  a.alarm_id,
  a.instrument_id,
  a.instrument_type,
  a.unit,
  a.state,
  a.level,
  a.peak_level,
  a.opened_at,
  a.found_at,
  a.cleared_at,
  extract(epoch FROM a.cleared_at - a.opened_at)::double precision AS duration_seconds,
  a.pending_level,
  a.pending_since,
  k.first_acknowledged_at,
  k.first_acknowledged_by,
  extract(epoch FROM k.first_acknowledged_at - a.found_at)::double precision AS seconds_to_acknowledge,
  coalesce(k.acknowledgements, 0)::integer AS acknowledgements,
  coalesce(n.notifications_sent, 0)::integer AS notifications_sent,
  coalesce(n.notifications_abandoned, 0)::integer AS notifications_abandoned,
  coalesce(n.highest_tier_notified, 0)::integer AS highest_tier_notified,
  (a.opened_at AT TIME ZONE (SELECT site_time_zone FROM report_settings))::date AS day
FROM alarms a
LEFT JOIN LATERAL (
  SELECT min(acknowledged_at) AS first_acknowledged_at,
    (array_agg(user_name ORDER BY acknowledged_at))[1] AS first_acknowledged_by,
    count(*) AS acknowledgements
  FROM alarm_acknowledgements WHERE alarm_id = a.alarm_id
) k ON true
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE state = 'sent') AS notifications_sent,
    count(*) FILTER (WHERE state = 'abandoned') AS notifications_abandoned,
    max(tier) FILTER (WHERE state = 'sent') AS highest_tier_notified
  FROM alarm_notifications WHERE alarm_id = a.alarm_id
) n ON true;
`,
  },
  {
    version: 7,
    name: "manual_readings",
    fileName: "0007_manual_readings.sql",
    sql: `-- Manual readings: engineers enter readings by hand (a standpipe dipped, a settlement marker
-- levelled) through the API, and they travel the same stream as polled ones. Each reading
-- keeps where it came from, who entered it and their note. A constant default adds the column
-- without rewriting the table (PostgreSQL 11 and later), so every stored reading is 'poll'.
ALTER TABLE readings
  ADD COLUMN source text NOT NULL DEFAULT 'poll' CHECK (source IN ('poll', 'manual')),
  -- The signed-in user who entered a manual reading; NULL for polled readings.
  ADD COLUMN author text,
  ADD COLUMN note   text,
  ADD CONSTRAINT readings_author_of_manual CHECK ((source = 'manual') = (author IS NOT NULL));
`,
  },
  {
    version: 8,
    name: "rebuild_audit",
    fileName: "0008_rebuild_audit.sql",
    sql: `-- Rebuilds: window aggregates recomputed and statuses judged again from the stored readings
-- (\`npm run rebuild\`, after a change of window length or trigger rules), without notifying.
--
-- Each rebuild is one row of rebuild_runs: who ran it, over which event-time range, at
-- which window length, and what it changed. A status change a rebuild finds, or restores,
-- has rebuilt_by naming the run; a change it withdraws has withdrawn_by. Changes found by
-- the processors keep both NULL. The alarm lifecycle follows a rebuild's changes as it
-- follows the processors', but quietly: the alarm step it makes names the run in
-- alarm_steps.rebuilt_by, notifies no one and leaves the escalation clock as it was.

CREATE TABLE rebuild_runs (
  run_id         text PRIMARY KEY,
  run_by         text NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  range_from     timestamptz NOT NULL,
  range_to       timestamptz NOT NULL,
  window_seconds integer NOT NULL CHECK (window_seconds > 0),
  -- What it changed: windows written, changes added and withdrawn, instruments judged again.
  outcome        jsonb,
  CHECK (range_to > range_from)
);

ALTER TABLE trigger_events
  ADD COLUMN rebuilt_by   text REFERENCES rebuild_runs (run_id),
  ADD COLUMN withdrawn_by text REFERENCES rebuild_runs (run_id);

ALTER TABLE alarm_steps ADD COLUMN rebuilt_by text REFERENCES rebuild_runs (run_id);
`,
  },
  {
    version: 9,
    name: "stream_partition_progress",
    fileName: "0009_stream_partition_progress.sql",
    sql: `-- Progress of the stream consumers on sources without Lambda tumbling windows (Kafka / MSK):
-- event-time window completion is judged from the records themselves, per topic-partition
-- (lambdas/domain/partition-watermark.ts).
--
-- stream_partition_progress holds each consumer's watermark on each topic-partition: the
-- latest reading time stored from it, never moved back. stream_pending_windows holds the
-- (instrument, event window) pairs touched on the partition and not yet closed, so that an
-- invocation that ends, fails or is retried loses none; a window is removed once it is
-- closed. window_seconds is the window length a pending row was kept at, so a change of
-- window length re-keys it rather than dropping it.

CREATE TABLE stream_partition_progress (
  consumer        text NOT NULL,
  topic_partition text NOT NULL,
  watermark       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic_partition)
);

CREATE TABLE stream_pending_windows (
  consumer        text NOT NULL,
  topic_partition text NOT NULL,
  instrument_id   text NOT NULL,
  window_start    timestamptz NOT NULL,
  window_seconds  integer NOT NULL CHECK (window_seconds > 0),
  PRIMARY KEY (consumer, topic_partition, instrument_id, window_start, window_seconds)
);
`,
  },
];
