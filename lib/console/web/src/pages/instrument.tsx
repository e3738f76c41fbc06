import { useMemo, useState } from 'preact/hooks';
import { INSTRUMENT_TYPE_SPECS } from '../../../../../lambdas/domain/instrument-types.js';
import { ruleText } from '../../../../../local/report/levels.js';
import type { ChangeEntry, Reading, RegistryEntry, SpikeEntry, WindowAggregate } from '../api/types.js';
import { useApp } from '../app-context.js';
import { ProblemMessage } from '../components/problem.js';
import { StatusBadge } from '../components/status.js';
import { TimeChart, type ChartChange, type ChartReading, type ChartSpike } from '../components/time-chart.js';
import { formatNumber, formatValue, siteTime, statusLabel, typeLabel } from '../format.js';
import { baselineSegments, levelSegments, meanPoints, ratePoints, rateLevelSegments } from '../instrument-series.js';
import { POLL_INTERVAL_MS, usePolling } from '../polling.js';
import { Link, paths } from '../router.js';
import { BaselineForm, RuleEditor } from './registry-forms.js';

const HOUR_MS = 3_600_000;

/** The zoom levels: hours, a day, a week, four weeks. */
const ZOOMS = [
  { label: '6 hours', ms: 6 * HOUR_MS },
  { label: '1 day', ms: 24 * HOUR_MS },
  { label: '1 week', ms: 7 * 24 * HOUR_MS },
  { label: '4 weeks', ms: 28 * 24 * HOUR_MS },
] as const;

/** Raw readings are fetched for periods up to this long; longer ones show window means only. */
const RAW_READINGS_UP_TO_MS = 24 * HOUR_MS;

/** Most raw readings listed in the table, latest first. */
const LISTED_READINGS = 200;

/**
 * One instrument: its registry entry (type, position, rule and levels, baseline history;
 * editable by engineers), its window means with the baseline and levels drawn (and its
 * rate with the rate levels, where its rule has any), its raw readings, unconfirmed spikes
 * and status changes (late corrections marked), zoomable from hours to weeks. Live.
 */
export function InstrumentPage({ instrumentId }: { instrumentId: string }) {
  const { api, zone, isEngineer } = useApp();
  const [zoom, setZoom] = useState<number>(ZOOMS[0].ms);
  const registry = usePolling(() => api.instrument(instrumentId), [instrumentId], 30_000);
  // Long periods change little between polls; they are asked again less often.
  const interval = zoom <= RAW_READINGS_UP_TO_MS ? POLL_INTERVAL_MS : 60_000;
  const series = usePolling(
    async () => {
      const to = Date.now();
      const from = to - zoom;
      const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      const [windows, readings, events] = await Promise.all([
        api.windows(instrumentId, range),
        zoom <= RAW_READINGS_UP_TO_MS ? api.readings(instrumentId, range) : Promise.resolve(null),
        api.events(instrumentId, range),
      ]);
      return { from, to, windows, readings, events };
    },
    [instrumentId, zoom],
    interval,
  );
  const entry = registry.data;

  return (
    <section class="instrument-page">
      <p class="breadcrumb">
        <Link href={paths.plan()}>Site plan</Link> /
      </p>
      <h1 tabIndex={-1}>
        {instrumentId} {entry ? <StatusBadge status={entry.status} /> : null}
      </h1>
      <ProblemMessage error={registry.error} what="The instrument could not be loaded" />
      <div class="zoom" role="group" aria-label="Period shown">
        {ZOOMS.map((z) => (
          <button key={z.ms} type="button" aria-pressed={zoom === z.ms} onClick={() => setZoom(z.ms)}>
            {z.label}
          </button>
        ))}
      </div>
      <ProblemMessage error={series.error} what="The readings could not be loaded" />
      {entry && series.data ? (
        <Charts
          entry={entry}
          zone={zone}
          from={series.data.from}
          to={series.data.to}
          windows={series.data.windows.windows}
          truncated={series.data.windows.truncated}
          readings={series.data.readings?.readings ?? null}
          changes={series.data.events.changes}
          spikes={series.data.events.spikes}
          eventsTruncated={series.data.events.truncated}
        />
      ) : (
        <p>Loading…</p>
      )}
      {entry ? <Registry entry={entry} zone={zone} /> : null}
      {entry && isEngineer ? (
        <details class="edit">
          <summary>Edit the trigger rule or re-baseline</summary>
          <RuleEditor entry={entry} onSaved={registry.refresh} />
          <BaselineForm entry={entry} onSaved={() => (registry.refresh(), series.refresh())} />
        </details>
      ) : entry ? (
        <p class="notice" data-role-note="viewer">
          Changing the rule or the baseline needs the engineers group; you are signed in as a viewer.
        </p>
      ) : null}
      {series.data?.readings ? <ReadingsTable readings={series.data.readings.readings} entry={entry} zone={zone} /> : null}
      {series.data && !series.data.readings ? <p class="hint">Raw readings are listed for periods up to a day.</p> : null}
    </section>
  );
}

