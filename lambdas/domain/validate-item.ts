import { canonicalInstrumentType } from './instrument-names.js';
import { INSTRUMENT_TYPE_SPECS } from './instrument-types.js';
import { quantise, type Reading } from './reading.js';
import type { RejectionReason, Validated } from './rejection.js';
import { parseIsoInstant } from './timestamps.js';

export interface ItemValidationOptions {
  /** Where the item came from (endpoint path), recorded on rejections. */
  readonly source: string;
  /** The current time, epoch milliseconds. */
  readonly now: number;
  /** How far in the future a timestamp may lie before it is rejected. Default 60 000 ms. */
  readonly maxFutureSkewMs?: number;
}

export const DEFAULT_MAX_FUTURE_SKEW_MS = 60_000;

const NUMERIC_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Validates one item of a source envelope and turns it into a canonical reading.
 * Accepts an item only if id, type, reading and timestamp are present and non-empty,
 * the type is known, the reading is a finite number inside the type's physical range,
 * and the timestamp parses and is not too far in the future. Position and surface
 * level are optional metadata: absent or unusable values become null.
 */
export function validateItem(item: unknown, options: ItemValidationOptions): Validated<Reading> {
  const reject = (reason: RejectionReason, detail: string, field?: string): Validated<Reading> => ({
    ok: false,
    rejection: { reason, detail, ...(field ? { field } : {}), raw: item, source: options.source, rejectedAt: options.now },
  });
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return reject('malformed_item', `item is ${Array.isArray(item) ? 'an array' : item === null ? 'null' : typeof item}, not an object`);
  }
  const fields = item as Record<string, unknown>;

  for (const field of ['borehole_number', 'instrument', 'reading', 'timestamp'] as const) {
    const value = fields[field];
    if (value === undefined || value === null) return reject('missing_field', `${field} is missing`, field);
    if (typeof value === 'string' && value.trim() === '') return reject('empty_field', `${field} is empty`, field);
  }

  const id = fields.borehole_number;
  if (typeof id !== 'string') return reject('malformed_item', `borehole_number is a ${typeof id}, not a string`, 'borehole_number');
  const typeName = fields.instrument;
  if (typeof typeName !== 'string') return reject('unknown_type', `instrument is a ${typeof typeName}, not a type name`, 'instrument');
  const type = canonicalInstrumentType(typeName);
  if (!type) return reject('unknown_type', `unknown instrument type "${typeName}"`, 'instrument');

  const value = numberFrom(fields.reading);
  if (value === undefined) return reject('non_numeric_reading', `reading ${JSON.stringify(fields.reading)} is not a number`, 'reading');
  if (!Number.isFinite(value)) return reject('non_finite_reading', `reading ${String(value)} is not finite`, 'reading');
  const { min, max } = INSTRUMENT_TYPE_SPECS[type].physicalRange;
  if (value < min || value > max) {
    return reject('out_of_range', `reading ${value} ${INSTRUMENT_TYPE_SPECS[type].unit} is outside ${min}..${max} for ${type}`, 'reading');
  }

  const timestamp = fields.timestamp;
  const observedAt = typeof timestamp === 'string' ? parseIsoInstant(timestamp) : null;
  if (observedAt === null)
    return reject('invalid_timestamp', `timestamp ${JSON.stringify(timestamp)} is not an ISO-8601 instant`, 'timestamp');
  const skew = options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (observedAt - options.now > skew) {
    return reject(
      'future_timestamp',
      `timestamp ${String(timestamp)} is ${observedAt - options.now} ms ahead of now (limit ${skew} ms)`,
      'timestamp',
    );
  }

  return {
    ok: true,
    value: {
      instrumentId: id.trim(),
      type,
      value: quantise(value),
      observedAt,
      surfaceLevel: optionalFinite(fields.surface_level),
      northing: optionalFinite(fields.northing),
      easting: optionalFinite(fields.easting),
    },
  };
}

/** A number, a string that holds exactly one number, or undefined for anything else. */
function numberFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) return Number(value.trim());
  return undefined;
}

function optionalFinite(value: unknown): number | null {
  const number = numberFrom(value);
  return number !== undefined && Number.isFinite(number) ? number : null;
}
