import { scaleLinear, scaleUtc } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { AbsoluteLevel } from '../levels.js';
import { levelZones, siteTimeTicks, timeTickLabel, valueDomainAround } from './chart-geometry.js';
import type { SeriesPoint } from '../report-data.js';
import { escapeHtml } from './escape.js';
import { STATUS_COLOURS } from './palette.js';

export interface ChartSeries {
  /** Shown as the line's tooltip. */
  readonly label: string;
  readonly colour: string;
  readonly points: readonly SeriesPoint[];
}

export interface TimeSeriesChartOptions {
  /** Unique within the page: names the chart's clip path. */
  readonly id: string;
  /** Read by screen readers. */
  readonly description: string;
  /** The period on the time axis, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** The time zone whose clocks the time axis is labelled in (the site's). Default UTC. */
  readonly timeZone?: string;
  readonly unit: string;
  readonly series: readonly ChartSeries[];
  /**
   * Drawn as dashed lines over faint zones: a rise band's zones above its levels, a fall
   * band's below. In absolute terms (a change band's levels at baseline + change).
   */
  readonly levels: readonly AbsoluteLevel[];
  /** Drawn as a dotted grey line; none when null. */
  readonly baseline?: number | null;
  /** Points further apart than this are not joined: the gap shows missing data. Ms. */
  readonly maxGapMs: number;
  /** Shade each series' range of window means behind its line. Default false. */
  readonly bands?: boolean;
  /** Default 960 × 300. */
  readonly width?: number;
  readonly height?: number;
  /** Labels of the trigger levels. */
  readonly formatValue: (value: number) => string;
}

const MARGIN = { top: 14, right: 92, bottom: 30, left: 64 };

/**
 * An SVG time-series chart of window means: one line per series, gaps where data are
 * missing, the baseline as a dotted line and the trigger levels as dashed lines over faint
 * zones (above for a rise band, below for a fall band). The value axis spans the data, the levels the data have
 * reached and the next level up. A pure function of its options.
 */