function Charts(props: {
  entry: RegistryEntry;
  zone: string;
  from: number;
  to: number;
  windows: readonly WindowAggregate[];
  truncated: boolean;
  readings: readonly Reading[] | null;
  changes: readonly ChangeEntry[];
  spikes: readonly SpikeEntry[];
  eventsTruncated: boolean;
}) {
  const { entry, zone, from, to } = props;
  const type = entry.instrumentType;
  const unit = entry.unit;
  const windowSeconds = props.windows[0] ? (Date.parse(props.windows[0].windowEnd) - Date.parse(props.windows[0].windowStart)) / 1000 : 10;
  const fmt = (v: number) => formatValue(type, v);
  const drawn = useMemo(() => {
    const baselines = baselineSegments(
      entry.baselines,
      from,
      to,
      (b) => `Baseline ${b.baselineId}: ${fmt(b.value)} ${unit} from ${siteTime(b.effectiveFrom, zone)}`,
    );
    const readings: ChartReading[] = (props.readings ?? []).map((r) => ({
      t: Date.parse(r.observedAt),
      value: r.value,
      manual: r.source === 'manual',
      observedAt: r.observedAt,
      label: `${r.source === 'manual' ? 'Manual reading' : 'Reading'} ${fmt(r.value)} ${unit} at ${siteTime(r.observedAt, zone)}${r.author ? ` by ${r.author}` : ''}${r.note ? `: ${r.note}` : ''}`,
    }));
    const changes: ChartChange[] = props.changes.map((c) => ({
      t: Date.parse(c.windowStart),
      to: c.to,
      late: c.late,
      withdrawn: c.withdrawn,
      label: `${statusLabel(c.from)} → ${statusLabel(c.to)} at ${siteTime(c.windowStart, zone)}, mean ${fmt(c.mean)} ${unit}${c.late ? `, found late${c.delaySeconds === null ? '' : ` (${Math.round(c.delaySeconds / 60)} min after)`}` : ''}${c.withdrawn ? ', withdrawn' : ''}`,
    }));
    const spikes: ChartSpike[] = props.spikes.map((s) => ({
      from: Date.parse(s.since),
      to: Date.parse(s.until),
      peak: s.peakStatus,
      label: `Unconfirmed spike to ${statusLabel(s.peakStatus)}, ${siteTime(s.since, zone)} to ${siteTime(s.until, zone)}`,
    }));
    return {
      points: meanPoints(props.windows, from, to, windowSeconds),
      rates: ratePoints(props.windows, from, to, windowSeconds),
      baselines,
      levels: levelSegments(entry.rule.inForce, baselines, from, to),
      rateLevels: rateLevelSegments(entry.rule.inForce, from, to),
      readings,
      changes,
      spikes,
    };
  }, [props.windows, props.readings, props.changes, props.spikes, entry, from, to, zone]);
  const maxGapMs = Math.max(windowSeconds * 1000 * 3, (to - from) / 100);
  const late = props.changes.filter((c) => c.late).length;
  const withdrawn = props.changes.filter((c) => c.withdrawn).length;
  return (
    <div class="charts">
      <h2>Window means</h2>
      <TimeChart
        id={`means-${entry.instrumentId}`}
        description={`Window means of ${entry.instrumentId} in ${unit} from ${siteTime(new Date(from).toISOString(), zone)} to ${siteTime(new Date(to).toISOString(), zone)}, with baseline and trigger levels: ${props.windows.length} windows, ${props.changes.length} status changes (${late} late, ${withdrawn} withdrawn), ${props.spikes.length} unconfirmed spikes`}
        from={from}
        to={to}
        zone={zone}
        unit={unit}
        points={drawn.points}
        levels={drawn.levels}
        baselines={drawn.baselines}
        readings={drawn.readings}
        changes={drawn.changes}
        spikes={drawn.spikes}
        maxGapMs={maxGapMs}
        formatValue={fmt}
      />
      <p class="chart-key">
        Line: window means (shaded: the spread of readings). Dots: raw readings; diamonds: manual readings. Flags: confirmed status changes
        (dashed and marked L when found late, hollow when withdrawn). Shaded spans: unconfirmed spikes.
        {props.truncated ? ' Only the first windows of this period are drawn: choose a shorter one.' : ''}
        {props.eventsTruncated ? ' More status changes and spikes fell in this period than are marked: choose a shorter one.' : ''}
      </p>
      {entry.rule.inForce.rateBands.length > 0 ? (
        <>
          <h2>Rate of change</h2>
          <TimeChart
            id={`rate-${entry.instrumentId}`}
            description={`Rate of change of ${entry.instrumentId} in ${unit} per day, with its rate levels`}
            from={from}
            to={to}
            zone={zone}
            unit={`${unit}/day`}
            points={drawn.rates}
            levels={drawn.rateLevels}
            maxGapMs={maxGapMs}
            formatValue={(v) => formatNumber(v, 2)}
            height={220}
          />
        </>
      ) : null}
      <ChangesTable changes={props.changes} spikes={props.spikes} zone={zone} fmt={fmt} unit={unit} />
    </div>
  );
}

