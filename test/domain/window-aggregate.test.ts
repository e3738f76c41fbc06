import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMicroUnits, VALUE_SCALE } from '../../lambdas/domain/reading.js';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import { maxOf, meanOf, minOf, type WindowAggregate, windowStartOf } from '../../lambdas/domain/window-aggregate.js';
import { decodeWindowState, encodeWindowState } from '../../lambdas/domain/window-state.js';

const WINDOW_MS = 10_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Readings as the domain holds them: quantised to micro-units. */
const readingArb = fc.record({
  value: fc.integer({ min: -10_000 * VALUE_SCALE, max: 10_000 * VALUE_SCALE }).map((micro) => micro / VALUE_SCALE),
  at: fc.integer({ min: T0, max: T0 + WINDOW_MS - 1 }),
});

/** The aggregate of readings that all fall in the window starting at T0. */
function aggregateAll(readings: ReadonlyArray<{ value: number; at: number }>): WindowAggregate {
  const accumulator = new WindowAccumulator(WINDOW_MS);
  for (const r of readings) accumulator.add('BH-1', r.value, r.at);
  return accumulator.get('BH-1', T0)!;
}

/** A finite double as an exact fraction numerator / 2^shift. */
function exactFraction(x: number): { numerator: bigint; shift: bigint } {
  let shift = 0n;
  let scaled = x;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    shift += 1n;
  }
  return { numerator: BigInt(scaled), shift };
}

function neighbours(x: number): [number, number] {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  const step = (delta: bigint) => new Float64Array(new BigInt64Array([bits[0]! + delta]).buffer)[0]!;
  return x > 0 ? [step(-1n), step(1n)] : x < 0 ? [step(1n), step(-1n)] : [-Number.MIN_VALUE, Number.MIN_VALUE];
}

/** Distance |x - p/q| scaled by a common positive factor, so distances compare exactly. */
function scaledDistance(x: number, p: bigint, q: bigint): bigint {
  const { numerator, shift } = exactFraction(x);
  const common = 1n << 1100n;
  const d = numerator * q * (common >> shift) - p * common;
  return d < 0n ? -d : d;
}

/** True when `mean` is the double nearest to the exact rational mean of the readings. */
function isCorrectlyRoundedMean(mean: number, readings: ReadonlyArray<{ value: number }>): boolean {
  const p = readings.reduce((acc, r) => acc + BigInt(toMicroUnits(r.value)), 0n);
  const q = BigInt(readings.length * VALUE_SCALE);
  const own = scaledDistance(mean, p, q);
  return neighbours(mean).every((n) => own <= scaledDistance(n, p, q));
}

describe('window aggregation', () => {
  it('computes the exact arithmetic mean, not the pairwise fold of the original job', () => {
    const aggregate = aggregateAll([1, 2, 3].map((value, i) => ({ value, at: T0 + i })));
    expect(meanOf(aggregate)).toBe(2);
    const pairwise = [1, 2, 3].reduce((a, b) => (a + b) / 2);
    expect(pairwise).toBe(2.25);
  });

  it('carries count, min, max and first/last event time', () => {
    const aggregate = aggregateAll([
      { value: 86.25, at: T0 + 5_000 },
      { value: 85.5, at: T0 + 1_000 },
      { value: 87.125, at: T0 + 9_999 },
    ]);
    expect(aggregate.count).toBe(3);
    expect(minOf(aggregate)).toBe(85.5);
    expect(maxOf(aggregate)).toBe(87.125);
    expect([aggregate.firstAt, aggregate.lastAt]).toEqual([T0 + 1_000, T0 + 9_999]);
    expect(meanOf(aggregate)).toBe(258.875 / 3);
  });

  it('gives a mean within rounding of the exact rational mean, for any readings', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { minLength: 1, maxLength: 60 }), (readings) => {
        const mean = meanOf(aggregateAll(readings));
        expect(isCorrectlyRoundedMean(mean, readings)).toBe(true);
      }),
    );
  });

  it('does not depend on the order readings arrive in', () => {
    fc.assert(
      fc.property(
        fc
          .array(readingArb, { minLength: 1, maxLength: 60 })
          .chain((r) => fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length, maxLength: r.length }))),
        ([readings, shuffled]) => {
          expect(aggregateAll(shuffled)).toEqual(aggregateAll(readings));
        },
      ),
    );
  });

  it('folds partials associatively and commutatively', () => {
    const partialArb = fc.array(readingArb, { minLength: 1, maxLength: 10 }).map(aggregateAll);
    const fold = (...partials: WindowAggregate[]) => {
      const accumulator = new WindowAccumulator(WINDOW_MS);
      for (const partial of partials) accumulator.addAggregate('BH-1', T0, partial);
      return accumulator.get('BH-1', T0);
    };
    fc.assert(
      fc.property(partialArb, partialArb, partialArb, (a, b, c) => {
        expect(fold(a, b, c)).toEqual(fold(c, a, b));
        expect(fold(a, b)).toEqual(fold(b, a));
      }),
    );
  });

  it('gives the same result however a stream is split into batches', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.constantFrom('BH-1', 'BH-2', 'BH-3'),
            value: readingArb.map((r) => r.value),
            at: fc.integer({ min: T0, max: T0 + 5 * WINDOW_MS }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (readings, cuts) => {
          const whole = new WindowAccumulator(WINDOW_MS);
          for (const r of readings) whole.add(r.id, r.value, r.at);
          const boundaries = [...new Set(cuts.map((c) => c % (readings.length + 1)))].sort((x, y) => x - y);
          // Each batch is one invocation: the state is carried between them as Lambda carries it.
          let state: unknown = {};
          let merged = new WindowAccumulator(WINDOW_MS);
          let from = 0;
          for (const to of [...boundaries, readings.length]) {
            merged = decodeWindowState(JSON.parse(JSON.stringify(state)), WINDOW_MS);
            for (const r of readings.slice(from, to)) merged.add(r.id, r.value, r.at);
            state = encodeWindowState(merged);
            from = to;
          }
          const sorted = (acc: WindowAccumulator) =>
            [...acc.entries()].sort((x, y) => x.instrumentId.localeCompare(y.instrumentId) || x.windowStart - y.windowStart);
          expect(sorted(merged)).toEqual(sorted(whole));
        },
      ),
    );
  });

  it('buckets event times into tumbling windows, including before 1970', () => {
    expect(windowStartOf(T0 + 9_999, WINDOW_MS)).toBe(T0);
    expect(windowStartOf(T0 + 10_000, WINDOW_MS)).toBe(T0 + 10_000);
    expect(windowStartOf(-1, WINDOW_MS)).toBe(-10_000);
  });

  it('refuses a window length that is not a positive whole number of milliseconds', () => {
    expect(() => new WindowAccumulator(0)).toThrow(RangeError);
    expect(() => new WindowAccumulator(2.5)).toThrow(RangeError);
  });
});
