import { parseIsoInstant } from '../domain/timestamps.js';
import { availableAt, loggedTimes, outageAround } from './loggers.js';
import type { SimulatedInstrument } from './readings.js';
import { LOGGING } from './type-models.js';

/** Page sizes of history mode. */
export const HISTORY_LIMITS = { default: 1000, max: 5000 } as const;

/** How far back history mode reaches, ms: the loggers' memory. */
export const MEMORY_MS = LOGGING.memoryHours * 3_600_000;

/**
 * A place in the order history mode serves readings in: by the instant each reading
 * reached the API (`available`), then its logging time, then its instrument. A position
 * without `logged` stands after every reading that reached the API by `available`.
 */
export interface HistoryPosition {
  readonly available: number;
  readonly logged?: number;
  readonly instrumentId?: string;
}

/** One reading of a history page. */
export interface HistoryReading {
  readonly index: number;
  readonly loggedAt: number;
  readonly availableAt: number;
}

export interface HistoryQuery {
  readonly after: HistoryPosition;
  readonly limit: number;
}

/** A history query that cannot be answered; the message names the parameter. */
export class HistoryQueryError extends Error {
  override readonly name = 'HistoryQueryError';
}

const CURSOR_PREFIX = 'v1';

/** `v1.<available ms>` or `v1.<available ms>.<logged ms>.<instrument id>`. */
export function formatCursor(position: HistoryPosition): string {
  if (position.logged === undefined || position.instrumentId === undefined) return `${CURSOR_PREFIX}.${position.available}`;
  return `${CURSOR_PREFIX}.${position.available}.${position.logged}.${position.instrumentId}`;
}

export function parseCursor(text: string): HistoryPosition {
  const [prefix, available, logged, ...id] = text.split('.');
  const instrumentId = id.join('.');
  const whole = (value: string | undefined) => value !== undefined && /^\d{1,15}$/.test(value);
  if (prefix !== CURSOR_PREFIX || !whole(available) || (logged !== undefined && (!whole(logged) || instrumentId === ''))) {
    throw new HistoryQueryError(`cursor ${JSON.stringify(text)} is not a cursor this API issued (pass back a 'next' value unchanged)`);
  }
  return logged === undefined ? { available: Number(available) } : { available: Number(available), logged: Number(logged), instrumentId };
}

/**
 * The history query of a request's parameters, or null when it asks for none (snapshot
 * mode). `since` (an ISO-8601 instant) or `cursor` (a `next` value) say where to start;
 * `limit` caps the page. Throws {@link HistoryQueryError} for a bad value.
 */
export function parseHistoryQuery(params: URLSearchParams): HistoryQuery | null {
  const since = params.get('since');
  const cursor = params.get('cursor');
  const limitText = params.get('limit');
  if (since === null && cursor === null) {
    if (limitText !== null) throw new HistoryQueryError('limit applies to history mode only: give since or cursor too');
    return null;
  }
  if (since !== null && cursor !== null) throw new HistoryQueryError('give since or cursor, not both');
  let after: HistoryPosition;
  if (since !== null) {
    const instant = parseIsoInstant(since);
    if (instant === null)
      throw new HistoryQueryError(`since ${JSON.stringify(since)} is not an ISO-8601 instant such as 2025-03-01T06:00:00Z`);
    after = { available: instant };
  } else {
    after = parseCursor(cursor!);
  }
  let limit: number = HISTORY_LIMITS.default;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > HISTORY_LIMITS.max) {
      throw new HistoryQueryError(`limit must be a whole number from 1 to ${HISTORY_LIMITS.max} (got ${JSON.stringify(limitText)})`);
    }
  }
  return { after, limit };
}

/** Whether reading (available, logged, id) comes after `position`. */
function isAfter(position: HistoryPosition, available: number, logged: number, id: string): boolean {
  if (available !== position.available) return available > position.available;
  if (position.logged === undefined) return false;
  if (logged !== position.logged) return logged > position.logged;
  return id > (position.instrumentId ?? '');
}

interface Head {
  readonly index: number;
  readonly id: string;
  current: HistoryReading | undefined;
  /** Moves `current` to the instrument's next reading in the page's range, or to undefined. */
  advance(): void;
}

export interface HistoryPage {
  readonly readings: HistoryReading[];
  /** Where the next request starts. */
  readonly next: HistoryPosition;
  /** Whether readings past `next` had reached the API by `at` (another page is ready). */
  readonly more: boolean;
}

/**
 * The readings of `instruments` that reached the API after `query.after` and by `at`,
 * oldest first in (available, logged, instrument) order, at most `query.limit`. Readings
 * logged more than the memory before `at` are gone. A reading held back by an outage
 * reaches the API when the outage ends, so it is served after readings logged later but
 * sent earlier, with its own logging time.
 */
export function historyPage(instruments: readonly SimulatedInstrument[], requestedAt: number, query: HistoryQuery): HistoryPage {
  const { after, limit } = query;
  const at = Math.floor(requestedAt);
  if (after.available >= at) return { readings: [], next: after, more: false };
  const memoryStart = at - MEMORY_MS;
  const heads: Head[] = instruments.map(({ instrument, profile, logging }, index) => {
    // Readings held by an outage that covers (or ends at) the position reach the API after it: start at the outage.
    const outage = outageAround(logging, after.available);
    const from = Math.max(memoryStart, outage === null ? after.available : Math.min(outage.start, after.available));
    const times = loggedTimes(logging, profile, from);
    const head: Head = { index, id: instrument.id, current: undefined, advance };
    function advance(): void {
      for (;;) {
        const loggedAt = times.next().value as number;
        const available = availableAt(logging, loggedAt);
        if (available > at) {
          head.current = undefined;
          return;
        }
        if (isAfter(after, available, loggedAt, instrument.id)) {
          head.current = { index, loggedAt, availableAt: available };
          return;
        }
      }
    }
    advance();
    return head;
  });
  const readings: HistoryReading[] = [];
  for (;;) {
    let best: Head | undefined;
    for (const head of heads) {
      const current = head.current;
      if (current === undefined) continue;
      const other = best?.current;
      if (
        other === undefined ||
        current.availableAt < other.availableAt ||
        (current.availableAt === other.availableAt &&
          (current.loggedAt < other.loggedAt || (current.loggedAt === other.loggedAt && head.id < best!.id)))
      ) {
        best = head;
      }
    }
    if (best === undefined) return { readings, next: { available: at }, more: false };
    if (readings.length === limit) {
      const last = readings[readings.length - 1]!;
      return { readings, next: { available: last.availableAt, logged: last.loggedAt, instrumentId: heads[last.index]!.id }, more: true };
    }
    readings.push(best.current!);
    best.advance();
  }
}
