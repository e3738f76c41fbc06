import { scaleLinear, scaleUtc } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { TriggerStatus } from '../../../../../lambdas/domain/trigger-levels.js';
import { levelZones, siteTimeTicks, timeTickLabel, valueDomainAround } from '../../../../../local/report/html/chart-geometry.js';
import type { AbsoluteLevel } from '../../../../../local/report/levels.js';
import { siteTime, STATUS_COLOURS, statusLabel } from '../format.js';

/** A point of the series: a window, or a bucket of windows with the range of their means. */
export interface ChartPoint {
  readonly t: number;
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** A level (or the baseline) in force over part of the chart's period. */
export interface LevelSegment extends AbsoluteLevel {
  readonly from: number;
  readonly to: number;
}

export interface BaselineSegment {
  readonly from: number;
  readonly to: number;
  readonly value: number;
  readonly label: string;
}

export interface ChartReading {
  readonly t: number;
  readonly value: number;
  readonly manual: boolean;
  readonly observedAt: string;
  readonly label: string;
}

export interface ChartChange {
  readonly t: number;
  readonly to: TriggerStatus;
  readonly label: string;
  readonly late: boolean;
  readonly withdrawn: boolean;
}

export interface ChartSpike {
  readonly from: number;
  readonly to: number;
  readonly peak: TriggerStatus;
  readonly label: string;
}

export interface TimeChartProps {
  /** Unique in the page: names the clip path. */
  readonly id: string;
  /** What a screen reader reads for the chart. */
  readonly description: string;
  readonly from: number;
  readonly to: number;
  readonly zone: string;
  readonly unit: string;
  readonly points: readonly ChartPoint[];
  readonly levels: readonly LevelSegment[];
  readonly baselines?: readonly BaselineSegment[];
  readonly readings?: readonly ChartReading[];
  readonly changes?: readonly ChartChange[];
  readonly spikes?: readonly ChartSpike[];
  /** Points further apart are not joined. */
  readonly maxGapMs: number;
  readonly formatValue: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

const MARGIN = { top: 22, right: 110, bottom: 30, left: 64 };

/**
 * An instrument's time series: window means (the range of re-reads shaded), baselines,
 * trigger levels as dashed lines over faint status zones, raw readings as dots (manual
 * ones as diamonds), unconfirmed spikes as shaded spans and confirmed status changes as
 * flags (a late one dashed and marked L, a withdrawn one hollow). Scales and axis from the
 * report's chart geometry; every mark carries a title.
 */
export function TimeChart(props: TimeChartProps) {
  const width = props.width ?? 960;
  const height = props.height ?? 320;
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  const readings = props.readings ?? [];
  let dataLow = Infinity;
  let dataHigh = -Infinity;
  for (const p of props.points) {
    dataLow = Math.min(dataLow, p.low);
    dataHigh = Math.max(dataHigh, p.high);
  }
  for (const reading of readings) {
    dataLow = Math.min(dataLow, reading.value);
    dataHigh = Math.max(dataHigh, reading.value);
  }
  const baselines = props.baselines ?? [];
  const x = scaleUtc().domain([props.from, props.to]).range([plot.left, plot.right]);
  const domain = valueDomainAround(dataLow, dataHigh, baselines.at(-1)?.value ?? null, props.levels);
  for (const b of baselines) {
    domain[0] = Math.min(domain[0], b.value);
    domain[1] = Math.max(domain[1], b.value);
  }
  const y = scaleLinear().domain(domain).range([plot.bottom, plot.top]).nice(6);
  const [low, high] = y.domain() as [number, number];
  const clip = `clip-${props.id}`;
  const xTicks = siteTimeTicks(x.ticks(Math.max(2, Math.floor((plot.right - plot.left) / 120))), props.from, props.to, props.zone);
  const yTicks = y.ticks(6);
  const yLabel = y.tickFormat(6);
  const sx = (t: number) => r(x(Math.min(Math.max(t, props.from), props.to)));

  const joined = withGaps(props.points, props.maxGapMs);
  const meanPath = line<ChartPoint | null>()
    .defined((p) => p !== null)
    .x((p) => x(p!.t))
    .y((p) => y(p!.value))
    .digits(1)(joined);
  const rangePath = area<ChartPoint | null>()
    .defined((p) => p !== null)
    .x((p) => x(p!.t))
    .y0((p) => y(p!.low))
    .y1((p) => y(p!.high))
    .digits(1)(joined);

  // Levels of the latest segment are labelled at the right edge; earlier segments only drawn.
  const labelled = new Map<string, LevelSegment>();
  for (const level of props.levels) labelled.set(`${level.direction}:${level.name}`, level);

  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.description} data-chart={props.id}>
      <defs>
        <clipPath id={clip}>
          <rect x={plot.left} y={plot.top} width={plot.right - plot.left} height={plot.bottom - plot.top} />
        </clipPath>
      </defs>
      <g class="zones" clip-path={`url(#${clip})`}>
        {segmentsByTime(props.levels).flatMap(([from, to, levels]) =>
          levelZones(levels, low, high).map((zone) => (
            <rect
              key={`${from}:${zone.status}:${zone.from}`}
              x={sx(from)}
              width={Math.max(0, sx(to) - sx(from))}
              y={r(y(zone.to))}
              height={r(Math.abs(y(zone.from) - y(zone.to)))}
              fill={STATUS_COLOURS[zone.status]}
              fill-opacity="0.07"
            />
          )),
        )}
      </g>
      <g class="grid">
        {yTicks.map((t) => (
          <line key={`y${t}`} x1={plot.left} x2={plot.right} y1={r(y(t))} y2={r(y(t))} />
        ))}
        {xTicks.map((t) => (
          <line key={`x${t.getTime()}`} x1={r(x(t))} x2={r(x(t))} y1={plot.top} y2={plot.bottom} />
        ))}
      </g>
      <g class="axis">
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} />
        <line x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} />
        {xTicks.map((t) => (
          <text key={t.getTime()} x={r(x(t))} y={plot.bottom + 18} text-anchor="middle">
            {timeTickLabel(t, props.zone)}
          </text>
        ))}
        {yTicks.map((t) => (
          <text key={t} x={plot.left - 8} y={r(y(t))} dy="0.32em" text-anchor="end">
            {yLabel(t)}
          </text>
        ))}
        <text class="unit" transform={`translate(14,${r((plot.top + plot.bottom) / 2)}) rotate(-90)`} text-anchor="middle">
          {props.unit}
        </text>
      </g>
      <g class="spikes" clip-path={`url(#${clip})`}>
        {(props.spikes ?? []).map((spike) => (
          <rect
            key={`${spike.from}:${spike.peak}`}
            class="spike"
            x={sx(spike.from)}
            width={Math.max(2, sx(spike.to) - sx(spike.from))}
            y={plot.top}
            height={plot.bottom - plot.top}
            fill={STATUS_COLOURS[spike.peak]}
            fill-opacity="0.18"
          >
            <title>{spike.label}</title>
          </rect>
        ))}
      </g>
      <g class="levels">
        {baselines.map((b) => (
          <line
            key={`b${b.from}`}
            class="baseline"
            x1={sx(b.from)}
            x2={sx(b.to)}
            y1={r(y(b.value))}
            y2={r(y(b.value))}
            stroke="#5b6578"
            stroke-dasharray="2 3"
          >
            <title>{b.label}</title>
          </line>
        ))}
        {props.levels.map((level) =>
          level.value < low || level.value > high ? null : (
            <line
              key={`${level.direction}:${level.name}:${level.from}`}
              class={`level level-${level.name}`}
              x1={sx(level.from)}
              x2={sx(level.to)}
              y1={r(y(level.value))}
              y2={r(y(level.value))}
              stroke={STATUS_COLOURS[level.name]}
              stroke-dasharray="6 4"
            >
              <title>{`${statusLabel(level.name)} level (${level.direction}) ${props.formatValue(level.value)} ${props.unit}`}</title>
            </line>
          ),
        )}
        {baselines.length > 0 && baselines.at(-1)!.value >= low && baselines.at(-1)!.value <= high ? (
          <text x={plot.right + 6} y={r(y(baselines.at(-1)!.value))} dy="0.32em" fill="#5b6578">
            Baseline {props.formatValue(baselines.at(-1)!.value)}
          </text>
        ) : null}
        {[...labelled.values()].map((level) =>
          level.value < low || level.value > high ? null : (
            <text
              key={`${level.direction}:${level.name}`}
              x={plot.right + 6}
              y={r(y(level.value))}
              dy="0.32em"
              fill={STATUS_COLOURS[level.name]}
            >
              {statusLabel(level.name)} {props.formatValue(level.value)}
            </text>
          ),
        )}
      </g>
      <g class="series" clip-path={`url(#${clip})`}>
        {rangePath ? <path class="range" d={rangePath} fill="#1f5fa8" fill-opacity="0.15" /> : null}
        {meanPath ? <path class="line" d={meanPath} fill="none" stroke="#1f5fa8" stroke-width="1.6" /> : null}
        {isolated(joined).map((p) => (
          <circle key={p.t} class="point" cx={r(x(p.t))} cy={r(y(p.value))} r="2.5" fill="#1f5fa8" />
        ))}
      </g>
      <g class="readings" clip-path={`url(#${clip})`}>
        {readings.map((reading) =>
          reading.manual ? (
            <path
              key={reading.observedAt}
              class="reading manual"
              data-observed-at={reading.observedAt}
              transform={`translate(${r(x(reading.t))},${r(y(reading.value))})`}
              d="M0 -6 L6 0 L0 6 L-6 0 Z"
              fill="#ffffff"
              stroke="#7b3fa0"
              stroke-width="2"
            >
              <title>{reading.label}</title>
            </path>
          ) : (
            <circle
              key={reading.observedAt}
              class="reading"
              data-observed-at={reading.observedAt}
              cx={r(x(reading.t))}
              cy={r(y(reading.value))}
              r="1.6"
              fill="#0f8b8d"
            >
              <title>{reading.label}</title>
            </circle>
          ),
        )}
      </g>
      <g class="changes">
        {(props.changes ?? []).map((change) => {
          const at = sx(change.t);
          const colour = STATUS_COLOURS[change.to];
          return (
            <g
              key={`${change.t}:${change.to}`}
              class={`change${change.late ? ' late' : ''}${change.withdrawn ? ' withdrawn' : ''}`}
              transform={`translate(${at},0)`}
            >
              <title>{change.label}</title>
              <line y1={plot.top} y2={plot.bottom} stroke={colour} stroke-width="1.2" stroke-dasharray={change.late ? '3 3' : undefined} />
              <path
                d={`M0 ${plot.top} L8 ${plot.top - 6} L0 ${plot.top - 12} Z`}
                fill={change.withdrawn ? '#ffffff' : colour}
                stroke={colour}
              />
              {change.late ? (
                <text x="10" y={plot.top - 4} class="late-mark" fill={colour}>
                  L
                </text>
              ) : null}
            </g>
          );
        })}
      </g>
    </svg>
  );
}

