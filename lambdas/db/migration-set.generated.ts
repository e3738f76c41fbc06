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
];
