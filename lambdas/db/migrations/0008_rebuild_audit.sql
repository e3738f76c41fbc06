-- Rebuilds: window aggregates recomputed and statuses judged again from the stored readings
-- (`npm run rebuild`, after a change of window length or trigger rules), without notifying.
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
