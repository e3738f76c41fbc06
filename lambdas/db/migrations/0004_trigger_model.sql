-- The trigger model: rules per instrument, baselines with history, judgements per window,
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
