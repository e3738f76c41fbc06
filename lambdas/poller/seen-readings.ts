import { readingIdentity } from '../domain/normalise-items.js';
import type { Reading } from '../domain/reading.js';

/** How long a reading is remembered after its event time, by default: one hour. */
export const DEFAULT_SEEN_HORIZON_MS = 60 * 60 * 1000;

/**
 * The identities (instrument and event time) of readings already put, so a source that
 * serves the same reading again is answered with a duplicate rejection rather than a
 * second record. Readings older than the horizon are forgotten, which keeps a long-running
 * poller's memory bounded.
 */
export class SeenReadings {
  readonly #observedAtByIdentity = new Map<string, number>();

  constructor(readonly horizonMs: number = DEFAULT_SEEN_HORIZON_MS) {}

  add(reading: Pick<Reading, 'instrumentId' | 'observedAt'>): void {
    this.#observedAtByIdentity.set(readingIdentity(reading), reading.observedAt);
  }

  has(reading: Pick<Reading, 'instrumentId' | 'observedAt'>): boolean {
    return this.#observedAtByIdentity.has(readingIdentity(reading));
  }

  /** A snapshot of the remembered identities, in the form `normaliseItems` checks against. */
  identities(): Set<string> {
    return new Set(this.#observedAtByIdentity.keys());
  }

  /** Forgets readings whose event time is more than the horizon before `now`. */
  prune(now: number): void {
    const cutoff = now - this.horizonMs;
    for (const [identity, observedAt] of this.#observedAtByIdentity) {
      if (observedAt < cutoff) this.#observedAtByIdentity.delete(identity);
    }
  }

  get size(): number {
    return this.#observedAtByIdentity.size;
  }
}
