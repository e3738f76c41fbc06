import { useEffect, useMemo, useState } from 'preact/hooks';
import { statusRank } from '../../../../../lambdas/domain/trigger-levels.js';
import { NORTH_ARROW_PATH, planFrame, typeSymbolPath, type PlanFrame } from '../../../../../local/report/html/plan-geometry.js';
import type { InstrumentSummary } from '../api/types.js';
import { formatNumber, formatValue, siteTime, statusColour, statusLabel, typeLabel } from '../format.js';
import { ringRadii } from './status.js';

type Placed = InstrumentSummary & { readonly easting: number; readonly northing: number };

export interface SitePlanProps {
  readonly instruments: readonly InstrumentSummary[];
  readonly zone: string;
  /** Opens an instrument (click, or Enter on the selected one). */
  readonly onOpen: (instrumentId: string) => void;
  /** Another part of the page (the list) points at this instrument. */
  readonly highlighted?: string | null;
  readonly width?: number;
  readonly height?: number;
}

/** The performance mark set once the plan first shows instruments. */
export const PLAN_RENDERED_MARK = 'console:plan-rendered';

/** Instruments are labelled with their ids when there are at most this many. */
const MAX_LABELS = 60;

/**
 * The site plan: every instrument with a grid position at its easting and northing (MGA
 * zone 55), drawn with the HTML report's projection, grid, scale bar and north arrow. The
 * symbol tells the type, its fill the status (hollow when silent), and rings the level:
 * one for Alert, two for Alarm, three for Action. Each symbol has a title with its id and
 * status. Pointing at one, or moving to it with the arrow keys once the plan has focus,
 * shows its latest value; a click or Enter opens it.
 */
export function SitePlan(props: SitePlanProps) {
  const width = props.width ?? 960;
  const height = props.height ?? 620;
  const placed = useMemo(
    () => props.instruments.filter((i): i is Placed => i.easting !== null && i.northing !== null),
    [props.instruments],
  );
  const frame = useMemo(() => planFrame(placed, width, height), [placed, width, height]);
  const [hovered, setHovered] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const byId = useMemo(() => new Map(placed.map((i) => [i.instrumentId, i])), [placed]);
  const shown = byId.get(hovered ?? selected ?? props.highlighted ?? '') ?? null;

  // The layer of symbols depends only on the data, so pointing and selecting redraw only the tooltip.
  const layer = useMemo(
    () => instrumentLayer(placed, frame, props.zone, setHovered, props.onOpen),
    [placed, frame, props.zone, props.onOpen],
  );

  useEffect(() => {
    // When the first plan with instruments is on the page: `npm run bench` reads it as the time to first render.
    if (placed.length > 0 && performance.getEntriesByName(PLAN_RENDERED_MARK).length === 0) performance.mark(PLAN_RENDERED_MARK);
  }, [placed]);

  const onKeyDown = (event: KeyboardEvent) => {
    const current = byId.get(selected ?? '') ?? null;
    if (event.key === 'Enter' && current) {
      event.preventDefault();
      props.onOpen(current.instrumentId);
      return;
    }
    if (event.key === 'Escape') {
      setSelected(null);
      return;
    }
    const direction = ARROWS[event.key];
    if (!direction) return;
    event.preventDefault();
    const next = current ? nearestInDirection(current, placed, frame, direction) : firstInstrument(placed, frame);
    if (next) setSelected(next.instrumentId);
  };

  return (
    <div class="plan-wrap">
      <svg
        class="plan"
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        tabIndex={0}
        aria-label={`Site plan of ${placed.length} instrument${placed.length === 1 ? '' : 's'} on the MGA zone 55 grid. Arrow keys move between instruments, Enter opens one.`}
        aria-describedby="plan-selection"
        onKeyDown={onKeyDown}
        onBlur={() => setSelected(null)}
      >
        <Grid frame={frame} />
        {layer}
        {props.highlighted && byId.has(props.highlighted) ? <Highlight instrument={byId.get(props.highlighted)!} frame={frame} /> : null}
        {selected && byId.has(selected) ? <Highlight instrument={byId.get(selected)!} frame={frame} /> : null}
        <NorthArrow x={frame.plot.right - 26} y={frame.plot.top + 14} />
        <ScaleBar frame={frame} />
        {shown ? <Tooltip instrument={shown} frame={frame} zone={props.zone} /> : null}
      </svg>
      <p id="plan-selection" class="visually-hidden" aria-live="polite">
        {selected && byId.has(selected) ? describe(byId.get(selected)!, props.zone) : ''}
      </p>
    </div>
  );
}

