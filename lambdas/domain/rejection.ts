/**
 * Why a reading was not accepted. Every reading the poller sees ends up either
 * accepted or rejected with one of these reasons; rejections are counted by reason
 * and kept, with the raw item, in the quarantine. A manual reading (`POST /readings`)
 * is judged by the same rules and a few of its own, and its rejection is answered to
 * the engineer row by row instead.
 */
export const REJECTION_REASONS = [
  /** The item is not a JSON object. */
  'malformed_item',
  /** A required field (id, type, reading, timestamp) is absent or null. */
  'missing_field',
  /** A required field is an empty or blank string. */
  'empty_field',
  /** The instrument type is not one of the five known types. */
  'unknown_type',
  /** The reading is not a number (nor a string holding one). */
  'non_numeric_reading',
  /** The reading is NaN or infinite. */
  'non_finite_reading',
  /** The reading is outside the type's physical range. */
  'out_of_range',
  /** The timestamp does not parse as an ISO-8601 instant. */
  'invalid_timestamp',
  /** The timestamp lies further in the future than the allowed clock skew. */
  'future_timestamp',
  /** The same instrument and timestamp were already seen: the poller remembers each reading for an hour after its event time (`lambdas/poller/seen-readings.ts`), across polls and warm invocations. */
  'duplicate_reading',
  /** A stream record that does not decode as a canonical reading. */
  'undecodable_record',
  /** The stream (Kinesis or Kafka) refused the record on every attempt. */
  'put_failed',
  /** OpenSearch refused the document (mapping or request validation), or kept refusing it on every attempt. */
  'index_rejected',
  /** A manual reading names an instrument the registry does not hold. */
  'unknown_instrument',
  /** A manual reading has the instrument and time of a stored reading, or of an earlier row of the same upload. */
  'duplicate_time',
  /** A manual reading's note is longer than the limit (`MAX_NOTE_CHARACTERS` in manual-readings.ts). */
  'note_too_long',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  readonly reason: RejectionReason;
  /** Human-readable detail, e.g. which field and what value. */
  readonly detail: string;
  /** The field at fault, when one is. */
  readonly field?: string;
  /** The raw item or record as received, kept for diagnosis and replay. */
  readonly raw: unknown;
  /** Where it came from: an endpoint path, or a shard and sequence number. */
  readonly source: string;
  /** When it was rejected, epoch milliseconds. */
  readonly rejectedAt: number;
}

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };
