import type { SqlSession } from '../lambdas/db/sql-client.js';

/** What the alarm lifecycle did in a run, counted from its audit (every row after `sinceAuditId`). */
export interface AlarmSummary {
  readonly opened: number;
  /** Alarms that rose to a higher level in place. */
  readonly escalated: number;
  readonly deescalated: number;
  readonly cleared: number;
  /** Notifications accepted by their channel, every kind. */
  readonly notificationsSent: number;
  /** Of those, notifications to the next tier after a level's time limit passed unacknowledged. */
  readonly tierEscalations: number;
  /** Of those, reminders while unacknowledged. */
  readonly reminders: number;
}

export async function alarmSummary(db: SqlSession, sinceAuditId: number): Promise<AlarmSummary> {
  const [row] = await db.query<Record<keyof AlarmSummary, number>>(
    `SELECT
       count(*) FILTER (WHERE action = 'opened')::int AS opened,
       count(*) FILTER (WHERE action = 'escalated')::int AS escalated,
       count(*) FILTER (WHERE action = 'de-escalated')::int AS deescalated,
       count(*) FILTER (WHERE action = 'cleared')::int AS cleared,
       count(*) FILTER (WHERE action = 'notified')::int AS "notificationsSent",
       count(*) FILTER (WHERE action = 'notified' AND detail->>'kind' = 'tier')::int AS "tierEscalations",
       count(*) FILTER (WHERE action = 'notified' AND detail->>'kind' = 'reminder')::int AS reminders
     FROM alarm_audit WHERE audit_id > :since`,
    { since: sinceAuditId },
  );
  if (!row) throw new Error('the alarm summary query returned no row');
  return row;
}

/** The latest audit row's id (0 when there is none): where a run's counts start. */
export async function latestAuditId(db: SqlSession): Promise<number> {
  const [row] = await db.query<{ id: number | string }>('SELECT coalesce(max(audit_id), 0) AS id FROM alarm_audit');
  return Number(row?.id ?? 0);
}
