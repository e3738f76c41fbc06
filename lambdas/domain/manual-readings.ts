import type { InstrumentType } from './instrument-types.js';
import { readingIdentity } from './normalise-items.js';
import type { Reading } from './reading.js';
import type { RejectionReason } from './rejection.js';
import { validateItem } from './validate-item.js';

/**
 * Readings entered by hand (a standpipe dipped, a settlement marker levelled) go through
 * the same pipeline as polled ones: each row is turned into the item the source API would
 * have sent for the instrument, from the registry's type, position and surface level, and
 * validated by the same rules (`validateItem`); then a few rules of their own apply. Every
 * row ends accepted, as a canonical reading with source `manual` and its author, or
 * rejected with a reason, the field at fault and a detail the engineer can act on.
 */

/** Most readings in one upload: about 0.5 MB of CSV, well inside the API's payload limits. */
export const MAX_MANUAL_READINGS = 10_000;

/** Longest note kept with a reading, in characters. */
export const MAX_NOTE_CHARACTERS = 500;

/** One reading as entered: the fields as they came (text from a CSV, JSON values from a form). */
export interface ManualReadingRow {
  /** Its position in the upload, from 1 (the first reading; a CSV's header is not counted). */
  readonly row: number;
  readonly instrumentId: unknown;
  readonly observedAt: unknown;
  readonly value: unknown;
  readonly note?: unknown;
}

/** What the registry knows of an instrument, from which the reading's item is built. */
export interface RegisteredInstrument {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly surfaceLevel: number | null;
  readonly northing: number | null;
  readonly easting: number | null;
}

/** The names the upload gives the four fields, so a rejection names the field as the engineer wrote it. */
export interface ManualReadingFieldNames {
  readonly instrumentId: string;
  readonly observedAt: string;
  readonly value: string;
  readonly note: string;
}

/** Field names of a JSON upload (`{ readings: [{ instrumentId, observedAt, value, note }] }`). */
export const JSON_FIELD_NAMES: ManualReadingFieldNames = {
  instrumentId: 'instrumentId',
  observedAt: 'observedAt',
  value: 'value',
  note: 'note',
};

/** Why one row was not accepted. */
export interface ManualRowRejection {
  readonly row: number;
  /** The instrument the row names, when it names one. */
  readonly instrumentId: string | null;
  readonly reason: RejectionReason;
  /** The field at fault, as the upload names it, or null for the row as a whole. */
  readonly field: string | null;
  readonly detail: string;
}

export interface AcceptedManualReading {
  readonly row: number;
  readonly reading: Reading;
}

/** Every row of an upload, accepted or rejected; each list in row order. */
export interface ManualReadingCheck {
  readonly accepted: readonly AcceptedManualReading[];
  readonly rejected: readonly ManualRowRejection[];
}

export interface ManualReadingOptions {
  /** Who entered the readings: the signed-in user's name. */
  readonly author: string;
  /** The current time, epoch ms: a reading may not lie further ahead than the clock skew. */
  readonly now: number;
  /** As for polled items; default 60 s. */
  readonly maxFutureSkewMs?: number;
  /** Default {@link JSON_FIELD_NAMES}. */
  readonly fields?: ManualReadingFieldNames;
}

/** The item fields `validateItem` reads, and which field of a manual row each comes from. */
const ITEM_FIELDS: Readonly<Record<string, keyof ManualReadingFieldNames>> = {
  borehole_number: 'instrumentId',
  reading: 'value',
  timestamp: 'observedAt',
};

