import { toMicroUnits } from './reading.js';
import { checkedSum, type WindowAggregate, windowStartOf } from './window-aggregate.js';

export interface WindowKey {
  readonly instrumentId: string;
  /** Event-time window start, epoch milliseconds. */
  readonly windowStart: number;
}

export interface KeyedAggregate extends WindowKey {
  readonly aggregate: WindowAggregate;
}

interface MutableAggregate {
  count: number;
  sumMicro: number;
  minMicro: number;
  maxMicro: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Folds readings into per-instrument event-time tumbling windows. This is the hot path
 * of the processors, so it mutates its own partials in place; what it hands out is
 * plain {@link WindowAggregate} data that the pure functions combine.
 */
export class WindowAccumulator {
  private readonly byInstrument = new Map<string, Map<number, MutableAggregate>>();
  private readonly touchedOnly = new Map<string, Set<number>>();
  private windows = 0;

  constructor(readonly windowMs: number) {
    if (!Number.isInteger(windowMs) || windowMs <= 0)
      throw new RangeError(`window length must be a positive whole number of ms, got ${windowMs}`);
  }

  /** Number of distinct instrument-windows held. */
  get size(): number {
    return this.windows;
  }

  add(instrumentId: string, value: number, observedAt: number): void {
    const valueMicro = toMicroUnits(value);
    this.addAggregate(instrumentId, windowStartOf(observedAt, this.windowMs), {
      count: 1,
      sumMicro: valueMicro,
      minMicro: valueMicro,
      maxMicro: valueMicro,
      firstAt: observedAt,
      lastAt: observedAt,
    });
  }

  addAggregate(instrumentId: string, windowStart: number, partial: WindowAggregate): void {
    let windows = this.byInstrument.get(instrumentId);
    if (!windows) {
      windows = new Map();
      this.byInstrument.set(instrumentId, windows);
    }
    const held = windows.get(windowStart);
    if (!held) {
      windows.set(windowStart, {
        count: partial.count,
        sumMicro: partial.sumMicro,
        minMicro: partial.minMicro,
        maxMicro: partial.maxMicro,
        firstAt: partial.firstAt,
        lastAt: partial.lastAt,
      });
      this.windows += 1;
      return;
    }
    held.count += partial.count;
    held.sumMicro = checkedSum(held.sumMicro, partial.sumMicro);
    if (partial.minMicro < held.minMicro) held.minMicro = partial.minMicro;
    if (partial.maxMicro > held.maxMicro) held.maxMicro = partial.maxMicro;
    if (partial.firstAt < held.firstAt) held.firstAt = partial.firstAt;
    if (partial.lastAt > held.lastAt) held.lastAt = partial.lastAt;
  }

  /**
   * Marks a window as touched without a partial aggregate: a window known to hold readings
   * whose partial was lost (from a tumbling-window state that could not be restored). It is
   * completed at the close like any other; {@link entries} does not list it.
   */
  touch(instrumentId: string, windowStart: number): void {
    if (this.byInstrument.get(instrumentId)?.has(windowStart)) return;
    let starts = this.touchedOnly.get(instrumentId);
    if (!starts) {
      starts = new Set();
      this.touchedOnly.set(instrumentId, starts);
    }
    starts.add(windowStart);
  }

  /** Every touched window: those with a partial aggregate, then those only {@link touch}ed. */
  *keys(): IterableIterator<WindowKey> {
    for (const [instrumentId, windows] of this.byInstrument) {
      for (const windowStart of windows.keys()) yield { instrumentId, windowStart };
    }
    yield* this.touchedWithoutAggregate();
  }

  /** Windows marked by {@link touch} that hold no partial aggregate. */
  *touchedWithoutAggregate(): IterableIterator<WindowKey> {
    for (const [instrumentId, starts] of this.touchedOnly) {
      for (const windowStart of starts) if (!this.byInstrument.get(instrumentId)?.has(windowStart)) yield { instrumentId, windowStart };
    }
  }

  *entries(): IterableIterator<KeyedAggregate> {
    for (const [instrumentId, windows] of this.byInstrument) {
      for (const [windowStart, aggregate] of windows) yield { instrumentId, windowStart, aggregate: { ...aggregate } };
    }
  }

  get(instrumentId: string, windowStart: number): WindowAggregate | undefined {
    const held = this.byInstrument.get(instrumentId)?.get(windowStart);
    return held ? { ...held } : undefined;
  }
}