/** Describes a status change for its flag's title. */
export function changeLabel(change: { t: number; from: string; to: TriggerStatus; late: boolean; withdrawn: boolean }, zone: string) {
  return `${change.from} → ${change.to} at ${siteTime(new Date(change.t).toISOString(), zone)}${change.late ? ', found late' : ''}${change.withdrawn ? ', withdrawn' : ''}`;
}

/** Level segments grouped by the period they hold over, for the zones. */
function segmentsByTime(levels: readonly LevelSegment[]): Array<[number, number, LevelSegment[]]> {
  const groups = new Map<string, [number, number, LevelSegment[]]>();
  for (const level of levels) {
    const key = `${level.from}:${level.to}`;
    const group = groups.get(key) ?? [level.from, level.to, []];
    group[2].push(level);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function withGaps(points: readonly ChartPoint[], maxGapMs: number): Array<ChartPoint | null> {
  const joined: Array<ChartPoint | null> = [];
  points.forEach((point, i) => {
    const previous = points[i - 1];
    if (previous && point.t - previous.t > maxGapMs) joined.push(null);
    joined.push(point);
  });
  return joined;
}

function isolated(joined: ReadonlyArray<ChartPoint | null>): ChartPoint[] {
  return joined.filter((p, i): p is ChartPoint => p !== null && !joined[i - 1] && !joined[i + 1]);
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