/** An explicit UTC designator or offset at the end of an instant. */
const EXPLICIT_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Checks an upload's rows against the registry. A row is accepted when it names a known
 * instrument, passes the polled items' rules (a finite number inside the type's physical
 * range, an ISO-8601 instant not ahead of `now` by more than the skew), gives its time
 * with `Z` or an offset (a person's "09:30" is not taken for UTC), has a note of at most
 * {@link MAX_NOTE_CHARACTERS}, and does not repeat the instrument and time of an earlier
 * accepted row. Readings already stored are checked by {@link rejectStoredDuplicates}.
 */
export function checkManualReadings(
  rows: readonly ManualReadingRow[],
  registry: ReadonlyMap<string, RegisteredInstrument>,
  options: ManualReadingOptions,
): ManualReadingCheck {
  const fields = options.fields ?? JSON_FIELD_NAMES;
  const accepted: AcceptedManualReading[] = [];
  const rejected: ManualRowRejection[] = [];
  const earlier = new Map<string, number>();
  for (const row of rows) {
    const result = checkRow(row, registry, options, fields);
    if ('reason' in result) {
      rejected.push(result);
      continue;
    }
    const identity = readingIdentity(result.reading);
    const first = earlier.get(identity);
    if (first !== undefined) {
      rejected.push({
        row: row.row,
        instrumentId: result.reading.instrumentId,
        reason: 'duplicate_time',
        field: fields.observedAt,
        detail: `row ${first} already has a reading of ${result.reading.instrumentId} at ${iso(result.reading.observedAt)}`,
      });
      continue;
    }
    earlier.set(identity, row.row);
    accepted.push(result);
  }
  return { accepted, rejected };
}

/**
 * Rejects, as `duplicate_time`, the accepted rows whose instrument and time a stored
 * reading already has (`stored` holds their `readingIdentity`): the store keeps the first
 * reading of an instant, so the row would otherwise be accepted and silently dropped.
 */
export function rejectStoredDuplicates(
  check: ManualReadingCheck,
  stored: ReadonlySet<string>,
  fields: ManualReadingFieldNames = JSON_FIELD_NAMES,
): ManualReadingCheck {
  if (stored.size === 0) return check;
  const accepted: AcceptedManualReading[] = [];
  const duplicates: ManualRowRejection[] = [];
  for (const entry of check.accepted) {
    const { instrumentId, observedAt } = entry.reading;
    if (!stored.has(readingIdentity(entry.reading))) accepted.push(entry);
    else
      duplicates.push({
        row: entry.row,
        instrumentId,
        reason: 'duplicate_time',
        field: fields.observedAt,
        detail: `${instrumentId} already has a stored reading at ${iso(observedAt)}`,
      });
  }
  return { accepted, rejected: inRowOrder([...check.rejected, ...duplicates]) };
}

/** The fields a JSON reading may have. */
const JSON_ROW_FIELDS: ReadonlySet<string> = new Set(Object.values(JSON_FIELD_NAMES));

/**
 * The rows of a JSON upload's `readings` array: each element an object with
 * `instrumentId`, `observedAt`, `value` and optionally `note`. An element that is not an
 * object, or has other fields, is rejected as `malformed_item` for its row; the rest are
 * left to {@link checkManualReadings}.
 */
export function rowsFromJson(readings: readonly unknown[]): { rows: ManualReadingRow[]; rejected: ManualRowRejection[] } {
  const rows: ManualReadingRow[] = [];
  const rejected: ManualRowRejection[] = [];
  readings.forEach((element, index) => {
    const row = index + 1;
    if (typeof element !== 'object' || element === null || Array.isArray(element)) {
      const what = element === null ? 'null' : Array.isArray(element) ? 'an array' : `a ${typeof element}`;
      rejected.push({ row, instrumentId: null, reason: 'malformed_item', field: null, detail: `the reading is ${what}, not an object` });
      return;
    }
    const fields = element as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => !JSON_ROW_FIELDS.has(key));
    if (unknown.length > 0) {
      const id = typeof fields.instrumentId === 'string' && fields.instrumentId.trim() !== '' ? fields.instrumentId.trim() : null;
      rejected.push({
        row,
        instrumentId: id,
        reason: 'malformed_item',
        field: unknown[0]!,
        detail: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; a reading has instrumentId, observedAt, value and note`,
      });
      return;
    }
    rows.push({ row, instrumentId: fields.instrumentId, observedAt: fields.observedAt, value: fields.value, note: fields.note });
  });
  return { rows, rejected };
}

/** Rejections sorted by row. */
export function inRowOrder(rejections: readonly ManualRowRejection[]): ManualRowRejection[] {
  return [...rejections].sort((a, b) => a.row - b.row);
}

/** The instrument ids an upload names (trimmed, each once), to look up in the registry. */
export function namedInstruments(rows: readonly ManualReadingRow[]): string[] {
  const ids = new Set<string>();
  for (const row of rows) if (typeof row.instrumentId === 'string' && row.instrumentId.trim() !== '') ids.add(row.instrumentId.trim());
  return [...ids];
}

function checkRow(
  row: ManualReadingRow,
  registry: ReadonlyMap<string, RegisteredInstrument>,
  options: ManualReadingOptions,
  fields: ManualReadingFieldNames,
): AcceptedManualReading | ManualRowRejection {
  const rawId = row.instrumentId;
  const instrumentId = typeof rawId === 'string' ? rawId.trim() : null;
  const reject = (reason: RejectionReason, field: string | null, detail: string): ManualRowRejection => ({
    row: row.row,
    instrumentId: instrumentId === '' ? null : instrumentId,
    reason,
    field,
    detail,
  });
  if (rawId === undefined || rawId === null) return reject('missing_field', fields.instrumentId, `${fields.instrumentId} is missing`);
  if (instrumentId === null) return reject('malformed_item', fields.instrumentId, `${fields.instrumentId} is a ${typeof rawId}, not text`);
  if (instrumentId === '') return reject('empty_field', fields.instrumentId, `${fields.instrumentId} is empty`);
  const instrument = registry.get(instrumentId);
  if (!instrument)
    return reject(
      'unknown_instrument',
      fields.instrumentId,
      `${instrumentId} is not in the instrument registry (instruments appear there with their first polled reading)`,
    );

  const item = {
    borehole_number: instrument.instrumentId,
    instrument: instrument.type,
    reading: row.value,
    timestamp: row.observedAt,
    surface_level: instrument.surfaceLevel,
    northing: instrument.northing,
    easting: instrument.easting,
  };
  const validated = validateItem(item, { source: 'manual', now: options.now, maxFutureSkewMs: options.maxFutureSkewMs });
  if (!validated.ok) {
    const { reason, field, detail } = validated.rejection;
    const ours = field === undefined ? undefined : ITEM_FIELDS[field];
    if (field === undefined || ours === undefined) return reject(reason, field ?? null, detail);
    return reject(reason, fields[ours], renamed(detail, field, fields[ours]));
  }
  if (typeof row.observedAt !== 'string' || !EXPLICIT_OFFSET.test(row.observedAt.trim()))
    return reject(
      'invalid_timestamp',
      fields.observedAt,
      `${fields.observedAt} ${JSON.stringify(row.observedAt)} has no time zone: end it with Z (UTC) or an offset such as +10:00`,
    );

  const note = noteOf(row.note);
  if (note === undefined) return reject('malformed_item', fields.note, `${fields.note} is a ${typeof row.note}, not text`);
  if (note !== null && [...note].length > MAX_NOTE_CHARACTERS)
    return reject('note_too_long', fields.note, `${fields.note} has ${[...note].length} characters (limit ${MAX_NOTE_CHARACTERS})`);

  const reading: Reading = {
    ...validated.value,
    source: 'manual',
    author: options.author,
    ...(note !== null ? { note } : {}),
  };
  return { row: row.row, reading };
}

/** The note, trimmed; null when there is none; undefined when it is not text. */
function noteOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const note = value.trim();
  return note === '' ? null : note;
}

/** A detail that starts with the item's field name, restated with the upload's name for it. */
function renamed(detail: string, itemField: string, name: string): string {
  return detail.startsWith(`${itemField} `) ? `${name}${detail.slice(itemField.length)}` : detail;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
