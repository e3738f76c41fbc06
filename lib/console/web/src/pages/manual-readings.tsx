import { useMemo, useState } from 'preact/hooks';
import { MAX_MANUAL_READINGS, MAX_NOTE_CHARACTERS } from '../../../../../lambdas/domain/manual-readings.js';
import { formatWallTime, instantOfWallTime } from '../../../../../lambdas/domain/site-time.js';
import type { ReadingsReceipt } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Field } from '../components/field.js';
import { fieldMessages, ProblemMessage, UnclaimedFieldErrors } from '../components/problem.js';
import { quantityLabel, typeLabel } from '../format.js';
import { usePolling } from '../polling.js';
import { Link, paths } from '../router.js';

/**
 * Manual readings (engineers): one reading entered by hand (a dipped standpipe, a levelled
 * marker), or a CSV of many. Both go through the same checks and the same stream as polled
 * readings; the answer names every row refused and why.
 */
export function ManualReadingsPage() {
  const { isEngineer } = useApp();
  return (
    <section class="readings-page">
      <h1 tabIndex={-1}>Manual readings</h1>
      {isEngineer ? (
        <>
          <p>
            Readings entered here are checked by the same rules as polled ones, put on the stream with the source <em>manual</em> and your
            name, and averaged and judged like any other reading.
          </p>
          <SingleReadingForm />
          <CsvUploadForm />
        </>
      ) : (
        <p class="notice" data-role-note="viewer">
          Entering readings needs the engineers group; you are signed in as a viewer.
        </p>
      )}
    </section>
  );
}

function SingleReadingForm() {
  const { api, zone } = useApp();
  const instruments = usePolling(() => api.instruments(), [], 60_000);
  const [instrumentId, setInstrumentId] = useState('');
  const [value, setValue] = useState('');
  const [observed, setObserved] = useState(() => wallInput(Date.now(), zone));
  const [note, setNote] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [receipt, setReceipt] = useState<ReadingsReceipt | undefined>();
  const [busy, setBusy] = useState(false);
  const known = useMemo(() => new Map((instruments.data?.instruments ?? []).map((i) => [i.instrumentId, i])), [instruments.data]);
  const instrument = known.get(instrumentId.trim());

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setReceipt(undefined);
    try {
      const instant = wallInstant(observed, zone);
      if (!Number.isFinite(instant)) throw new Error(`the time read is not a valid time on the site's clocks (got ${observed})`);
      const observedAt = new Date(instant).toISOString();
      const answer = await api.postReadings([
        { instrumentId: instrumentId.trim(), value: Number(value), observedAt, ...(note.trim() ? { note: note.trim() } : {}) },
      ]);
      setReceipt(answer);
      if (answer.accepted === 1) {
        setValue('');
        setNote('');
      }
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };

  const rejection = receipt?.rejected[0];
  const rowError = (field: string) => [
    ...fieldMessages(error, `readings.0.${field}`),
    ...(rejection && rejection.field === field ? [`${rejection.reason}: ${rejection.detail}`] : []),
  ];

  return (
    <form class="single-reading" onSubmit={(event) => void submit(event)} aria-labelledby="single-heading">
      <h2 id="single-heading">Enter a reading</h2>
      <Field
        label="Instrument"
        hint={instrument ? `${typeLabel(instrument.instrumentType)}: ${quantityLabel(instrument.instrumentType)}` : 'Its id, e.g. BH-1024'}
        errors={rowError('instrumentId')}
      >
        {({ id, describedBy, invalid }) => (
          <>
            <input
              id={id}
              name="instrumentId"
              list="known-instruments"
              required
              autocomplete="off"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={instrumentId}
              onInput={(e) => setInstrumentId(e.currentTarget.value)}
            />
            <datalist id="known-instruments">
              {[...known.keys()].sort().map((known) => (
                <option key={known} value={known} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label={`Value${instrument ? ` (${instrument.unit})` : ''}`} errors={rowError('value')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            name="value"
            type="number"
            step="any"
            required
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label={`Time read (${zone})`} hint="On the site's clocks, to the second." errors={rowError('observedAt')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            name="observedAt"
            type="datetime-local"
            step="1"
            required
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={observed}
            onInput={(e) => setObserved(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Note (optional)" errors={rowError('note')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            name="note"
            maxLength={MAX_NOTE_CHARACTERS}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        )}
      </Field>
      <ProblemMessage error={error} what="Not sent" />
      <UnclaimedFieldErrors error={error} claimed={(field) => /^readings\.0\.(instrumentId|value|observedAt|note)$/.test(field)} />
      {receipt ? (
        receipt.accepted === 1 ? (
          <p class="done" role="status" data-outcome="accepted">
            Accepted: the reading is on its way to <Link href={paths.instrument(instrumentId.trim())}>{instrumentId.trim()}</Link>.
          </p>
        ) : (
          <p class="problem" role="alert" data-outcome="rejected">
            Refused: {rejection ? `${rejection.reason}: ${rejection.detail}` : 'no reason given'}
          </p>
        )
      ) : null}
      <button type="submit" disabled={busy}>
        Send reading
      </button>
    </form>
  );
}

function CsvUploadForm() {
  const { api } = useApp();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const [receipt, setReceipt] = useState<ReadingsReceipt | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setReceipt(undefined);
    try {
      setReceipt(await api.postReadingsCsv(await file.text()));
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="csv-upload" onSubmit={(event) => void submit(event)} aria-labelledby="csv-heading">
      <h2 id="csv-heading">Upload a CSV</h2>
      <Field
        label="CSV file"
        hint={`Header instrument_id,observed_at,value,note; observed_at an ISO-8601 instant with its offset; up to ${MAX_MANUAL_READINGS.toLocaleString('en-GB')} rows.`}
      >
        {({ id, describedBy }) => (
          <input
            id={id}
            name="csv"
            type="file"
            accept=".csv,text/csv"
            required
            aria-describedby={describedBy}
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        )}
      </Field>
      <ProblemMessage error={error} what="Not uploaded" />
      <UnclaimedFieldErrors error={error} claimed={() => false} />
      {receipt ? <Receipt receipt={receipt} /> : null}
      <button type="submit" disabled={busy || !file}>
        Upload
      </button>
    </form>
  );
}

function Receipt({ receipt }: { receipt: ReadingsReceipt }) {
  return (
    <div class="receipt" role="status">
      <p data-received={receipt.received} data-accepted={receipt.accepted} data-rejected={receipt.rejected.length}>
        {receipt.received} row{receipt.received === 1 ? '' : 's'} received: {receipt.accepted} accepted, {receipt.rejected.length} refused.
      </p>
      {receipt.rejected.length > 0 ? (
        <table class="rejected-rows">
          <caption>Refused rows, with the reason for each</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Instrument</th>
              <th scope="col">Reason</th>
              <th scope="col">Field</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {receipt.rejected.map((row) => (
              <tr key={`${row.row}:${row.reason}`} data-row={row.row} data-reason={row.reason}>
                <td class="number">{row.row}</td>
                <td>{row.instrumentId ?? '—'}</td>
                <td>
                  <code>{row.reason}</code>
                </td>
                <td>{row.field ?? '—'}</td>
                <td>{row.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** An instant as a `datetime-local` value on the zone's clocks (`YYYY-MM-DDTHH:MM:SS`). */
export function wallInput(epochMs: number, zone: string): string {
  return formatWallTime(epochMs, zone).replace(' ', 'T');
}

/** A `datetime-local` value read on the zone's clocks. */
export function wallInstant(value: string, zone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return instantOfWallTime({ year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second || 0 }, zone);
}
