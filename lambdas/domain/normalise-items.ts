import type { Reading } from './reading.js';
import type { Rejection } from './rejection.js';
import { validateItem, type ItemValidationOptions } from './validate-item.js';

export interface NormalisedItems {
  readonly accepted: Reading[];
  readonly rejected: Rejection[];
}

/**
 * Validates the items of one poll. A second item with the same instrument and
 * timestamp as an accepted one is rejected as a duplicate, so a source that repeats
 * items never yields the same reading twice.
 */
export function normaliseItems(items: readonly unknown[], options: ItemValidationOptions, seen: Set<string> = new Set()): NormalisedItems {
  const accepted: Reading[] = [];
  const rejected: Rejection[] = [];
  for (const item of items) {
    const result = validateItem(item, options);
    if (!result.ok) {
      rejected.push(result.rejection);
      continue;
    }
    const key = readingIdentity(result.value);
    if (seen.has(key)) {
      rejected.push({
        reason: 'duplicate_reading',
        detail: `${result.value.instrumentId} at ${new Date(result.value.observedAt).toISOString()} was already read`,
        raw: item,
        source: options.source,
        rejectedAt: options.now,
      });
      continue;
    }
    seen.add(key);
    accepted.push(result.value);
  }
  return { accepted, rejected };
}

/** What makes a reading unique: its instrument and its event time. */
export function readingIdentity(reading: Pick<Reading, 'instrumentId' | 'observedAt'>): string {
  return `${reading.instrumentId}@${reading.observedAt}`;
}
