import { VALUE_SCALE } from './reading.js';

/**
 * A partial aggregate of the readings of one instrument in one event-time window.
 * Values are held as integer micro-units, so the sum is exact: merging partials is
 * associative and commutative, and the mean never depends on how readings were split
 * across batches or in which order they arrived.
 */
export interface WindowAggregate {
  readonly count: number;
  /** Sum of the readings in micro-units (an exact integer). */
  readonly sumMicro: number;
  readonly minMicro: number;
  readonly maxMicro: number;
  /** Event time of the earliest and latest reading, epoch milliseconds. */
  readonly firstAt: number;
  readonly lastAt: number;
}

/**
 * The exact arithmetic mean in the type's unit: the exact integer sum divided once by
 * count × scale, so the result is the correctly rounded double of the true mean. The
 * database computes `sum_micro::float8 / (count * 1e6)` the same way.
 */
export function meanOf(aggregate: WindowAggregate): number {
  return aggregate.sumMicro / (aggregate.count * VALUE_SCALE);
}

export function minOf(aggregate: WindowAggregate): number {
  return aggregate.minMicro / VALUE_SCALE;
}

export function maxOf(aggregate: WindowAggregate): number {
  return aggregate.maxMicro / VALUE_SCALE;
}

/** Start of the tumbling window of `windowMs` milliseconds that contains `observedAt`. */
export function windowStartOf(observedAt: number, windowMs: number): number {
  return observedAt - (((observedAt % windowMs) + windowMs) % windowMs);
}

export function checkedSum(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError(`window sum ${sum} exceeds exact integer range`);
  return sum;
}
