import { isInstrumentType } from '../domain/instrument-types.js';
import {
  checkManualReadings,
  inRowOrder,
  JSON_FIELD_NAMES,
  namedInstruments,
  rejectStoredDuplicates,
  type AcceptedManualReading,
  type ManualReadingFieldNames,
  type ManualReadingRow,
  type ManualRowRejection,
  type RegisteredInstrument,
} from '../domain/manual-readings.js';
import { readingIdentity } from '../domain/normalise-items.js';
import { encodeReading } from '../domain/reading-codec.js';
import type { SqlDatabase } from '../db/sql-client.js';
import type { KinesisWriter, StreamRecord } from '../poller/kinesis-writer.js';
import { SELECT_REGISTERED_INSTRUMENTS, SELECT_STORED_READING_TIMES } from './readings-sql.js';

/** Keys per lookup statement: a few hundred kilobytes of JSON parameter, and an answer well under 1 MiB. */
const KEYS_PER_STATEMENT = 1_000;

/** What became of an upload: every row received is accepted or rejected. */
export interface ManualIntakeResult {
  readonly received: number;
  /** Rows whose readings are on the stream. */
  readonly accepted: number;
  /** Every other row, in row order, with its reason. */
  readonly rejected: readonly ManualRowRejection[];
}

export interface ManualIntakeDependencies {
  readonly db: SqlDatabase;
  /** The poller's writer on the reading stream. */
  readonly writer: Pick<KinesisWriter, 'put'>;
  /** Default `Date.now`. */
  readonly now?: () => number;
  /** As the poller's `MAX_FUTURE_SKEW_SECONDS`; default 60 s. */
  readonly maxFutureSkewMs?: number;
}

export interface ManualUpload {
  readonly rows: readonly ManualReadingRow[];
  /** Rows already refused while the upload was read (a CSV row with the wrong number of fields). */
  readonly rejected?: readonly ManualRowRejection[];
  /** How the upload names its fields; default the JSON names. */
  readonly fields?: ManualReadingFieldNames;
}

/**
 * Takes readings entered by hand into the pipeline: checks each row against the registry
 * and the polled items' rules, refuses rows whose instrument and time a stored reading
 * has, and puts the accepted readings on the reading stream (partition key = instrument
 * id) with the poller's writer, so they are stored, averaged and judged like any other.
 * A reading Kinesis refuses on every attempt is answered as `put_failed` for its row.
 */
export class ManualReadingIntake {
  readonly #db: SqlDatabase;
  readonly #writer: Pick<KinesisWriter, 'put'>;
  readonly #now: () => number;
  readonly #maxFutureSkewMs: number | undefined;

  constructor(deps: ManualIntakeDependencies) {
    this.#db = deps.db;
    this.#writer = deps.writer;
    this.#now = deps.now ?? Date.now;
    this.#maxFutureSkewMs = deps.maxFutureSkewMs;
  }

  async submit(upload: ManualUpload, author: string): Promise<ManualIntakeResult> {
    const fields = upload.fields ?? JSON_FIELD_NAMES;
    const earlier = upload.rejected ?? [];
    const registry = await this.#registered(namedInstruments(upload.rows));
    const checked = checkManualReadings(upload.rows, registry, {
      author,
      now: this.#now(),
      fields,
      ...(this.#maxFutureSkewMs === undefined ? {} : { maxFutureSkewMs: this.#maxFutureSkewMs }),
    });
    const check = rejectStoredDuplicates(checked, await this.#storedTimes(checked.accepted), fields);
    const outcome = await this.#writer.put(check.accepted.map(streamRecord));
    const refused = outcome.failed.map(({ item, errorCode, errorMessage, attempts }): ManualRowRejection => ({
      row: item.row,
      instrumentId: item.reading.instrumentId,
      reason: 'put_failed',
      field: null,
      detail: `the reading stream refused the reading ${attempts === 1 ? 'once' : `${attempts} times`}: ${errorCode}: ${errorMessage}; send the row again`,
    }));
    return {
      received: upload.rows.length + earlier.length,
      accepted: outcome.put.length,
      rejected: inRowOrder([...earlier, ...check.rejected, ...refused]),
    };
  }

  async #registered(ids: readonly string[]): Promise<Map<string, RegisteredInstrument>> {
    const registry = new Map<string, RegisteredInstrument>();
    for (let i = 0; i < ids.length; i += KEYS_PER_STATEMENT) {
      const rows = await this.#db.query<RegistryRow>(SELECT_REGISTERED_INSTRUMENTS, {
        ids: { json: ids.slice(i, i + KEYS_PER_STATEMENT) },
      });
      for (const row of rows) {
        if (!isInstrumentType(row.instrument_type)) continue;
        registry.set(row.instrument_id, {
          instrumentId: row.instrument_id,
          type: row.instrument_type,
          surfaceLevel: row.surface_level,
          northing: row.northing,
          easting: row.easting,
        });
      }
    }
    return registry;
  }

  /** The identities of the accepted rows that a stored reading already has. */
  async #storedTimes(accepted: readonly AcceptedManualReading[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let i = 0; i < accepted.length; i += KEYS_PER_STATEMENT) {
      const keys = accepted.slice(i, i + KEYS_PER_STATEMENT).map(({ reading }) => ({
        instrument_id: reading.instrumentId,
        observed_at: new Date(reading.observedAt).toISOString(),
      }));
      const rows = await this.#db.query<StoredTimeRow>(SELECT_STORED_READING_TIMES, { keys: { json: keys } });
      for (const row of rows) stored.add(readingIdentity({ instrumentId: row.instrument_id, observedAt: Number(row.observed_at_ms) }));
    }
    return stored;
  }
}

interface RegistryRow {
  instrument_id: string;
  instrument_type: string;
  surface_level: number | null;
  northing: number | null;
  easting: number | null;
}

interface StoredTimeRow {
  instrument_id: string;
  observed_at_ms: number | string;
}

function streamRecord(entry: AcceptedManualReading): StreamRecord<AcceptedManualReading> {
  return { partitionKey: entry.reading.instrumentId, data: Buffer.from(encodeReading(entry.reading), 'utf8'), item: entry };
}
