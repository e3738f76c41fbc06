import { WindowAccumulator, type WindowKey } from './window-accumulator.js';
import { windowStartOf } from './window-aggregate.js';

/**
 * Serialised form of a {@link WindowAccumulator}, carried between invocations as the
 * `state` of a Lambda tumbling window (capped by Lambda at 1 MB per shard). Each
 * partial is one positional array, times as offsets from the window start:
 * `[instrumentId, windowStartSeconds, count, sumMicro, minMicro, maxMicro, firstOffsetMs, lastOffsetMs]`.
 * Windows touched without a partial (recovered from a state that could not be restored)
 * are listed in `k` as `[instrumentId, windowStartSeconds]`.
 */
export interface WindowState {
  readonly v: 1;
  /** Window length, seconds. */
  readonly w: number;
  readonly p: readonly PartialTuple[];
  readonly k?: readonly KeyTuple[];
}

type PartialTuple = readonly [string, number, number, number, number, number, number, number];
type KeyTuple = readonly [string, number];

export const WINDOW_STATE_VERSION = 1;

export class WindowStateError extends Error {
  override readonly name = 'WindowStateError';
}

export function encodeWindowState(accumulator: WindowAccumulator): WindowState {
  const partials: PartialTuple[] = [];
  for (const { instrumentId, windowStart, aggregate: a } of accumulator.entries()) {
    partials.push([
      instrumentId,
      windowStart / 1000,
      a.count,
      a.sumMicro,
      a.minMicro,
      a.maxMicro,
      a.firstAt - windowStart,
      a.lastAt - windowStart,
    ]);
  }
  const keys: KeyTuple[] = [...accumulator.touchedWithoutAggregate()].map(({ instrumentId, windowStart }) => [
    instrumentId,
    windowStart / 1000,
  ]);
  const state = { v: WINDOW_STATE_VERSION, w: accumulator.windowMs / 1000, p: partials } as const;
  return keys.length > 0 ? { ...state, k: keys } : state;
}

/**
 * Restores an accumulator from a tumbling-window state. An empty state (`{}`, which
 * Lambda sends at the start of a window) gives an empty accumulator. A state written
 * with another window length is refused, because its partials cannot be re-bucketed
 * (see {@link salvageWindowKeys} for what can still be read from it).
 */
export function decodeWindowState(state: unknown, windowMs: number): WindowAccumulator {
  const accumulator = new WindowAccumulator(windowMs);
  if (isEmptyState(state)) return accumulator;
  const candidate = state as Partial<WindowState>;
  if (candidate.v !== WINDOW_STATE_VERSION || !Array.isArray(candidate.p)) {
    throw new WindowStateError(`unrecognised window state (version ${JSON.stringify(candidate.v)})`);
  }
  if (candidate.w !== windowMs / 1000) {
    throw new WindowStateError(`window state was built with ${String(candidate.w)} s windows, the processor now uses ${windowMs / 1000} s`);
  }
  for (const tuple of candidate.p) {
    if (!isPartialTuple(tuple)) throw new WindowStateError(`malformed partial in window state: ${JSON.stringify(tuple)}`);
    const [instrumentId, startSeconds, count, sumMicro, minMicro, maxMicro, firstOffset, lastOffset] = tuple;
    const windowStart = startSeconds * 1000;
    accumulator.addAggregate(instrumentId, windowStart, {
      count,
      sumMicro,
      minMicro,
      maxMicro,
      firstAt: windowStart + firstOffset,
      lastAt: windowStart + lastOffset,
    });
  }
  for (const tuple of candidate.k ?? []) {
    if (!isKeyTuple(tuple)) throw new WindowStateError(`malformed window key in window state: ${JSON.stringify(tuple)}`);
    accumulator.touch(tuple[0], tuple[1] * 1000);
  }
  return accumulator;
}

/**
 * The windows of `windowMs` that a state which {@link decodeWindowState} refuses still
 * shows were touched: every readable partial or key, whatever window length it was built
 * with, re-keyed onto the windows its readings fall in. A partial of a 30 s window from
 * 00:00:30 whose readings lie between 00:00:31 and 00:00:52 gives, with 10 s windows, the
 * windows starting 00:00:30, 00:00:40 and 00:00:50. Unreadable entries give nothing.
 */
export function salvageWindowKeys(state: unknown, windowMs: number): WindowKey[] {
  if (isEmptyState(state) || typeof state !== 'object') return [];
  const candidate = state as { w?: unknown; p?: unknown; k?: unknown };
  const keys = new Map<string, WindowKey>();
  const cover = (instrumentId: string, from: number, to: number) => {
    for (let start = windowStartOf(from, windowMs); start <= to; start += windowMs)
      keys.set(`${instrumentId}@${start}`, { instrumentId, windowStart: start });
  };
  for (const tuple of Array.isArray(candidate.p) ? candidate.p : []) {
    if (!isPartialTuple(tuple)) continue;
    const windowStart = tuple[1] * 1000;
    cover(tuple[0], windowStart + tuple[6], windowStart + tuple[7]);
  }
  const oldWindowMs =
    typeof candidate.w === 'number' && Number.isSafeInteger(candidate.w) && candidate.w > 0 ? candidate.w * 1000 : undefined;
  for (const tuple of Array.isArray(candidate.k) ? candidate.k : []) {
    if (!isKeyTuple(tuple) || oldWindowMs === undefined) continue;
    cover(tuple[0], tuple[1] * 1000, tuple[1] * 1000 + oldWindowMs - 1);
  }
  return [...keys.values()];
}

function isEmptyState(state: unknown): boolean {
  return state === undefined || state === null || (typeof state === 'object' && Object.keys(state).length === 0);
}

function isPartialTuple(value: unknown): value is PartialTuple {
  return (
    Array.isArray(value) &&
    value.length === 8 &&
    typeof value[0] === 'string' &&
    value.slice(1).every((n) => typeof n === 'number' && Number.isSafeInteger(n)) &&
    (value[2] as number) > 0 &&
    (value[6] as number) <= (value[7] as number)
  );
}

function isKeyTuple(value: unknown): value is KeyTuple {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1]);
}
