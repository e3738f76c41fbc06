import { describe, expect, it } from 'vitest';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { episodeMagnitude } from '../../lambdas/simulator/episodes.js';
import { CHANGE_LEVELS, NORMAL_CHANGE_BOUND } from '../../lambdas/simulator/levels.js';
import { loggedValue, seriesValue } from '../../lambdas/simulator/series.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { GLITCH_MAGNITUDE, GLITCH_RATE, TYPE_MODELS } from '../../lambdas/simulator/type-models.js';
import { HOUR, MINUTE, T0 } from './helpers.js';

const simulator = createSimulator({ seed: 'episodes' });
const everyone = Object.values(simulator.instruments).flat();
const withKind = (kind: string) => everyone.filter(({ profile }) => profile.episode?.kind === kind);
const DAY = 24 * HOUR;

/** The first `count` episode starts of a plan at or after T0. */
function starts(plan: { cycleMs: number; offsetMs: number }, count: number): { cycle: number; start: number }[] {
  const first = Math.ceil((T0 - plan.offsetMs) / plan.cycleMs);
  return Array.from({ length: count }, (_, index) => ({
    cycle: first + index,
    start: (first + index) * plan.cycleMs + plan.offsetMs,
  }));
}

describe('episodes', () => {
  it('happen on the right types, on a few instruments each', () => {
    const typesOf = (kind: string) => new Set(withKind(kind).map(({ instrument }) => instrument.type));
    expect(typesOf('drawdown')).toEqual(new Set(['water_standpipe', 'piezometer']));
    expect(typesOf('heave')).toEqual(new Set(['settlement_marker']));
    expect(typesOf('settlementRate')).toEqual(new Set(['settlement_marker']));
    for (const type of ['water_standpipe', 'piezometer'] as const) {
      const count = withKind('drawdown').filter(({ instrument }) => instrument.type === type).length;
      expect(count).toBeGreaterThanOrEqual(3);
      expect(count).toBeLessThan(simulator.fleet[type].length / 5);
    }
    expect(withKind('heave').length).toBeGreaterThanOrEqual(3);
    expect(withKind('settlementRate').length).toBeGreaterThanOrEqual(4);
  });

  it('draw each depth past alert (60 %), alarm (30 %) or action (10 %)', () => {
    const tiers = [0, 0, 0];
    for (const { profile } of withKind('drawdown')) {
      const plan = profile.episode!;
      for (let cycle = 0; cycle < 200; cycle++) {
        const depth = episodeMagnitude(plan, cycle);
        expect(depth).toBeGreaterThan(plan.levels.alert);
        tiers[depth > plan.levels.action ? 2 : depth > plan.levels.alarm ? 1 : 0]!++;
      }
    }
    const total = tiers[0]! + tiers[1]! + tiers[2]!;
    expect(tiers[0]! / total).toBeCloseTo(0.6, 1);
    expect(tiers[1]! / total).toBeCloseTo(0.3, 1);
    expect(tiers[2]! / total).toBeCloseTo(0.1, 1);
  });

  it('take standpipes and piezometers down past their fall level from where they started, and back', () => {
    for (const { instrument, profile } of withKind('drawdown')) {
      const plan = profile.episode!;
      const alert = instrument.type === 'piezometer' ? CHANGE_LEVELS.piezometer.fall.alert : CHANGE_LEVELS.water_standpipe.fall.alert;
      for (const { start } of starts(plan, 3)) {
        const before = seriesValue(profile, start);
        const deepest = seriesValue(profile, start + plan.durationMs / 2);
        const after = seriesValue(profile, start + plan.durationMs);
        expect(before - deepest, `${instrument.id} fell`).toBeGreaterThan(alert);
        expect(Math.abs(after - before), `${instrument.id} came back`).toBeLessThan(alert / 2);
      }
    }
  });

  it('heave settlement markers by 5 to 12 mm above where they started', () => {
    for (const { instrument, profile } of withKind('heave')) {
      const plan = profile.episode!;
      for (const { start } of starts(plan, 3)) {
        const rise = seriesValue(profile, start + plan.durationMs / 2) - seriesValue(profile, start);
        expect(rise, instrument.id).toBeGreaterThan(CHANGE_LEVELS.settlement_marker.rise.alert);
        expect(rise, instrument.id).toBeLessThan(13.5);
      }
    }
  });

  it('settle markers at several mm/day for a day or more: the 24 h fall passes the rate’s alert level', () => {
    for (const { instrument, profile } of withKind('settlementRate')) {
      const plan = profile.episode!;
      expect(plan.durationMs).toBeGreaterThanOrEqual(DAY);
      for (const { cycle, start } of starts(plan, 2)) {
        const fallInADay = seriesValue(profile, start) - seriesValue(profile, start + DAY);
        const rate = episodeMagnitude(plan, cycle);
        expect(fallInADay, instrument.id).toBeGreaterThan(CHANGE_LEVELS.settlementRate.alert);
        // The drawn rate, give or take the marker's normal movement over a day.
        expect(Math.abs(fallInADay - rate), instrument.id).toBeLessThan(1.5);
        // The recovery afterwards is slow: never 2 mm/day.
        const recovery = seriesValue(profile, start + plan.durationMs + 3 * DAY) - seriesValue(profile, start + plan.durationMs + 2 * DAY);
        expect(recovery, instrument.id).toBeLessThan(CHANGE_LEVELS.settlementRate.alert);
      }
    }
  });
});

