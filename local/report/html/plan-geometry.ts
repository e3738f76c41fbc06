import { scaleLinear } from 'd3-scale';
import { symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, symbolWye, type SymbolType } from 'd3-shape';
import type { InstrumentType } from '../../../lambdas/domain/instrument-types.js';

/**
 * The geometry of a site plan, shared by the HTML report's plan and the site console's:
 * grid coordinates (MGA zone 55 easting and northing, metres) to pixels at one scale on
 * both axes, the grid's ticks, a scale bar of a round length, the north arrow and one
 * symbol per instrument type. Pure functions; no markup.
 */

/** One symbol shape per instrument type, as on a monitoring plan; colour tells the status. */
const TYPE_SYMBOLS: Readonly<Record<InstrumentType, SymbolType>> = {
  water_standpipe: symbolSquare,
  piezometer: symbolCircle,
  settlement_marker: symbolTriangle,
  extensometer: symbolDiamond,
  strain_gauge: symbolWye,
};

/** The SVG path of a type's symbol, centred on the origin; `area` in square pixels. */
export function typeSymbolPath(type: InstrumentType, area = 110): string {
  return symbol(TYPE_SYMBOLS[type], area).digits(1)() ?? '';
}

/** The north arrow's outline, its tip at the origin, pointing up the page (grid north). */
export const NORTH_ARROW_PATH = 'M0 0 L9 26 L0 20 L-9 26 Z';

/** A point on the site grid, metres. */
export interface GridPoint {
  readonly easting: number;
  readonly northing: number;
}

export interface PlanMargin {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** The report's margins: room for the northing labels on the left and the easting labels below. */
export const PLAN_MARGIN: PlanMargin = { top: 12, right: 12, bottom: 34, left: 78 };

/** Smallest extent the plan shows, metres: one instrument alone still sits on a readable grid. */
const MIN_SPAN_METRES = 100;

export interface PlanFrame {
  readonly width: number;
  readonly height: number;
  /** The plotting area, pixels. */
  readonly plot: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  readonly metresPerPixel: number;
  /** Easting to pixels across. */
  x(easting: number): number;
  /** Northing to pixels down (north is up). */
  y(northing: number): number;
  /** Eastings and northings of the grid lines, round numbers. */
  readonly eastingTicks: readonly number[];
  readonly northingTicks: readonly number[];
  /** A scale bar no longer than a quarter of the plot's width: its length in metres and in pixels. */
  readonly scaleBar: { readonly metres: number; readonly pixels: number };
}

/**
 * Frames grid points in a `width` × `height` plan: centred on their extent, at one scale on
 * both axes (a 12 % border around the extent, never less than 100 m across).
 */
export function planFrame(points: readonly GridPoint[], width: number, height: number, margin: PlanMargin = PLAN_MARGIN): PlanFrame {
  const plot = { left: margin.left, right: width - margin.right, top: margin.top, bottom: height - margin.bottom };
  const plotWidth = plot.right - plot.left;
  const plotHeight = plot.bottom - plot.top;
  let minE = Infinity;
  let maxE = -Infinity;
  let minN = Infinity;
  let maxN = -Infinity;
  for (const p of points) {
    minE = Math.min(minE, p.easting);
    maxE = Math.max(maxE, p.easting);
    minN = Math.min(minN, p.northing);
    maxN = Math.max(maxN, p.northing);
  }
  const placed = points.length > 0;
  const centreE = placed ? (minE + maxE) / 2 : 0;
  const centreN = placed ? (minN + maxN) / 2 : 0;
  const spanE = placed ? maxE - minE : 0;
  const spanN = placed ? maxN - minN : 0;
  const metresPerPixel = Math.max(spanE / plotWidth, spanN / plotHeight, MIN_SPAN_METRES / Math.min(plotWidth, plotHeight)) * 1.12;
  const x = scaleLinear()
    .domain([centreE - (plotWidth / 2) * metresPerPixel, centreE + (plotWidth / 2) * metresPerPixel])
    .range([plot.left, plot.right]);
  const y = scaleLinear()
    .domain([centreN - (plotHeight / 2) * metresPerPixel, centreN + (plotHeight / 2) * metresPerPixel])
    .range([plot.bottom, plot.top]);
  const metres = roundLengthBelow((plotWidth / 4) * metresPerPixel);
  return {
    width,
    height,
    plot,
    metresPerPixel,
    x: (easting) => x(easting),
    y: (northing) => y(northing),
    eastingTicks: x.ticks(6),
    northingTicks: y.ticks(6),
    scaleBar: { metres, pixels: metres / metresPerPixel },
  };
}

/** The largest 1, 2 or 5 × 10ⁿ not above `limit`. */
export function roundLengthBelow(limit: number): number {
  const power = 10 ** Math.floor(Math.log10(limit));
  return [5, 2, 1].map((m) => m * power).find((length) => length <= limit) ?? power;
}
