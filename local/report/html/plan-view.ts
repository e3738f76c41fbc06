import { statusRank } from '../../../lambdas/domain/trigger-levels.js';
import type { InstrumentState } from '../report-data.js';
import { escapeHtml } from './escape.js';
import { formatNumber, formatTime, statusLabel, typeLabel } from './format.js';
import { statusColour } from './palette.js';
import { NORTH_ARROW_PATH, planFrame, typeSymbolPath } from './plan-geometry.js';

export { typeSymbolPath } from './plan-geometry.js';

export interface PlanViewOptions {
  readonly instruments: readonly InstrumentState[];
  /** Instruments drawn hollow: no reading for longer than the silent period. */
  readonly silentIds: ReadonlySet<string>;
  /** The site's time zone, for the times in the tooltips. Default UTC. */
  readonly timeZone?: string;
  /** Default 720 × 520. */
  readonly width?: number;
  readonly height?: number;
  /** Label the instruments with their ids when there are at most this many. Default 60. */
  readonly maxLabels?: number;
}

export interface PlanView {
  readonly svg: string;
  /** Instruments without a grid position, which the plan cannot show. */
  readonly unplotted: readonly string[];
}

/**
 * A plan of the instruments on the site grid (easting, northing), at one scale on both
 * axes, with a north arrow and a scale bar: each instrument a symbol for its type,
 * filled with the colour of its latest status, hollow when silent. Most severe
 * statuses are drawn last, on top. A pure function of its options.
 */
export function renderPlanView(options: PlanViewOptions): PlanView {
  const width = options.width ?? 720;
  const height = options.height ?? 520;
  const placed = options.instruments.filter(
    (i): i is InstrumentState & { easting: number; northing: number } => i.easting !== null && i.northing !== null,
  );
  const unplotted = options.instruments.filter((i) => i.easting === null || i.northing === null).map((i) => i.instrumentId);
  const frame = planFrame(placed, width, height);
  const { plot, x, y } = frame;
  const plotWidth = plot.right - plot.left;
  const plotHeight = plot.bottom - plot.top;

  const parts: string[] = [];
  parts.push(`<rect class="ground" x="${plot.left}" y="${plot.top}" width="${plotWidth}" height="${plotHeight}"/>`);
  parts.push('<g class="grid">');
  const eTicks = frame.eastingTicks;
  const nTicks = frame.northingTicks;
  for (const e of eTicks) parts.push(`<line x1="${r(x(e))}" x2="${r(x(e))}" y1="${plot.top}" y2="${plot.bottom}"/>`);
  for (const n of nTicks) parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${r(y(n))}" y2="${r(y(n))}"/>`);
  parts.push('</g><g class="axis">');
  for (const e of eTicks) parts.push(`<text x="${r(x(e))}" y="${plot.bottom + 16}" text-anchor="middle">${formatNumber(e, 0)}</text>`);
  for (const n of nTicks)
    parts.push(`<text x="${plot.left - 6}" y="${r(y(n))}" dy="0.32em" text-anchor="end">${formatNumber(n, 0)}</text>`);
  parts.push(`<text class="unit" x="${r((plot.left + plot.right) / 2)}" y="${height - 2}" text-anchor="middle">Easting (m)</text>`);
  parts.push(
    `<text class="unit" transform="translate(12,${r((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle">Northing (m)</text>`,
  );
  parts.push('</g>');

  const drawOrder = [...placed].sort((a, b) => rank(a) - rank(b) || a.instrumentId.localeCompare(b.instrumentId));
  const labelled = placed.length <= (options.maxLabels ?? 60);
  parts.push('<g class="instruments">');
  for (const instrument of drawOrder) {
    const silent = options.silentIds.has(instrument.instrumentId);
    const colour = statusColour(instrument.status);
    const px = r(x(instrument.easting));
    const py = r(y(instrument.northing));
    const title = [
      instrument.instrumentId,
      typeLabel(instrument.type),
      statusLabel(instrument.status),
      `E ${formatNumber(instrument.easting, 1)} N ${formatNumber(instrument.northing, 1)}`,
      `last reading ${formatTime(instrument.lastReadingAt, options.timeZone ?? 'UTC')} ${options.timeZone ?? 'UTC'}${silent ? ' (silent)' : ''}`,
    ].join(' · ');
    const paint = silent ? `fill="#ffffff" stroke="${colour}" stroke-width="2.5"` : `fill="${colour}" stroke="#ffffff" stroke-width="1.2"`;
    parts.push(
      `<g class="instrument" data-instrument="${escapeHtml(instrument.instrumentId)}" data-status="${instrument.status ?? 'unevaluated'}"${silent ? ' data-silent="true"' : ''} transform="translate(${px},${py})">` +
        `<path d="${typeSymbolPath(instrument.type)}" ${paint}/><title>${escapeHtml(title)}</title></g>`,
    );
    if (labelled) parts.push(`<text class="label" x="${r(px + 8)}" y="${r(py - 7)}">${escapeHtml(instrument.instrumentId)}</text>`);
  }
  parts.push('</g>');

  parts.push(northArrow(plot.right - 26, plot.top + 14));
  parts.push(scaleBar(plot.left + 14, plot.bottom - 16, frame.scaleBar));

  const svg =
    `<svg class="plan" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" ` +
    `aria-label="Plan of ${placed.length} instrument${placed.length === 1 ? '' : 's'} on the site grid, coloured by latest status">${parts.join('')}</svg>`;
  return { svg, unplotted };
}

function rank(instrument: InstrumentState): number {
  return instrument.status === null ? -1 : statusRank(instrument.status);
}

function northArrow(cx: number, top: number): string {
  return (
    `<g class="north" transform="translate(${cx},${top})">` +
    `<path d="${NORTH_ARROW_PATH}"/>` +
    `<text x="0" y="40" text-anchor="middle">N</text></g>`
  );
}

/** The frame's scale bar, half dark and half light, labelled with its length. */
function scaleBar(left: number, baseline: number, bar: { metres: number; pixels: number }): string {
  const pixels = r(bar.pixels);
  const half = r(pixels / 2);
  return (
    `<g class="scale-bar" transform="translate(${left},${baseline})">` +
    `<rect x="0" y="0" width="${half}" height="5" class="dark"/><rect x="${half}" y="0" width="${r(pixels - half)}" height="5" class="light"/>` +
    `<text x="0" y="-5">0</text><text x="${pixels}" y="-5" text-anchor="end">${formatNumber(bar.metres, 0)} m</text></g>`
  );
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
