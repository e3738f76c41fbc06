import { useEffect, useMemo, useState } from 'preact/hooks';
import type { InstrumentType } from '../../../../../lambdas/domain/instrument-types.js';
import { statusRank } from '../../../../../lambdas/domain/trigger-levels.js';
import { planFor, type ResponsePlanRule } from '../../../../../lambdas/domain/response-plans.js';
import type { AlarmSummaryView, PendingView, ResponsePlansResponse } from '../api/types.js';
import { useApp } from '../app-context.js';
import { ProblemMessage } from '../components/problem.js';
import { StatusBadge } from '../components/status.js';
import { formatDuration, siteTime, statusLabel, typeLabel } from '../format.js';
import { usePolling } from '../polling.js';
import { Link, paths } from '../router.js';

/** Response plans change rarely: asked again every minute. */
const PLANS_INTERVAL_MS = 60_000;

/**
 * Alarms: the open ones first, highest level first and, within a level, the longest
 * waiting first, each with what the response plan asks for and the time left to
 * acknowledge; then the recently cleared. Live every 5 seconds.
 */
export function AlarmsPage() {
  const { api, zone } = useApp();
  const open = usePolling(() => api.alarms({ state: 'open', limit: 100 }), []);
  const cleared = usePolling(() => api.alarms({ state: 'cleared', limit: 25 }), []);
  const plans = usePolling(() => api.responsePlans(), [], PLANS_INTERVAL_MS);
  const sorted = useMemo(() => (open.data ? [...open.data.alarms].sort(byLevelThenAge) : undefined), [open.data]);
  return (
    <section class="alarms-page">
      <h1 tabIndex={-1}>Alarms</h1>
      <ProblemMessage error={open.error} what="The open alarms could not be loaded" />
      <h2>Open</h2>
      {sorted === undefined ? (
        <p>Loading…</p>
      ) : sorted.length === 0 ? (
        <p data-empty="open">No open alarms.</p>
      ) : (
        <table class="alarms open">
          <caption>Open alarms, highest level and longest waiting first{open.data?.nextCursor ? ' (the first 100)' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Level</th>
              <th scope="col">Opened ({zone})</th>
              <th scope="col">Response plan</th>
              <th scope="col">Acknowledge</th>
              <th scope="col">Last acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((alarm) => (
              <tr key={alarm.alarmId} data-alarm={alarm.alarmId} data-level={alarm.level}>
                <th scope="row">
                  <Link href={paths.alarm(alarm.alarmId)}>{alarm.instrumentId}</Link>
                  <br />
                  <small>{typeLabel(alarm.instrumentType as InstrumentType)}</small>
                </th>
                <td>
                  <StatusBadge status={alarm.level} />
                  {alarm.peakLevel !== alarm.level ? <small> (peak {statusLabel(alarm.peakLevel)})</small> : null}
                </td>
                <td>{siteTime(alarm.openedAt, zone)}</td>
                <td class="plan">{planText(plans.data, alarm)}</td>
                <td>
                  {alarm.pending ? (
                    <>
                      {statusLabel(alarm.pending.level)}: <TimeLeft pending={alarm.pending} />
                    </>
                  ) : (
                    'acknowledged'
                  )}
                </td>
                <td>
                  {alarm.lastAcknowledgement ? `${alarm.lastAcknowledgement.byName}, ${siteTime(alarm.lastAcknowledgement.at, zone)}` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Recently cleared</h2>
      <ProblemMessage error={cleared.error} what="The cleared alarms could not be loaded" />
      {cleared.data && cleared.data.alarms.length > 0 ? (
        <table class="alarms cleared">
          <caption>The latest cleared alarms</caption>
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Peak level</th>
              <th scope="col">Opened ({zone})</th>
              <th scope="col">Cleared ({zone})</th>
              <th scope="col">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {cleared.data.alarms.map((alarm) => (
              <tr key={alarm.alarmId} data-alarm={alarm.alarmId}>
                <th scope="row">
                  <Link href={paths.alarm(alarm.alarmId)}>{alarm.instrumentId}</Link>
                </th>
                <td>
                  <StatusBadge status={alarm.peakLevel} />
                </td>
                <td>{siteTime(alarm.openedAt, zone)}</td>
                <td>{siteTime(alarm.clearedAt, zone)}</td>
                <td>{alarm.pending ? `${statusLabel(alarm.pending.level)} not acknowledged` : 'nothing'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : cleared.data ? (
        <p>None.</p>
      ) : null}
    </section>
  );
}

/** Highest level first; within a level, opened earliest first. */
export function byLevelThenAge(a: AlarmSummaryView, b: AlarmSummaryView): number {
  return statusRank(b.level) - statusRank(a.level) || Date.parse(a.openedAt) - Date.parse(b.openedAt) || a.alarmId.localeCompare(b.alarmId);
}

/** The plan for the level waiting for acknowledgement (else the alarm's level), as the API resolves it. */
function planText(plans: ResponsePlansResponse | undefined, alarm: AlarmSummaryView): string {
  if (!plans) return '…';
  const level = alarm.pending?.level ?? alarm.level;
  const plan = planFor(plans.rules as readonly ResponsePlanRule[], alarm.instrumentType as InstrumentType, alarm.instrumentId, level);
  return `${plan.response} (within ${formatDuration(plan.limitMinutes * 60)}${plan.noteRequired ? ', note required' : ''})`;
}

/** Time left to acknowledge, or how long overdue; kept current. */
export function TimeLeft({ pending }: { pending: PendingView }) {
  const now = useNow(15_000);
  const left = Date.parse(pending.acknowledgeBy) - now;
  const overdue = left < 0;
  return (
    <span class={`time-left${overdue ? ' overdue' : ''}`} data-overdue={overdue ? 'true' : 'false'}>
      {overdue ? `overdue by ${formatDuration(-left / 1000)}` : `${formatDuration(left / 1000)} left`}
    </span>
  );
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
