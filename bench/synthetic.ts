import type { Reading } from '../lambdas/domain/reading.js';

/** Instruments of the synthetic site every benchmark uses: a typical large site. */
export const SITE_INSTRUMENTS = 500;

const T0 = Date.parse('2026-06-01T00:00:00Z');

/**
 * The `index`-th reading of a synthetic site: each instrument read in turn every 3 s,
 * piezometer values that vary smoothly, positions on the Melbourne grid.
 */
export function syntheticReading(index: number, instruments = SITE_INSTRUMENTS): Reading {
  const instrument = index % instruments;
  return {
    instrumentId: `BH-${1000 + instrument}`,
    type: 'piezometer',
    value: Math.round((60 + instrument / 10 + Math.sin(index) * 3) * 1e6) / 1e6,
    observedAt: T0 + Math.floor(index / instruments) * 3_000 + (instrument % 7),
    surfaceLevel: 85.4,
    northing: 5_814_941,
    easting: 323_796,
  };
}