export function renderTimeSeriesChart(options: TimeSeriesChartOptions): string {
  const width = options.width ?? 960;
  const height = options.height ?? 300;
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  const x = scaleUtc().domain([options.from, options.to]).range([plot.left, plot.right]);
  const y = scaleLinear().domain(valueDomain(options)).range([plot.bottom, plot.top]).nice(6);
  const [low, high] = y.domain() as [number, number];
  const clip = `clip-${options.id}`;

  const zone = options.timeZone ?? 'UTC';
  const xTicks = siteTimeTicks(x.ticks(Math.max(2, Math.floor((plot.right - plot.left) / 120))), options.from, options.to, zone);
  const yTicks = y.ticks(6);
  const parts: string[] = [];
  parts.push(
    `<defs><clipPath id="${clip}"><rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/></clipPath></defs>`,
  );

  const levels = options.levels;
  const zones = levelZones(options.levels, low, high);
  parts.push(`<g class="zones" clip-path="url(#${clip})">`);
  for (const zone of zones) {
    const top = y(zone.to);
    const bottom = y(zone.from);
    parts.push(
      `<rect x="${plot.left}" y="${r(Math.min(top, bottom))}" width="${plot.right - plot.left}" height="${r(Math.abs(bottom - top))}" fill="${STATUS_COLOURS[zone.status]}" fill-opacity="0.07"/>`,
    );
  }
  parts.push('</g>');

  parts.push('<g class="grid">');
  for (const tick of yTicks) parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${r(y(tick))}" y2="${r(y(tick))}"/>`);
  for (const tick of xTicks) parts.push(`<line x1="${r(x(tick))}" x2="${r(x(tick))}" y1="${plot.top}" y2="${plot.bottom}"/>`);
  parts.push('</g>');

  parts.push('<g class="axis">');
  parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}"/>`);
  parts.push(`<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}"/>`);
  for (const tick of xTicks)
    parts.push(`<text x="${r(x(tick))}" y="${plot.bottom + 18}" text-anchor="middle">${escapeHtml(timeTickLabel(tick, zone))}</text>`);
  const yTickLabel = y.tickFormat(6);
  for (const tick of yTicks)
    parts.push(`<text x="${plot.left - 8}" y="${r(y(tick))}" dy="0.32em" text-anchor="end">${escapeHtml(yTickLabel(tick))}</text>`);
  parts.push(
    `<text class="unit" transform="translate(${14},${r((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(options.unit)}</text>`,
  );
  parts.push('</g>');

  parts.push('<g class="levels">');
  const baseline = options.baseline ?? null;
  if (baseline !== null && baseline >= low && baseline <= high) {
    const at = r(y(baseline));
    parts.push(
      `<line class="baseline" x1="${plot.left}" x2="${plot.right}" y1="${at}" y2="${at}" stroke="#5b6578" stroke-dasharray="2 3"/>`,
    );
    parts.push(
      `<text x="${plot.right + 6}" y="${at}" dy="0.32em" fill="#5b6578">${escapeHtml(`Baseline ${options.formatValue(baseline)}`)}</text>`,
    );
  }
  for (const level of levels) {
    if (level.value < low || level.value > high) continue;
    const at = r(y(level.value));
    const colour = STATUS_COLOURS[level.name];
    parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${at}" y2="${at}" stroke="${colour}" stroke-dasharray="6 4"/>`);
    parts.push(
      `<text x="${plot.right + 6}" y="${at}" dy="0.32em" fill="${colour}">${escapeHtml(`${capitalise(level.name)} ${options.formatValue(level.value)}`)}</text>`,
    );
  }
  parts.push('</g>');

  const maxGap = options.maxGapMs;
  parts.push(`<g class="series" clip-path="url(#${clip})">`);
  for (const series of options.series) {
    const joined = withGaps(series.points, maxGap);
    if (options.bands) {
      const band = area<SeriesPoint | null>()
        .defined((p) => p !== null)
        .x((p) => x(p!.bucketStart))
        .y0((p) => y(p!.lowestWindowMean))
        .y1((p) => y(p!.highestWindowMean))
        .digits(1)(joined);
      if (band) parts.push(`<path class="band" d="${band}" fill="${series.colour}" fill-opacity="0.15"/>`);
    }
    const path = line<SeriesPoint | null>()
      .defined((p) => p !== null)
      .x((p) => x(p!.bucketStart))
      .y((p) => y(p!.mean))
      .digits(1)(joined);
    if (path) parts.push(`<path class="line" d="${path}" stroke="${series.colour}"><title>${escapeHtml(series.label)}</title></path>`);
    for (const point of isolated(joined)) {
      parts.push(
        `<circle cx="${r(x(point.bucketStart))}" cy="${r(y(point.mean))}" r="2.5" fill="${series.colour}"><title>${escapeHtml(series.label)}</title></circle>`,
      );
    }
  }
  parts.push('</g>');

  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.description)}">` +
    parts.join('') +
    '</svg>'
  );
}

/** The data's range, widened to the baseline, the levels reached and the next level on; never empty. */
function valueDomain(options: Pick<TimeSeriesChartOptions, 'series' | 'levels' | 'bands' | 'baseline'>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const series of options.series) {
    for (const p of series.points) {
      low = Math.min(low, options.bands ? p.lowestWindowMean : p.mean);
      high = Math.max(high, options.bands ? p.highestWindowMean : p.mean);
    }
  }
  return valueDomainAround(low, high, options.baseline ?? null, options.levels);
}

/** The points with `null` between any two further apart than `maxGapMs`. */
function withGaps(points: readonly SeriesPoint[], maxGapMs: number): Array<SeriesPoint | null> {
  const joined: Array<SeriesPoint | null> = [];
  points.forEach((point, i) => {
    const previous = points[i - 1];
    if (previous && point.bucketStart - previous.bucketStart > maxGapMs) joined.push(null);
    joined.push(point);
  });
  return joined;
}

/** Points with no neighbour to join: a line would not show them. */
function isolated(joined: ReadonlyArray<SeriesPoint | null>): SeriesPoint[] {
  return joined.filter((p, i): p is SeriesPoint => p !== null && !joined[i - 1] && !joined[i + 1]);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A coordinate rounded to 0.1 px: enough for any screen or printer, and a smaller file. */
function r(value: number): number {
  return Math.round(value * 10) / 10;
}