function ChangesTable(props: {
  changes: readonly ChangeEntry[];
  spikes: readonly SpikeEntry[];
  zone: string;
  fmt: (v: number) => string;
  unit: string;
}) {
  if (props.changes.length === 0 && props.spikes.length === 0) return <p>No status changes or spikes in this period.</p>;
  return (
    <table class="events">
      <caption>Status changes and unconfirmed spikes in this period</caption>
      <thead>
        <tr>
          <th scope="col">Window ({props.zone})</th>
          <th scope="col">What</th>
          <th scope="col">Mean</th>
          <th scope="col">Marked</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((c) => (
          <tr key={`c${c.windowStart}${c.to}`} data-late={c.late ? 'true' : undefined} data-withdrawn={c.withdrawn ? 'true' : undefined}>
            <td>{siteTime(c.windowStart, props.zone)}</td>
            <td>
              {statusLabel(c.from)} → {statusLabel(c.to)}
            </td>
            <td class="number">
              {props.fmt(c.mean)} {props.unit}
            </td>
            <td>
              {[
                c.late ? `late${c.delaySeconds === null ? '' : ` by ${Math.round(c.delaySeconds / 60)} min`}` : '',
                c.withdrawn ? 'withdrawn' : '',
              ]
                .filter(Boolean)
                .join(', ') || '—'}
            </td>
          </tr>
        ))}
        {props.spikes.map((s) => (
          <tr key={`s${s.since}`}>
            <td>{siteTime(s.since, props.zone)}</td>
            <td>Unconfirmed spike to {statusLabel(s.peakStatus)}</td>
            <td>—</td>
            <td>until {siteTime(s.until, props.zone)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Registry({ entry, zone }: { entry: RegistryEntry; zone: string }) {
  const range = INSTRUMENT_TYPE_SPECS[entry.instrumentType].physicalRange;
  return (
    <section class="registry" aria-labelledby="registry-heading">
      <h2 id="registry-heading">Registry entry</h2>
      <dl class="facts">
        <dt>Type</dt>
        <dd>
          {typeLabel(entry.instrumentType)} ({entry.unit}; readings accepted from {range.min} to {range.max})
        </dd>
        <dt>Position (MGA zone 55)</dt>
        <dd>
          {entry.easting === null || entry.northing === null
            ? 'unknown'
            : `E ${formatNumber(entry.easting, 1)} N ${formatNumber(entry.northing, 1)}`}
          {entry.latitude !== null && entry.longitude !== null
            ? ` (${formatNumber(entry.latitude, 6)}, ${formatNumber(entry.longitude, 6)})`
            : ''}
        </dd>
        <dt>Surface level</dt>
        <dd>{entry.surfaceLevel === null ? '—' : `${formatNumber(entry.surfaceLevel, 3)} m`}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={entry.status} /> {entry.statusSince ? `since ${siteTime(entry.statusSince, zone)}` : ''}
        </dd>
        <dt>Trigger rule</dt>
        <dd data-rule-source={entry.rule.source}>
          {entry.rule.source === 'manual' ? 'Its own' : "Its type's default"}
          {entry.rule.setBy ? ` (set by ${entry.rule.setBy}, ${siteTime(entry.rule.setAt, zone)})` : ''}:{' '}
          {ruleText({ rule: entry.rule.inForce, type: entry.instrumentType, unit: entry.unit })} Confirmation: alert{' '}
          {entry.rule.inForce.confirmation.alert}, alarm {entry.rule.inForce.confirmation.alarm}, action{' '}
          {entry.rule.inForce.confirmation.action} windows; dead band {formatNumber(entry.rule.inForce.hysteresisFraction * 100, 0)} %.
        </dd>
      </dl>
      <table class="baselines">
        <caption>Baseline history</caption>
        <thead>
          <tr>
            <th scope="col">Baseline</th>
            <th scope="col">Value</th>
            <th scope="col">In force from ({zone})</th>
            <th scope="col">Reason</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {entry.baselines.length === 0 ? (
            <tr>
              <td colSpan={5}>None yet: the initial baseline is the mean of the first {entry.rule.inForce.baselineReadings} readings.</td>
            </tr>
          ) : (
            entry.baselines.map((b) => (
              <tr key={b.baselineId} data-baseline={b.baselineId}>
                <td>
                  {b.baselineId} ({b.source})
                </td>
                <td class="number">
                  {formatValue(entry.instrumentType, b.value)} {entry.unit}
                </td>
                <td>{siteTime(b.effectiveFrom, zone)}</td>
                <td>{b.reason ?? '—'}</td>
                <td>{b.setBy ?? '—'}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}

function ReadingsTable({ readings, entry, zone }: { readings: readonly Reading[]; entry: RegistryEntry | undefined; zone: string }) {
  const latest = [...readings].sort((a, b) => Date.parse(b.observedAt) - Date.parse(a.observedAt)).slice(0, LISTED_READINGS);
  const manual = readings.filter((r) => r.source === 'manual').length;
  return (
    <details class="raw-readings">
      <summary>
        Raw readings: {readings.length} in this period{manual > 0 ? `, ${manual} entered by hand` : ''}
      </summary>
      <table class="readings">
        <caption>
          Latest first ({latest.length} of {readings.length})
        </caption>
        <thead>
          <tr>
            <th scope="col">Read at ({zone})</th>
            <th scope="col">Value</th>
            <th scope="col">Arrived</th>
            <th scope="col">Source</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {latest.map((r) => (
            <tr key={r.observedAt} data-source={r.source} data-observed-at={r.observedAt}>
              <td>{siteTime(r.observedAt, zone)}</td>
              <td class="number">
                {entry ? formatValue(entry.instrumentType, r.value) : r.value} {entry?.unit}
              </td>
              <td>{siteTime(r.arrivedAt, zone)}</td>
              <td>{r.source === 'manual' ? `manual${r.author ? `, ${r.author}` : ''}` : 'polled'}</td>
              <td>{r.note ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