function instrumentLayer(
  placed: readonly Placed[],
  frame: PlanFrame,
  zone: string,
  setHovered: (id: string | null) => void,
  onOpen: (id: string) => void,
) {
  const order = [...placed].sort((a, b) => rank(a) - rank(b) || a.instrumentId.localeCompare(b.instrumentId));
  const labelled = placed.length <= MAX_LABELS;
  return (
    <g class="instruments">
      {order.map((instrument) => {
        const colour = statusColour(instrument.status);
        const x = r(frame.x(instrument.easting));
        const y = r(frame.y(instrument.northing));
        return (
          <g
            key={instrument.instrumentId}
            class="instrument"
            data-instrument={instrument.instrumentId}
            data-status={instrument.status ?? 'unevaluated'}
            data-silent={instrument.silent ? 'true' : undefined}
            transform={`translate(${x},${y})`}
            onMouseEnter={() => setHovered(instrument.instrumentId)}
            onMouseLeave={() => setHovered(null)}
            onClick={() => onOpen(instrument.instrumentId)}
          >
            <title>{describe(instrument, zone)}</title>
            {ringRadii(instrument.status).map((radius) => (
              <circle key={radius} class="ring" r={radius} fill="none" stroke={colour} stroke-width="1.5" />
            ))}
            <path
              d={typeSymbolPath(instrument.instrumentType)}
              fill={instrument.silent ? '#ffffff' : colour}
              stroke={instrument.silent ? colour : '#ffffff'}
              stroke-width={instrument.silent ? 2.5 : 1.2}
            />
            {labelled ? (
              <text class="label" x="8" y="-7">
                {instrument.instrumentId}
              </text>
            ) : null}
          </g>
        );
      })}
    </g>
  );
}

function Grid({ frame }: { frame: PlanFrame }) {
  const { plot } = frame;
  return (
    <g aria-hidden="true">
      <rect class="ground" x={plot.left} y={plot.top} width={plot.right - plot.left} height={plot.bottom - plot.top} />
      <g class="grid">
        {frame.eastingTicks.map((e) => (
          <line key={`e${e}`} x1={r(frame.x(e))} x2={r(frame.x(e))} y1={plot.top} y2={plot.bottom} />
        ))}
        {frame.northingTicks.map((n) => (
          <line key={`n${n}`} x1={plot.left} x2={plot.right} y1={r(frame.y(n))} y2={r(frame.y(n))} />
        ))}
      </g>
      <g class="axis">
        {frame.eastingTicks.map((e) => (
          <text key={`e${e}`} x={r(frame.x(e))} y={plot.bottom + 16} text-anchor="middle">
            {formatNumber(e, 0)}
          </text>
        ))}
        {frame.northingTicks.map((n) => (
          <text key={`n${n}`} x={plot.left - 6} y={r(frame.y(n))} dy="0.32em" text-anchor="end">
            {formatNumber(n, 0)}
          </text>
        ))}
        <text class="unit" x={r((plot.left + plot.right) / 2)} y={frame.height - 2} text-anchor="middle">
          Easting (m, MGA zone 55)
        </text>
        <text class="unit" transform={`translate(12,${r((plot.top + plot.bottom) / 2)}) rotate(-90)`} text-anchor="middle">
          Northing (m)
        </text>
      </g>
    </g>
  );
}

function NorthArrow({ x, y }: { x: number; y: number }) {
  return (
    <g class="north" transform={`translate(${x},${y})`} role="img" aria-label="North">
      <path d={NORTH_ARROW_PATH} />
      <text x="0" y="40" text-anchor="middle">
        N
      </text>
    </g>
  );
}

function ScaleBar({ frame }: { frame: PlanFrame }) {
  const pixels = r(frame.scaleBar.pixels);
  const half = r(pixels / 2);
  return (
    <g
      class="scale-bar"
      transform={`translate(${frame.plot.left + 14},${frame.plot.bottom - 16})`}
      role="img"
      aria-label={`Scale bar, ${formatNumber(frame.scaleBar.metres, 0)} metres`}
    >
      <rect x="0" y="0" width={half} height="5" class="dark" />
      <rect x={half} y="0" width={r(pixels - half)} height="5" class="light" />
      <text x="0" y="-5">
        0
      </text>
      <text x={pixels} y="-5" text-anchor="end">
        {formatNumber(frame.scaleBar.metres, 0)} m
      </text>
    </g>
  );
}

