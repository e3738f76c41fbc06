-- Rebuilds: window aggregates recomputed and statuses judged again from the stored readings
-- (`npm run rebuild`, after a change of window length or trigger rules), without notifying.
--
-- Each rebuild is one row of rebuild_runs: who ran it, over which event-time range, at
-- which window length, and what it changed. A status change a rebuild finds, or restores,
-- is handed over without being notified: its notified_at is set when the rebuild found it
-- (so the outbox never publishes it) and rebuilt_by names the run. A change a rebuild
-- withdraws has withdrawn_by. Changes found by the processors keep both NULL.

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

-- A rebuilt change is handed over, never notified: it has a notified_at (the outbox skips it).
ALTER TABLE trigger_events ADD CONSTRAINT trigger_events_rebuilt_handed_over CHECK (rebuilt_by IS NULL OR notified_at IS NOT NULL);
