import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { EXCURSION_AWAY_FROM_ZERO } from '../../lambdas/simulator/levels.js';
import { TYPE_MODELS } from '../../lambdas/simulator/type-models.js';
import { MINUTE, READING_PATHS, SECOND, T0, allItems, anySeed, getJson, median, sampleSeries, type AllBody } from './helpers.js';

/** The pipeline's default trigger levels (alert, alarm, action), as the instrument owners set them. */
const TRIGGER_LEVELS: Record<InstrumentType, readonly [number, number, number]> = {
  water_standpipe: [-3, -2, -1],
  piezometer: [150, 175, 200],
  settlement_marker: [10, 15, 20],
  extensometer: [10, 15, 20],
  strain_gauge: [1000, 1500, 2000],
};

/** 0 normal, 1 alert, 2 alarm, 3 action. */
function triggerLevel(instrument: InstrumentType, reading: number, surfaceLevel: number): number {
  const compared =
    instrument === 'water_standpipe' ? reading - surfaceLevel : EXCURSION_AWAY_FROM_ZERO[instrument] ? Math.abs(reading) : reading;
  return TRIGGER_LEVELS[instrument].filter((level) => compared >= level).length;
}

/**
 * Median step between successive readings over the median spread of the readings
 * (median absolute deviation). Independent draws from any one distribution give about
 * 1.2 to 1.4; a continuous series sampled finely enough gives far less.
 */
function stepToSpread(readings: readonly number[]): number {
  const steps = readings.slice(1).map((reading, index) => Math.abs(reading - readings[index]!));
  const centre = median(readings);
  const spread = median(readings.map((reading) => Math.abs(reading - centre)));
  return median(steps) / spread;
}

function seededShuffle<T>(values: readonly T[], seed: number): T[] {
  const shuffled = [...values];
  let state = seed;
  for (let index = shuffled.length - 1; index > 0; index--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const pick = state % (index + 1);
    [shuffled[index], shuffled[pick]] = [shuffled[pick]!, shuffled[index]!];
  }
  return shuffled;
}

