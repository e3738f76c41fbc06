import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { INSTRUMENT_TYPES, type InstrumentType } from '../../../../../lambdas/domain/instrument-types.js';
import { TRIGGER_STATUSES } from '../../../../../lambdas/domain/trigger-levels.js';
import { typeSymbolPath } from '../../../../../local/report/html/plan-geometry.js';
import type { InstrumentSummary } from '../api/types.js';
import { useApp } from '../app-context.js';
import { ProblemMessage } from '../components/problem.js';
import { SitePlan } from '../components/site-plan.js';
import { RingsSample, StatusBadge } from '../components/status.js';
import { formatValue, siteTime, statusColour, statusLabel, typeLabel } from '../format.js';
import { usePolling } from '../polling.js';
import { Link, navigate, paths } from '../router.js';

/**
 * The site plan, live: every instrument at its grid position, coloured by status, asked
 * again every 5 seconds; below it the same instruments as a table, which is also how a
 * keyboard or screen reader user reaches each one.
 */
export function SitePlanPage() {
  const { api, zone } = useApp();
  const instruments = usePolling(() => api.instruments(), []);
  const [type, setType] = useState<InstrumentType | ''>('');
  const [search, setSearch] = useState('');
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const all = instruments.data?.instruments;
  const shown = useMemo(() => (all && type ? all.filter((i) => i.instrumentType === type) : all), [all, type]);
  const listed = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return shown && needle ? shown.filter((i) => i.instrumentId.toLowerCase().includes(needle)) : shown;
  }, [shown, search]);
  const open = useCallback((id: string) => navigate(paths.instrument(id)), []);
  const unplotted = shown?.filter((i) => i.easting === null || i.northing === null) ?? [];
  // The list follows the plan's first paint: on a big site the plan is there first, the list a moment later.
  const [listReady, setListReady] = useState(false);
  useEffect(() => {
    if (!shown || listReady) return undefined;
    const timer = setTimeout(() => setListReady(true), 0);
    return () => clearTimeout(timer);
  }, [shown, listReady]);

  return (
    <section class="site-plan-page">
      <h1 tabIndex={-1}>Site plan</h1>
      <ProblemMessage error={instruments.error} what="The instruments could not be loaded" />
      {shown ? <Counts instruments={shown} /> : <p>Loading the instruments…</p>}
      <p class="live" aria-live="off">
        {instruments.data ? `As of ${siteTime(instruments.data.generatedAt, zone)} (${zone}); updated every 5 seconds.` : ''}
      </p>
      <div class="plan-controls">
        <div class="field inline">
          <label for="plan-type">Instrument type</label>
          <select id="plan-type" value={type} onChange={(e) => setType(e.currentTarget.value as InstrumentType | '')}>
            <option value="">All types</option>
            {INSTRUMENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {typeLabel(t)}
              </option>
            ))}
          </select>
        </div>
        <div class="field inline">
          <label for="plan-search">Find instrument</label>
          <input id="plan-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
      </div>
      {shown ? (
        <div class="plan-layout">
          <SitePlan instruments={shown} zone={zone} onOpen={open} highlighted={highlighted} />
          <Legend />
        </div>
      ) : null}
      {unplotted.length > 0 ? (
        <p class="hint">Without a grid position, not on the plan: {unplotted.map((i) => i.instrumentId).join(', ')}.</p>
      ) : null}
      {listed && listReady ? <InstrumentTable instruments={listed} onPoint={setHighlighted} /> : null}
    </section>
  );
}

function Counts({ instruments }: { instruments: readonly InstrumentSummary[] }) {
  const counts = new Map<string, number>();
  for (const i of instruments) counts.set(i.status ?? 'unevaluated', (counts.get(i.status ?? 'unevaluated') ?? 0) + 1);
  const silent = instruments.filter((i) => i.silent).length;
  return (
    <ul class="counts" aria-label="Instruments by status">
      {[...TRIGGER_STATUSES, null].map((status) => (
        <li key={status ?? 'unevaluated'}>
          <StatusBadge status={status} /> {counts.get(status ?? 'unevaluated') ?? 0}
        </li>
      ))}
      <li>
        <span class="badge silent">Silent</span> {silent}
      </li>
    </ul>
  );
}

function Legend() {
  return (
    <aside class="legend" aria-label="Legend">
      <h2>Legend</h2>
      <h3>Type (shape)</h3>
      <ul>
        {INSTRUMENT_TYPES.map((t) => (
          <li key={t}>
            <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
              <path d={typeSymbolPath(t, 70)} fill="#5b6578" />
            </svg>{' '}
            {typeLabel(t)}
          </li>
        ))}
      </ul>
      <h3>Status (colour and rings)</h3>
      <ul>
        <li>
          <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
            <circle r="5" fill={statusColour('normal')} />
          </svg>{' '}
          Normal: no ring
        </li>
        {(['alert', 'alarm', 'action'] as const).map((s, i) => (
          <li key={s}>
            <RingsSample status={s} /> {statusLabel(s)}: {i + 1} ring{i === 0 ? '' : 's'}
          </li>
        ))}
        <li>
          <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
            <circle r="5" fill={statusColour(null)} />
          </svg>{' '}
          Not evaluated yet
        </li>
        <li>
          <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
            <circle r="5" fill="#ffffff" stroke="#5b6578" stroke-width="2" />
          </svg>{' '}
          Hollow: silent (no reading for 10 min or 5 logging intervals)
        </li>
      </ul>
    </aside>
  );
}

function InstrumentTable({ instruments, onPoint }: { instruments: readonly InstrumentSummary[]; onPoint: (id: string | null) => void }) {
  const { zone } = useApp();
  const sorted = useMemo(() => [...instruments].sort((a, b) => a.instrumentId.localeCompare(b.instrumentId)), [instruments]);
  // Below the plan, and long on a big site: the browser lays it out when it scrolls into view (content-visibility),
  // while screen readers and find-in-page have all of it at once.
  return (
    <div class="instruments-list">
      <table class="instruments-table">
        <caption>
          {sorted.length} instrument{sorted.length === 1 ? '' : 's'}: id, type and status of each
        </caption>
        <thead>
          <tr>
            <th scope="col">Instrument</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Latest value</th>
            <th scope="col">Last reading ({zone})</th>
            <th scope="col">Open alarm</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((i) => (
            <tr key={i.instrumentId} data-instrument={i.instrumentId} data-status={i.status ?? 'unevaluated'}>
              <th scope="row">
                <Link
                  href={paths.instrument(i.instrumentId)}
                  onFocus={() => onPoint(i.instrumentId)}
                  onBlur={() => onPoint(null)}
                  onMouseEnter={() => onPoint(i.instrumentId)}
                  onMouseLeave={() => onPoint(null)}
                >
                  {i.instrumentId}
                </Link>
              </th>
              <td>{typeLabel(i.instrumentType)}</td>
              <td>
                <StatusBadge status={i.status} silent={i.silent} />
              </td>
              <td class="number">
                {formatValue(i.instrumentType, i.latestValue)} {i.latestValue === null ? '' : i.unit}
              </td>
              <td>{siteTime(i.lastObservedAt, zone)}</td>
              <td>
                {i.openAlarm ? (
                  <Link href={paths.alarm(i.openAlarm.alarmId)}>
                    {statusLabel(i.openAlarm.level)}
                    {i.openAlarm.needsAcknowledgement ? ', to acknowledge' : ''}
                  </Link>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
