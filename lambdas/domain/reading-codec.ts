import { INSTRUMENT_TYPE_SPECS, isInstrumentType } from './instrument-types.js';
import { READING_SOURCES, type Reading, type ReadingSource } from './reading.js';
import type { Rejection } from './rejection.js';

/**
 * The payload of one Kinesis record: a canonical reading as compact JSON, versioned so
 * the processors can refuse what they do not understand.
 * `{"v":1,"id":"BH-9037","type":"water_standpipe","value":86.25,"t":1650060089078,"sl":85.4,"n":5814941,"e":323796}`
 * A manual reading adds its source, author and note (additions a version 1 reader that
 * predates them ignores): `…,"src":"manual","by":"engineer","note":"dipped after rain"}`.
 */
interface ReadingRecordV1 {
  v: 1;
  id: string;
  type: string;
  value: number;
  t: number;
  sl: number | null;
  n: number | null;
  e: number | null;
  /** Absent for a polled reading. */
  src?: ReadingSource;
  by?: string;
  note?: string;
}

const SOURCES: ReadonlySet<unknown> = new Set(READING_SOURCES);

export function encodeReading(reading: Reading): string {
  const record: ReadingRecordV1 = {
    v: 1,
    id: reading.instrumentId,
    type: reading.type,
    value: reading.value,
    t: reading.observedAt,
    sl: reading.surfaceLevel,
    n: reading.northing,
    e: reading.easting,
  };
  if (reading.source !== undefined && reading.source !== 'poll') record.src = reading.source;
  if (reading.author !== undefined) record.by = reading.author;
  if (reading.note !== undefined) record.note = reading.note;
  return JSON.stringify(record);
}

export interface RecordOrigin {
  /** Shard and sequence number, e.g. `shardId-000000000000/4959...`, kept on rejections. */
  readonly source: string;
  readonly now: number;
}

/** A record payload that is not a valid reading: why, and the payload as text. */
export interface RecordFault {
  readonly fault: string;
  readonly text: string;
}

/**
 * Decodes a record payload (base64, as Lambda delivers it) back into a reading, checking
 * it again. Allocation-light, because it runs for every record of every batch.
 */
export function readReadingRecord(base64Data: string): Reading | RecordFault {
  const text = Buffer.from(base64Data, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fault: 'record is not JSON', text };
  }
  if (typeof parsed !== 'object' || parsed === null) return { fault: 'record is not a JSON object', text };
  const r = parsed as Partial<ReadingRecordV1>;
  if (r.v !== 1) return { fault: `unsupported record version ${JSON.stringify(r.v)}`, text };
  if (typeof r.id !== 'string' || r.id === '') return { fault: 'record has no instrument id', text };
  if (typeof r.type !== 'string' || !isInstrumentType(r.type)) return { fault: `record has unknown type ${JSON.stringify(r.type)}`, text };
  if (typeof r.value !== 'number' || !Number.isFinite(r.value))
    return { fault: `record value ${JSON.stringify(r.value)} is not a finite number`, text };
  const { min, max } = INSTRUMENT_TYPE_SPECS[r.type].physicalRange;
  if (r.value < min || r.value > max) return { fault: `record value ${r.value} is outside ${min}..${max} for ${r.type}`, text };
  if (typeof r.t !== 'number' || !Number.isSafeInteger(r.t) || r.t <= 0)
    return { fault: `record time ${JSON.stringify(r.t)} is not epoch milliseconds`, text };
  const reading: Reading = {
    instrumentId: r.id,
    type: r.type,
    value: r.value,
    observedAt: r.t,
    surfaceLevel: finiteOrNull(r.sl),
    northing: finiteOrNull(r.n),
    easting: finiteOrNull(r.e),
  };
  if (r.src === undefined && r.by === undefined && r.note === undefined) return reading;
  return withOrigin(reading, r, text);
}

/**
 * A reading with the source, author and note its record carries, or the fault in them. A
 * manual reading names its author; a polled one has neither author nor note (the batch store
 * holds it to that, so a record that breaks it is refused here, as a poison record, rather
 * than failing its batch).
 */
function withOrigin(reading: Reading, r: Partial<ReadingRecordV1>, text: string): Reading | RecordFault {
  if (r.src !== undefined && !SOURCES.has(r.src)) return { fault: `record has unknown source ${JSON.stringify(r.src)}`, text };
  if (r.by !== undefined && (typeof r.by !== 'string' || r.by === ''))
    return { fault: `record author ${JSON.stringify(r.by)} is not a user name`, text };
  if (r.note !== undefined && typeof r.note !== 'string') return { fault: `record note ${JSON.stringify(r.note)} is not a string`, text };
  if (r.src === 'manual' && r.by === undefined) return { fault: 'record of a manual reading names no author', text };
  if (r.src !== 'manual' && (r.by !== undefined || r.note !== undefined))
    return { fault: 'record of a polled reading has an author or a note', text };
  return {
    ...reading,
    ...(r.src !== undefined && r.src !== 'poll' ? { source: r.src } : {}),
    ...(r.by !== undefined ? { author: r.by } : {}),
    ...(r.note !== undefined ? { note: r.note } : {}),
  };
}

export function isRecordFault(result: Reading | RecordFault): result is RecordFault {
  return 'fault' in result;
}

/** The rejection for a poison record: one that does not decode, or decodes but fails validation. */
export function poisonRecordRejection(fault: RecordFault, origin: RecordOrigin): Rejection {
  return { reason: 'undecodable_record', detail: fault.fault, raw: fault.text, source: origin.source, rejectedAt: origin.now };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
