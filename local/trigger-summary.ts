import type { SqlSession } from '../lambdas/db/sql-client.js';

/** What the trigger model did in a run, from the batch store. */
export interface TriggerSummary {
  /** Readings that reached the stream after their window had closed (window length plus allowed lateness). */
  readonly lateReadings: number;
  /** Status changes in force, by what caused the rise (falls back to normal are not counted here). */
  readonly riseTriggers: number;
  readonly fallTriggers: number;
  readonly rateTriggers: number;
  /** Status changes found for a window before the latest already judged. */
  readonly lateChanges: number;
  /** Status changes withdrawn when later data showed they did not happen. */
  readonly withdrawnChanges: number;
  /** Raw rises that fell back before they were confirmed: recorded, never notified. */
  readonly unconfirmedSpikes: number;
  /** Windows that arrived beyond the late horizon: stored, not judged. */
  readonly windowsBeyondHorizon: number;
}

export async function triggerSummary(db: SqlSession, lateAfterSeconds: number): Promise<TriggerSummary> {
  const [row] = await db.query<Record<keyof TriggerSummary, number>>(
    `SELECT
       (SELECT count(*) FROM readings WHERE arrived_at - observed_at > :late_after * interval '1 second')::int AS "lateReadings",
       (SELECT count(*) FROM trigger_events WHERE withdrawn_at IS NULL AND cause = 'level:rise')::int AS "riseTriggers",
       (SELECT count(*) FROM trigger_events WHERE withdrawn_at IS NULL AND cause = 'level:fall')::int AS "fallTriggers",
       (SELECT count(*) FROM trigger_events WHERE withdrawn_at IS NULL AND cause LIKE 'rate:%')::int AS "rateTriggers",
       (SELECT count(*) FROM trigger_events WHERE withdrawn_at IS NULL AND late)::int AS "lateChanges",
       (SELECT count(*) FROM trigger_events WHERE withdrawn_at IS NOT NULL)::int AS "withdrawnChanges",
       (SELECT count(*) FROM unconfirmed_spikes WHERE withdrawn_at IS NULL)::int AS "unconfirmedSpikes",
       (SELECT count(*) FROM window_aggregates WHERE beyond_horizon)::int AS "windowsBeyondHorizon"`,
    { late_after: lateAfterSeconds },
  );
  if (!row) throw new Error('the trigger summary query returned no row');
  return row;
}