function Highlight({ instrument, frame }: { instrument: Placed; frame: PlanFrame }) {
  return (
    <circle
      class="highlight"
      cx={r(frame.x(instrument.easting))}
      cy={r(frame.y(instrument.northing))}
      r="16"
      fill="none"
      stroke="#1f5fa8"
      stroke-width="3"
      aria-hidden="true"
    />
  );
}

const TOOLTIP_WIDTH = 250;
const TOOLTIP_LINE = 16;

function Tooltip({ instrument, frame, zone }: { instrument: Placed; frame: PlanFrame; zone: string }) {
  const lines = tooltipLines(instrument, zone);
  const boxHeight = lines.length * TOOLTIP_LINE + 10;
  const px = frame.x(instrument.easting);
  const py = frame.y(instrument.northing);
  const left = px + 14 + TOOLTIP_WIDTH > frame.width ? px - 14 - TOOLTIP_WIDTH : px + 14;
  const top = Math.min(Math.max(py - boxHeight / 2, 2), frame.height - boxHeight - 2);
  return (
    <g class="tooltip" transform={`translate(${r(left)},${r(top)})`} aria-hidden="true" pointer-events="none">
      <rect width={TOOLTIP_WIDTH} height={boxHeight} rx="4" />
      {lines.map((line, i) => (
        <text key={i} x="8" y={18 + i * TOOLTIP_LINE} class={i === 0 ? 'title' : undefined}>
          {line}
        </text>
      ))}
    </g>
  );
}

function tooltipLines(i: InstrumentSummary, zone: string): string[] {
  return [
    `${i.instrumentId} · ${typeLabel(i.instrumentType)}`,
    `${statusLabel(i.status)}${i.silent ? ' · silent' : ''}${i.openAlarm ? ` · open ${i.openAlarm.level} alarm` : ''}`,
    `Latest ${formatValue(i.instrumentType, i.latestValue)} ${i.unit}`,
    `at ${siteTime(i.lastObservedAt, zone)}`,
  ];
}

/** The instrument in words: the SVG title, and what the live region reads out. */
export function describe(i: InstrumentSummary, zone: string): string {
  return [
    i.instrumentId,
    typeLabel(i.instrumentType),
    `status ${statusLabel(i.status)}${i.silent ? ' (silent)' : ''}`,
    `latest ${formatValue(i.instrumentType, i.latestValue)} ${i.unit} at ${siteTime(i.lastObservedAt, zone)}`,
    ...(i.openAlarm ? [`open ${i.openAlarm.level} alarm`] : []),
  ].join(', ');
}

type Direction = readonly [number, number];
const ARROWS: Readonly<Record<string, Direction>> = {
  ArrowRight: [1, 0],
  ArrowLeft: [-1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** The nearest instrument on screen in a direction, preferring those close to the line of travel. */
function nearestInDirection(from: Placed, placed: readonly Placed[], frame: PlanFrame, [dx, dy]: Direction): Placed | null {
  const fx = frame.x(from.easting);
  const fy = frame.y(from.northing);
  let best: Placed | null = null;
  let bestScore = Infinity;
  for (const candidate of placed) {
    if (candidate === from) continue;
    const cx = frame.x(candidate.easting) - fx;
    const cy = frame.y(candidate.northing) - fy;
    const along = cx * dx + cy * dy;
    if (along <= 0) continue;
    const across = Math.abs(cx * dy - cy * dx);
    const score = along + 2 * across;
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

/** The top-left instrument: where keyboard travel starts. */
function firstInstrument(placed: readonly Placed[], frame: PlanFrame): Placed | null {
  let best: Placed | null = null;
  for (const candidate of placed) {
    if (!best || frame.x(candidate.easting) + frame.y(candidate.northing) < frame.x(best.easting) + frame.y(best.northing))
      best = candidate;
  }
  return best;
}

function rank(i: InstrumentSummary): number {
  return i.status === null ? -1 : statusRank(i.status);
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
