import { INSTRUMENT_TYPE_SPECS, isInstrumentType } from './instrument-types.js';
import type { Reading } from './reading.js';
import type { Rejection, Validated } from './rejection.js';

/**
 * The payload of one Kinesis record: a canonical reading as compact JSON, versioned so
 * the processors can refuse what they do not understand.
 * `{"v":1,"id":"BH-9037","type":"water_standpipe","value":86.25,"t":1650060089078,"sl":85.4,"n":5814941,"e":323796}`
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
}

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
  return JSON.stringify(record);
}

export interface RecordOrigin {
  /** Shard and sequence number, e.g. `shardId-000000000000/4959...`, kept on rejections. */
  readonly source: string;
  readonly now: number;
}

/**
 * Decodes a record payload (base64, as Lambda delivers it) back into a reading, checking
 * it again: a record that decodes but fails validation is a poison record and is
 * rejected with a reason instead of blocking the shard.
 */
export function decodeReadingRecord(base64Data: string, origin: RecordOrigin): Validated<Reading> {
  const text = Buffer.from(base64Data, 'base64').toString('utf8');
  const reject = (detail: string): Validated<Reading> => ({
    ok: false,
    rejection: { reason: 'undecodable_record', detail, raw: text, source: origin.source, rejectedAt: origin.now } satisfies Rejection,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reject('record is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) return reject('record is not a JSON object');
  const r = parsed as Partial<ReadingRecordV1>;
  if (r.v !== 1) return reject(`unsupported record version ${JSON.stringify(r.v)}`);
  if (typeof r.id !== 'string' || r.id === '') return reject('record has no instrument id');
  if (typeof r.type !== 'string' || !isInstrumentType(r.type)) return reject(`record has unknown type ${JSON.stringify(r.type)}`);
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return reject(`record value ${JSON.stringify(r.value)} is not a finite number`);
  const { min, max } = INSTRUMENT_TYPE_SPECS[r.type].physicalRange;
  if (r.value < min || r.value > max) return reject(`record value ${r.value} is outside ${min}..${max} for ${r.type}`);
  if (typeof r.t !== 'number' || !Number.isSafeInteger(r.t) || r.t <= 0) return reject(`record time ${JSON.stringify(r.t)} is not epoch milliseconds`);
  return {
    ok: true,
    value: {
      instrumentId: r.id,
      type: r.type,
      value: r.value,
      observedAt: r.t,
      surfaceLevel: finiteOrNull(r.sl),
      northing: finiteOrNull(r.n),
      easting: finiteOrNull(r.e),
    },
  };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
