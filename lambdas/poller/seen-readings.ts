import { readingIdentity } from '../domain/normalise-items.js';
import type { Reading } from '../domain/reading.js';

/** How long a reading is remembered, by default: one hour after its event time or after it was last served, whichever is later. */
export const DEFAULT_SEEN_HORIZON_MS = 60 * 60 * 1000;

/**
 * The identities (instrument and event time) of readings already put, so a source that
 * serves the same reading again is answered with a duplicate rejection rather than a
 * second record. A reading is forgotten once both its event time and the last time it was
 * served are more than the horizon ago: a snapshot source that keeps serving an old reading
 * (an instrument whose logger is out of contact) keeps it remembered. That bounds a
 * long-running poller's memory. In history mode the cursor keeps a page from being read
 * twice; the memory still catches an item a page serves twice.
 */
export class SeenReadings {
  readonly #lastByIdentity = new Map<string, number>();

  constructor(readonly horizonMs: number = DEFAULT_SEEN_HORIZON_MS) {}

  /** Remembers a reading put at `now` (default: its event time). */
  add(reading: Pick<Reading, 'instrumentId' | 'observedAt'>, now: number = reading.observedAt): void {
    this.#lastByIdentity.set(readingIdentity(reading), Math.max(reading.observedAt, now));
  }

  has(reading: Pick<Reading, 'instrumentId' | 'observedAt'>): boolean {
    return this.#lastByIdentity.has(readingIdentity(reading));
  }

  /**
   * A snapshot of the remembered identities, in the form `normaliseItems` checks against;
   * each identity found in it (a reading served again) counts as served at `now`.
   */
  identities(now?: number): Set<string> {
    const touch = (identity: string): void => {
      const last = this.#lastByIdentity.get(identity);
      if (now !== undefined && last !== undefined && last < now) this.#lastByIdentity.set(identity, now);
    };
    return new TouchingSet(this.#lastByIdentity.keys(), touch);
  }

  /** Forgets readings whose event time and last serving are both more than the horizon before `now`. */
  prune(now: number): void {
    const cutoff = now - this.horizonMs;
    for (const [identity, last] of this.#lastByIdentity) {
      if (last < cutoff) this.#lastByIdentity.delete(identity);
    }
  }

  get size(): number {
    return this.#lastByIdentity.size;
  }
}

/** A set that reports each lookup that finds its key. */
class TouchingSet extends Set<string> {
  readonly #onHit: (key: string) => void;

  constructor(keys: Iterable<string>, onHit: (key: string) => void) {
    super(keys);
    this.#onHit = onHit;
  }

  override has(key: string): boolean {
    const found = super.has(key);
    if (found) this.#onHit(key);
    return found;
  }
}