describe('determinism', () => {
  const paths = ['ping', 'params/all', ...READING_PATHS.map((e) => e.path)];

  it('gives identical responses for the same seed and request time, faults included', () => {
    const faults = { nullFields: 0.05, duplicateItems: 0.05, http5xx: 0.1, invalidJson: 0.1, slowResponses: 0.1 };
    fc.assert(
      fc.property(
        anySeed,
        fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }),
        fc.constantFrom(...paths),
        (seed, at, path) => {
          const first = createSimulator({ seed, faults }).respond({ method: 'GET', path }, at);
          const second = createSimulator({ seed, faults }).respond({ method: 'GET', path }, at);
          expect(second).toEqual(first);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives different readings for different seeds', () => {
    const readingsOf = (seed: string) =>
      allItems(getJson<AllBody>(createSimulator({ seed, instrumentsPerType: 20 }), 'params/all', T0)).map((i) => i.reading);
    expect(readingsOf('one')).not.toEqual(readingsOf('two'));
  });

  it('makes a reading a function of (seed, instrument, time) alone, whatever was asked before', () => {
    const times = Array.from({ length: 30 }, (_, index) => T0 + index * 7 * SECOND);
    const forward = createSimulator({ seed: 'order' });
    const backward = createSimulator({ seed: 'order' });
    const forwardBodies = times.map((at) => forward.respond({ method: 'GET', path: 'params/all' }, at).body);
    const backwardBodies = [...times].reverse().map((at) => backward.respond({ method: 'GET', path: 'params/all' }, at).body);
    expect(backwardBodies.reverse()).toEqual(forwardBodies);
  });

  it('reads the injected clock', () => {
    let clock = T0;
    const simulator = createSimulator({ seed: 'clock', now: () => clock });
    const first = simulator.handle({ method: 'GET', path: 'params/pore_pressure' });
    clock += 5 * MINUTE;
    const second = simulator.handle({ method: 'GET', path: 'params/pore_pressure' });
    expect(first.at).toBe(T0);
    expect(second.at).toBe(T0 + 5 * MINUTE);
    expect(first.body).toBe(simulator.respond({ method: 'GET', path: 'params/pore_pressure' }, T0).body);
    expect(second.body).not.toBe(first.body);
  });
});

describe('physical plausibility', () => {
  it('keeps every reading inside its type’s physical range, at any time, for any seed', () => {
    fc.assert(
      fc.property(anySeed, fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }), (seed, at) => {
        const outside = allItems(getJson<AllBody>(createSimulator({ seed }), 'params/all', at)).filter((item) => {
          const { min, max } = INSTRUMENT_TYPE_SPECS[item.instrument as InstrumentType].physicalRange;
          return !(typeof item.reading === 'number' && item.reading >= min && item.reading <= max);
        });
        expect(outside).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('stays within the original API’s ranges where the units agree (piezometer drawdowns aside)', () => {
    const series = sampleSeries(createSimulator({ seed: 'ranges' }), T0, 30 * SECOND, 240);
    for (const { instrument, surfaceLevel, readings } of series.values()) {
      const [low, high] =
        instrument === 'water_standpipe'
          ? [surfaceLevel - 10, surfaceLevel + 2]
          : instrument === 'piezometer'
            ? [0, 250]
            : instrument === 'strain_gauge'
              ? [-3000, 3000]
              : [-30, 30];
      expect(Math.min(...readings), `${instrument} minimum`).toBeGreaterThanOrEqual(low);
      expect(Math.max(...readings), `${instrument} maximum`).toBeLessThanOrEqual(high);
    }
  });
});

describe('series', () => {
  const series = sampleSeries(createSimulator({ seed: 'continuity' }), T0, MINUTE, 360);

  it('moves continuously: successive readings are close compared with the spread, unlike independent draws', () => {
    const ratios = [...series.values()].map(({ readings }) => stepToSpread(readings));
    const shuffledRatios = [...series.values()].map(({ readings }, index) => stepToSpread(seededShuffle(readings, index + 1)));
    expect(median(shuffledRatios)).toBeGreaterThan(1);
    expect(median(ratios)).toBeLessThan(0.25);
    // A standpipe whose swing over these six hours is a few centimetres moves by its 1 cm resolution.
    expect(Math.max(...ratios)).toBeLessThan(1);
  });

  it('gives each instrument its own series', () => {
    const distinct = new Set([...series.values()].map(({ readings }) => readings.join()));
    expect(distinct.size).toBe(series.size);
  });

  it('reads like each type: standpipes metres below ground, piezometers tens of kPa, markers settling, gauges hundreds of µε', () => {
    const of = (instrument: InstrumentType) => [...series.values()].filter((entry) => entry.instrument === instrument);
    const depths = of('water_standpipe').flatMap(({ surfaceLevel, readings }) => readings.map((r) => surfaceLevel - r));
    expect(median(depths)).toBeGreaterThan(3);
    expect(median(depths)).toBeLessThan(10);
    const pressures = of('piezometer').flatMap(({ readings }) => readings);
    expect(median(pressures)).toBeGreaterThan(20);
    expect(median(pressures)).toBeLessThan(150);
    const settlements = of('settlement_marker').flatMap(({ readings }) => readings);
    expect(settlements.filter((s) => s < 0).length / settlements.length).toBeGreaterThan(0.95);
    const displacements = of('extensometer').flatMap(({ readings }) => readings);
    expect(displacements.some((d) => d > 0) && displacements.some((d) => d < 0)).toBe(true);
    const strains = of('strain_gauge').flatMap(({ readings }) => readings.map(Math.abs));
    expect(median(strains)).toBeGreaterThan(100);
    expect(median(strains)).toBeLessThan(1000);
  });

  it('has occasional spikes: single readings far off both neighbours, on instruments that stay normal', () => {
    let spikes = 0;
    let readingsSeen = 0;
    for (const { instrument, surfaceLevel, readings } of series.values()) {
      if (readings.some((reading) => triggerLevel(instrument as InstrumentType, reading, surfaceLevel) > 0)) continue;
      const bends = readings.slice(1, -1).map((reading, index) => reading - (readings[index]! + readings[index + 2]!) / 2);
      const resolution = Math.min(
        ...readings
          .slice(1)
          .map((r, i) => Math.abs(r - readings[i]!))
          .filter((step) => step > 0),
      );
      const threshold = 10 * Math.max(median(bends.map(Math.abs)), resolution);
      spikes += bends.filter((bend) => Math.abs(bend) > threshold).length;
      readingsSeen += readings.length;
    }
    expect(spikes).toBeGreaterThan(0);
    expect(spikes / readingsSeen).toBeLessThan(0.01);
  });
});

describe('trigger-level excursions', () => {
  const step = 20 * SECOND;
  const samples = 6 * 180;
  const simulator = createSimulator({ seed: 'demo' });
  const series = sampleSeries(simulator, T0, step, samples);
  /** Instruments without an episode: the episodes are judged on the change, tested in episodes.test.ts. */
  const withoutEpisode = new Set(
    Object.values(simulator.instruments)
      .flat()
      .filter(({ profile }) => profile.episode === null)
      .map(({ instrument }) => instrument.id),
  );
  const levelsOf = ({ instrument, surfaceLevel, readings }: { instrument: string; surfaceLevel: number; readings: number[] }) =>
    readings.map((reading) => triggerLevel(instrument as InstrumentType, reading, surfaceLevel));
  /** How long a stretch without any exceedance may be: longer for the slowly logged types, whose excursions are longer. */
  const coverMinutes: Record<InstrumentType, number> = {
    strain_gauge: 10,
    extensometer: 10,
    piezometer: 30,
    water_standpipe: 90,
    settlement_marker: 90,
  };

  it('puts every type past its alert level within every 10 to 90 minutes (by type)', () => {
    for (const { instrument } of READING_PATHS) {
      const windowSamples = (coverMinutes[instrument] * MINUTE) / step;
      const exceeding = Array.from({ length: samples }, () => false);
      for (const [id, entry] of series) {
        if (entry.instrument !== instrument || !withoutEpisode.has(id)) continue;
        levelsOf(entry).forEach((level, index) => (exceeding[index] ||= level > 0));
      }
      for (let start = 0; start + windowSamples <= exceeding.length; start += windowSamples / 2) {
        expect(exceeding.slice(start, start + windowSamples).some(Boolean), `${instrument} from sample ${start}`).toBe(true);
      }
    }
  });

  it('reaches alarm on every type and action somewhere within six hours', () => {
    const highest = new Map<string, number>();
    for (const [id, entry] of series) {
      if (!withoutEpisode.has(id)) continue;
      highest.set(entry.instrument, Math.max(highest.get(entry.instrument) ?? 0, ...levelsOf(entry)));
    }
    for (const { instrument } of READING_PATHS) expect(highest.get(instrument), instrument).toBeGreaterThanOrEqual(2);
    expect(Math.max(...highest.values())).toBe(3);
  });

  it('keeps most instruments normal most of the time, and brings exceeding ones back within their excursion', () => {
    let exceeding = 0;
    let total = 0;
    const longestRuns = new Map<string, number>();
    for (const [id, entry] of series) {
      if (!withoutEpisode.has(id)) continue;
      let run = 0;
      for (const level of levelsOf(entry)) {
        run = level > 0 ? run + 1 : 0;
        longestRuns.set(entry.instrument, Math.max(longestRuns.get(entry.instrument) ?? 0, run));
        if (level > 0) exceeding++;
        total++;
      }
    }
    for (const [instrument, run] of longestRuns) {
      const longest = TYPE_MODELS[instrument as InstrumentType].excursionTiming.durationMinutes.max;
      expect(run * step, `${instrument} stayed past alert`).toBeLessThan(longest * MINUTE);
    }
    expect(exceeding / total).toBeLessThan(0.05);
  });
});
