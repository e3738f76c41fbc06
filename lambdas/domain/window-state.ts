import { WindowAccumulator } from './window-accumulator.js';

/**
 * Serialised form of a {@link WindowAccumulator}, carried between invocations as the
 * `state` of a Lambda tumbling window (capped by Lambda at 1 MB per shard). Each
 * partial is one positional array, times as offsets from the window start:
 * `[instrumentId, windowStartSeconds, count, sumMicro, minMicro, maxMicro, firstOffsetMs, lastOffsetMs]`.
 */
export interface WindowState {
  readonly v: 1;
  /** Window length, seconds. */
  readonly w: number;
  readonly p: readonly PartialTuple[];
}

type PartialTuple = readonly [string, number, number, number, number, number, number, number];

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
  return { v: WINDOW_STATE_VERSION, w: accumulator.windowMs / 1000, p: partials };
}

/**
 * Restores an accumulator from a tumbling-window state. An empty state (`{}`, which
 * Lambda sends at the start of a window) gives an empty accumulator. A state written
 * with another window length is refused, because its partials cannot be re-bucketed.
 */
export function decodeWindowState(state: unknown, windowMs: number): WindowAccumulator {
  const accumulator = new WindowAccumulator(windowMs);
  if (state === undefined || state === null || (typeof state === 'object' && Object.keys(state).length === 0)) return accumulator;
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
  return accumulator;
}

function isPartialTuple(value: unknown): value is PartialTuple {
  return (
    Array.isArray(value) &&
    value.length === 8 &&
    typeof value[0] === 'string' &&
    value.slice(1).every((n) => typeof n === 'number' && Number.isSafeInteger(n)) &&
    (value[2] as number) > 0
  );
}
