import type { InstrumentType } from './instrument-types.js';

/**
 * A validated reading in canonical form: what the poller writes to Kinesis and what
 * the processors fold into windows. Values are quantised to {@link VALUE_SCALE} so
 * that sums are exact integers and aggregation never depends on arrival order.
 */
export interface Reading {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  /** The reading in the type's unit, quantised to 1 / VALUE_SCALE. */
  readonly value: number;
  /** Event time of the reading, epoch milliseconds (UTC). */
  readonly observedAt: number;
  /** Ground surface level at the instrument, metres; null when the source omits it. */
  readonly surfaceLevel: number | null;
  /** Grid position (MGA zone 55), metres; null when the source omits it. */
  readonly northing: number | null;
  readonly easting: number | null;
  /** How the reading was taken: polled from the source API (also when absent) or entered by hand. */
  readonly source?: ReadingSource;
  /** Who entered a manual reading: the signed-in user's name. Absent on polled readings. */
  readonly author?: string;
  /** The note entered with a manual reading, if any. */
  readonly note?: string;
}

/** Polled from the instrument API, or entered by an engineer (a standpipe dip, a levelled marker). */
export type ReadingSource = 'poll' | 'manual';

export const READING_SOURCES: readonly ReadingSource[] = ['poll', 'manual'];

/** The source of a reading, `poll` when it names none. */
export function sourceOf(reading: Pick<Reading, 'source'>): ReadingSource {
  return reading.source ?? 'poll';
}

/** Readings are kept to one micro-unit (1e-6 of the type's unit). */
export const VALUE_SCALE = 1_000_000;

/** The reading value as an integer count of micro-units. Exact for |value| < 9e9. */
export function toMicroUnits(value: number): number {
  return Math.round(value * VALUE_SCALE);
}

/** Quantises a value to the resolution readings are kept at. */
export function quantise(value: number): number {
  return toMicroUnits(value) / VALUE_SCALE;
}
