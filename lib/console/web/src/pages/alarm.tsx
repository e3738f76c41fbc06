import { useState } from 'preact/hooks';
import type { AlarmDetailView } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Field } from '../components/field.js';
import { fieldMessages, ProblemMessage, UnclaimedFieldErrors } from '../components/problem.js';
import { StatusBadge } from '../components/status.js';
import { formatNumber, siteTime, statusLabel, typeLabel } from '../format.js';
import { usePolling } from '../polling.js';
import { Link, paths } from '../router.js';
import { TimeLeft } from './alarms.js';

/**
 * One alarm: its state and level, what the response plan asks for and by when, the
 * acknowledgement form (engineers only), and its history, acknowledgements,
 * notifications and audit trail. Kept live like the other pages.
 */
export function AlarmPage({ alarmId }: { alarmId: string }) {
  const { api, zone, isEngineer } = useApp();
  const detail = usePolling(() => api.alarm(alarmId), [alarmId]);
  const alarm = detail.data?.alarm;
  // Kept here: once acknowledged, the form goes, and the outcome stays on the page.
  const [outcome, setOutcome] = useState<string | undefined>();
  return (
    <section class="alarm-page">
      <p class="breadcrumb">
        <Link href={paths.alarms()}>Alarms</Link> /
      </p>
      <h1 tabIndex={-1}>Alarm on {alarm ? <Link href={paths.instrument(alarm.instrumentId)}>{alarm.instrumentId}</Link> : alarmId}</h1>
      <ProblemMessage error={detail.error} what="The alarm could not be loaded" />
      {alarm ? (
        <>
          <AlarmSummary alarm={alarm} zone={zone} />
          {alarm.needsAcknowledgement ? (
            isEngineer ? (
              <AcknowledgeForm
                alarm={alarm}
                onDone={(message) => {
                  setOutcome(message);
                  detail.refresh();
                }}
              />
            ) : (
              <p class="notice" data-role-note="viewer">
                Acknowledging needs the engineers group; you are signed in as a viewer.
              </p>
            )
          ) : (
            <p class="notice">Nothing is waiting for an acknowledgement.</p>
          )}
          {outcome ? (
            <p class="done" role="status">
              {outcome}
            </p>
          ) : null}
          <History alarm={alarm} zone={zone} />
          <Acknowledgements alarm={alarm} zone={zone} />
          <Notifications alarm={alarm} zone={zone} />
          <Audit alarm={alarm} zone={zone} />
        </>
      ) : null}
    </section>
  );
}

