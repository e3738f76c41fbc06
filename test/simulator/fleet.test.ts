import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { HOUR, READING_PATHS, T0, allItems, anySeed, getJson, type AllBody } from './helpers.js';

function instrumentsAt(seed: string, at: number) {
  return allItems(getJson<AllBody>(createSimulator({ seed }), 'params/all', at)).map((item) => ({
    id: item.borehole_number,
    instrument: item.instrument,
    surfaceLevel: item.surface_level,
    northing: item.northing,
    easting: item.easting,
  }));
}

function within(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && value >= min && value <= max;
}

describe('instrument fleet', () => {
  it('has 50 to 150 instruments of each type by default, a count the seed decides', () => {
    fc.assert(
      fc.property(anySeed, (seed) => {
        const fleet = createSimulator({ seed }).fleet;
        for (const type of INSTRUMENT_TYPES) {
          expect(fleet[type].length).toBeGreaterThanOrEqual(50);
          expect(fleet[type].length).toBeLessThanOrEqual(150);
        }
      }),
      { numRuns: 30 },
    );
    const countsBySeed = ['a', 'b', 'c', 'd'].map((seed) =>
      INSTRUMENT_TYPES.map((type) => createSimulator({ seed }).fleet[type].length).join(),
    );
    expect(new Set(countsBySeed).size).toBeGreaterThan(1);
  });

  it('gives every instrument a unique BH-nnnn borehole number, a position on the site grid and a surface level', () => {
    fc.assert(
      fc.property(anySeed, (seed) => {
        const instruments = instrumentsAt(seed, T0);
        expect(new Set(instruments.map((i) => i.id)).size).toBe(instruments.length);
        const offGrid = instruments.filter(
          (i) =>
            !/^BH-\d{4}$/.test(i.id as string) ||
            !within(i.northing, 5_810_000, 5_816_000) ||
            !within(i.easting, 316_045, 325_000) ||
            !within(i.surfaceLevel, 75, 120),
        );
        expect(offGrid).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });

  it('spreads instruments over the whole grid rather than a corner of it', () => {
    const instruments = instrumentsAt('spread', T0);
    const northings = instruments.map((i) => i.northing as number);
    const eastings = instruments.map((i) => i.easting as number);
    expect(Math.max(...northings) - Math.min(...northings)).toBeGreaterThan(5_000);
    expect(Math.max(...eastings) - Math.min(...eastings)).toBeGreaterThan(7_500);
  });

  it('stays the same for the life of the simulator: ids, positions and levels do not change with time', () => {
    const simulator = createSimulator({ seed: 'fixed' });
    const fleetAt = (at: number) =>
      allItems(getJson<AllBody>(simulator, 'params/all', at)).map(({ reading: _r, timestamp: _t, ...rest }) => rest);
    const first = fleetAt(T0);
    expect(fleetAt(T0 + 1)).toEqual(first);
    expect(fleetAt(T0 + 90 * 24 * HOUR)).toEqual(first);
  });

  it('takes one count for every type', () => {
    const simulator = createSimulator({ seed: 'counted', instrumentsPerType: 12 });
    const body = getJson<AllBody>(simulator, 'params/all', T0);
    expect(body.instruments).toBe(60);
    for (const { allKey } of READING_PATHS) expect(body[allKey].items).toHaveLength(12);
  });

  it('takes counts by type, drawing the rest from the seed', () => {
    const simulator = createSimulator({ seed: 'counted', instrumentsPerType: { piezometer: 3, strain_gauge: 200 } });
    expect(simulator.fleet.piezometer).toHaveLength(3);
    expect(simulator.fleet.strain_gauge).toHaveLength(200);
    expect(simulator.fleet.water_standpipe.length).toBeGreaterThanOrEqual(50);
  });

  it('keeps ids unique at the largest fleet four-digit numbers allow', () => {
    const simulator = createSimulator({ seed: 'big', instrumentsPerType: 1800 });
    const ids = INSTRUMENT_TYPES.flatMap((type) => simulator.fleet[type].map((i) => i.id));
    expect(ids).toHaveLength(9000);
    expect(new Set(ids).size).toBe(9000);
  });
});
