import fc from 'fast-check';
import { seriesValue } from '../../lambdas/simulator/series.js';
import type { Simulator } from '../../lambdas/simulator/simulator.js';

/** The five reading paths and what the source API contract says each carries. */
export const READING_PATHS = [
  { path: 'params/water_standpipe', instrument: 'water_standpipe', units: 'water level (m)', allKey: 'standpipe_data' },
  { path: 'params/pore_pressure', instrument: 'piezometer', units: 'pressure (kPa)', allKey: 'piezometer_data' },
  { path: 'params/settlement/x', instrument: 'settlement_marker', units: 'displacement (mm)', allKey: 'settlement_x_data' },
  { path: 'params/settlement/y', instrument: 'extensometer', units: 'displacement (mm)', allKey: 'settlement_y_data' },
  { path: 'params/settlement/z', instrument: 'strain_gauge', units: 'strain (microstrain)', allKey: 'settlement_z_data' },
] as const;

export type Item = Record<string, unknown>;

export interface Envelope {
  instruments: number;
  units: string;
  timezone: string;
  items: Item[];
}

export type AllBody = { instruments: number } & Record<(typeof READING_PATHS)[number]['allKey'], Envelope>;

export const T0 = Date.parse('2025-03-01T06:00:00.000Z');
export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** GET a path at time `at` and parse the body. */
export function getJson<T>(simulator: Simulator, path: string, at: number): T {
  const response = simulator.respond({ method: 'GET', path }, at);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as T;
}

/** Every item of a `params/all` body, in envelope order. */
export function allItems(body: AllBody): Item[] {
  return READING_PATHS.flatMap(({ allKey }) => body[allKey].items);
}

/**
 * Each instrument's series (the value its logger would read), sampled at `count` times
 * `step` apart from `start`, whether or not the logger logs then.
 */
export function sampleSeries(
  simulator: Simulator,
  start: number,
  step: number,
  count: number,
): Map<string, { instrument: string; surfaceLevel: number; readings: number[] }> {
  const series = new Map<string, { instrument: string; surfaceLevel: number; readings: number[] }>();
  for (const { instrument, profile } of Object.values(simulator.instruments).flat()) {
    const readings = Array.from({ length: count }, (_, index) => seriesValue(profile, start + index * step));
    series.set(instrument.id, { instrument: instrument.type, surfaceLevel: instrument.surfaceLevel, readings });
  }
  return series;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** ISO-8601 instant in UTC as the source API writes it, and a real calendar instant. */
export function isIsoUtcInstant(value: unknown): boolean {
  return (
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value) && Number.isFinite(Date.parse(value))
  );
}

/** Any seed the simulator accepts: text that is not blank. */
export const anySeed = fc.string({ minLength: 1, maxLength: 12 }).filter((seed) => seed.trim() !== '');