function AlarmSummary({ alarm, zone }: { alarm: AlarmDetailView; zone: string }) {
  return (
    <dl class="facts">
      <dt>State</dt>
      <dd data-alarm-state={alarm.state}>{alarm.state === 'open' ? 'Open' : `Cleared at ${siteTime(alarm.clearedAt, zone)}`}</dd>
      <dt>Level</dt>
      <dd>
        <StatusBadge status={alarm.level} /> (peak {statusLabel(alarm.peakLevel)})
      </dd>
      <dt>Instrument</dt>
      <dd>
        {alarm.instrumentId}, {typeLabel(alarm.instrumentType as Parameters<typeof typeLabel>[0])} ({alarm.unit})
      </dd>
      <dt>Opened</dt>
      <dd>
        {siteTime(alarm.openedAt, zone)} (window), found {siteTime(alarm.foundAt, zone)}
      </dd>
      <dt>Response plan ({alarm.responsePlan.source})</dt>
      <dd class="plan">
        {statusLabel(alarm.responsePlan.level)}: {alarm.responsePlan.response}. Acknowledge within {alarm.responsePlan.limitMinutes} min
        {alarm.responsePlan.noteRequired ? ', with a note' : ''}.
      </dd>
      <dt>Waiting for acknowledgement</dt>
      <dd>
        {alarm.pending ? (
          <>
            {statusLabel(alarm.pending.level)} since {siteTime(alarm.pending.since, zone)}; acknowledge by{' '}
            {siteTime(alarm.pending.acknowledgeBy, zone)} (<TimeLeft pending={alarm.pending} />)
          </>
        ) : (
          'nothing'
        )}
      </dd>
      {alarm.escalation ? (
        <>
          <dt>Escalation</dt>
          <dd>
            {alarm.escalation.nextTier
              ? `tier ${alarm.escalation.nextTier.tier} of ${alarm.escalation.tiers} is told at ${siteTime(alarm.escalation.nextTier.dueAt, zone)}`
              : `every tier (${alarm.escalation.tiers}) has been told`}
            {alarm.escalation.nextReminderAt ? `; next reminder ${siteTime(alarm.escalation.nextReminderAt, zone)}` : ''}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function AcknowledgeForm({ alarm, onDone }: { alarm: AlarmDetailView; onDone: (outcome: string) => void }) {
  const { api } = useApp();
  const [note, setNote] = useState('');
  const [response, setResponse] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.acknowledge(alarm.alarmId, { note, ...(response.trim() ? { response } : {}) });
      setNote('');
      setResponse('');
      onDone(
        answer.outcome === 'acknowledged'
          ? `Acknowledged ${statusLabel(answer.acknowledgement.level)}.`
          : 'It was already acknowledged: nothing was recorded.',
      );
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  const pendingLevel = alarm.pending?.level ?? alarm.level;
  return (
    <form class="acknowledge" onSubmit={(event) => void submit(event)} aria-labelledby="ack-heading">
      <h2 id="ack-heading">Acknowledge {statusLabel(pendingLevel)}</h2>
      <Field
        label={`Note${alarm.responsePlan.noteRequired ? ' (required)' : ''}`}
        hint="What was found and what is being done."
        errors={fieldMessages(error, 'note')}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            name="note"
            rows={3}
            required={alarm.responsePlan.noteRequired}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Response taken (optional)" hint={`The plan: ${alarm.responsePlan.response}`} errors={fieldMessages(error, 'response')}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            name="response"
            rows={2}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={response}
            onInput={(e) => setResponse(e.currentTarget.value)}
          />
        )}
      </Field>
      <ProblemMessage error={error} what="Not acknowledged" />
      <UnclaimedFieldErrors error={error} claimed={(field) => field === 'note' || field === 'response'} />
      <button type="submit" disabled={busy}>
        Acknowledge
      </button>
    </form>
  );
}

function History({ alarm, zone }: { alarm: AlarmDetailView; zone: string }) {
  return (
    <table class="history">
      <caption>History</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Change</th>
          <th scope="col">Window ({zone})</th>
          <th scope="col">Mean</th>
          <th scope="col">From baseline</th>
          <th scope="col">Found</th>
        </tr>
      </thead>
      <tbody>
        {alarm.history.map((step) => (
          <tr key={`${step.changeKey}:${step.kind}`}>
            <td>
              {step.kind}
              {step.late ? ' (late)' : ''}
              {step.rebuiltBy ? <small title={step.rebuiltBy}> (found by a rebuild, not notified)</small> : null}
            </td>
            <td>
              {statusLabel(step.from)} → {statusLabel(step.to)}
            </td>
            <td>{siteTime(step.windowStart, zone)}</td>
            <td class="number">
              {formatNumber(step.mean, 3)} {step.unit}
            </td>
            <td class="number">{step.change === null ? '—' : `${step.change > 0 ? '+' : ''}${formatNumber(step.change, 3)}`}</td>
            <td>{siteTime(step.foundAt, zone)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Acknowledgements({ alarm, zone }: { alarm: AlarmDetailView; zone: string }) {
  if (alarm.acknowledgements.length === 0) return <p>No acknowledgements yet.</p>;
  return (
    <table class="acknowledgements">
      <caption>Acknowledgements</caption>
      <thead>
        <tr>
          <th scope="col">When ({zone})</th>
          <th scope="col">By</th>
          <th scope="col">Level</th>
          <th scope="col">Note</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {alarm.acknowledgements.map((a) => (
          <tr key={`${a.at}:${a.by}`}>
            <td>{siteTime(a.at, zone)}</td>
            <td>{a.byName}</td>
            <td>{statusLabel(a.level)}</td>
            <td>{a.note}</td>
            <td>{a.response ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Notifications({ alarm, zone }: { alarm: AlarmDetailView; zone: string }) {
  if (alarm.notifications.length === 0) return <p>No notifications sent yet.</p>;
  return (
    <table class="notifications">
      <caption>Notifications</caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Tier</th>
          <th scope="col">Level</th>
          <th scope="col">State</th>
          <th scope="col">Sent ({zone})</th>
          <th scope="col">Channel</th>
        </tr>
      </thead>
      <tbody>
        {alarm.notifications.map((n) => (
          <tr key={n.notificationId}>
            <td>{n.kind}</td>
            <td>{n.tier}</td>
            <td>{statusLabel(n.level)}</td>
            <td>
              {n.state}
              {n.error ? `: ${n.error}` : ''}
            </td>
            <td>{siteTime(n.sentAt, zone)}</td>
            <td>{n.channel ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Audit({ alarm, zone }: { alarm: AlarmDetailView; zone: string }) {
  return (
    <table class="audit">
      <caption>Audit trail</caption>
      <thead>
        <tr>
          <th scope="col">When ({zone})</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {alarm.audit.map((entry, i) => (
          <tr key={`${entry.at}:${i}`} data-action={entry.action}>
            <td>{siteTime(entry.at, zone)}</td>
            <td>{actorName(entry)}</td>
            <td>{entry.action}</td>
            <td>
              <code>{auditDetail(entry.detail)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** People by the name they acknowledged under (the audit keeps their id); the pipeline and the escalation as they are. */
function actorName(entry: { actor: string; detail: unknown }): string {
  const byName = (entry.detail as { byName?: unknown } | null)?.byName;
  return typeof byName === 'string' ? byName : entry.actor;
}

function auditDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join('; ');
}
