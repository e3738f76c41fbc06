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
