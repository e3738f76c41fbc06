-- The alarm lifecycle: alarms that follow an instrument's confirmed status, their history,
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
-- `<instrument>@<ISO start of the opening window>`. level is the current level while open
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