describe('normal instruments', () => {
  const smallest: Record<InstrumentType, number> = {
    water_standpipe: CHANGE_LEVELS.water_standpipe.fall.alert,
    piezometer: Math.min(CHANGE_LEVELS.piezometer.fall.alert, CHANGE_LEVELS.piezometer.rise.alert),
    settlement_marker: Math.min(CHANGE_LEVELS.settlement_marker.fall.alert, CHANGE_LEVELS.settlement_marker.rise.alert),
    extensometer: CHANGE_LEVELS.extensometer.either.alert,
    strain_gauge: CHANGE_LEVELS.strain_gauge.either.alert,
  };

  it('have a change bound, from the type models, below every change level of their type', () => {
    for (const [type, model] of Object.entries(TYPE_MODELS) as [InstrumentType, (typeof TYPE_MODELS)[InstrumentType]][]) {
      // A seasonal trend swings over twice its amplitude; a consolidation one settles by its amplitude and rebounds.
      const trend = (model.trend.shape === 'seasonal' ? 2 : 1) * model.trend.amplitude.max;
      const swing = trend + 2 * model.waves.reduce((sum, wave) => sum + wave.amplitude.max, 0);
      const bound = swing + model.spikeMagnitude.max + 3 * model.noiseSd.max;
      expect(bound, type).toBeLessThanOrEqual(NORMAL_CHANGE_BOUND[type]);
      expect(NORMAL_CHANGE_BOUND[type], type).toBeLessThan(smallest[type]);
    }
  });

  it('stay clear of the change levels over the loggers’ 26 h memory, and settle slower than 2 mm/day', () => {
    const normal = everyone.filter(({ profile }) => profile.episode === null && profile.excursion === null);
    expect(normal.length).toBeGreaterThan(200);
    for (const { instrument, profile } of normal) {
      const values = Array.from({ length: 26 * 12 + 1 }, (_, index) => seriesValue(profile, T0 + index * 5 * MINUTE));
      const start = values[0]!;
      const largest = Math.max(...values.map((value) => Math.abs(value - start)));
      expect(largest, instrument.id).toBeLessThan(smallest[instrument.type]);
      if (instrument.type === 'settlement_marker') {
        expect(start - values[24 * 12]!, instrument.id).toBeLessThan(CHANGE_LEVELS.settlementRate.alert);
      }
    }
  });
});

describe('gross glitches', () => {
  it('replace about one logged reading in 2000 by one far past the change levels, leaving the series itself untouched', () => {
    let glitches = 0;
    let readings = 0;
    for (const { instrument, profile } of everyone) {
      for (let index = 0; index < 200; index++) {
        const t = T0 + index * 10_000;
        const logged = loggedValue(profile, t);
        const series = seriesValue(profile, t);
        readings++;
        if (logged === series) continue;
        glitches++;
        const { min, max } = GLITCH_MAGNITUDE[instrument.type];
        const size = Math.abs(logged - series);
        expect(size, instrument.id).toBeGreaterThanOrEqual(min - 0.01);
        expect(size, instrument.id).toBeLessThanOrEqual(max + 0.01);
      }
    }
    // 200 readings of every instrument at a rate of 1/2000: a count of the right order, never none.
    expect(glitches).toBeGreaterThan(0);
    expect(glitches / readings).toBeLessThan(GLITCH_RATE * 3);
  });
});
