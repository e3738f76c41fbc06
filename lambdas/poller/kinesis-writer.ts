import { PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { planBatches, utf8Bytes } from '../shared/batching.js';
import { backoffDelayMs, sleep as realSleep, type BackoffOptions, type Sleep } from '../shared/retry.js';
import type { FailedRecord, PutOutcome, ReadingStreamWriter, StreamRecord } from './stream-writer.js';

export type { FailedRecord, PutOutcome, StreamRecord } from './stream-writer.js';

export interface PutRecordsLimits {
  /** Records per PutRecords call. */
  readonly maxRecords: number;
  /** Bytes per call, data and partition keys together. */
  readonly maxBytes: number;
  /** Bytes per record, data and partition key together. */
  readonly maxRecordBytes: number;
}

/** The Kinesis PutRecords limits: 500 records and 5 MiB a call, 1 MiB a record. */
export const PUT_RECORDS_LIMITS: PutRecordsLimits = {
  maxRecords: 500,
  maxBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
};

/** Kinesis limits partition keys to 1..256 Unicode characters. */
const MAX_PARTITION_KEY_CHARS = 256;

/** What a record counts against the size limits: its data plus its partition key. */
export function recordBytes(record: Pick<StreamRecord<unknown>, 'partitionKey' | 'data'>): number {
  return record.data.byteLength + utf8Bytes(record.partitionKey);
}

/**
 * Splits records, in order, into PutRecords calls within the record and byte limits.
 * Every record must fit the per-record limit (see {@link recordProblem}).
 */
export function chunkRecords<T>(records: readonly StreamRecord<T>[], limits: PutRecordsLimits = PUT_RECORDS_LIMITS): StreamRecord<T>[][] {
  return planBatches(records, recordBytes, { maxEntries: limits.maxRecords, maxBytes: limits.maxBytes });
}

/** Why Kinesis would refuse a record outright, or undefined if it is well-formed. */
export function recordProblem(record: StreamRecord<unknown>, limits: PutRecordsLimits = PUT_RECORDS_LIMITS): string | undefined {
  const keyChars = [...record.partitionKey].length;
  if (keyChars === 0) return 'partition key is empty';
  if (keyChars > MAX_PARTITION_KEY_CHARS) return `partition key has ${keyChars} characters (limit ${MAX_PARTITION_KEY_CHARS})`;
  const bytes = recordBytes(record);
  if (bytes > limits.maxRecordBytes) return `record is ${bytes} bytes (limit ${limits.maxRecordBytes})`;
  return undefined;
}

export interface KinesisWriterOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Attempts per record, the first included, before it is given up on. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff between attempts. Default 100 ms doubling to at most 2 s. */
  readonly backoff?: BackoffOptions;
  /** Default {@link PUT_RECORDS_LIMITS}. */
  readonly limits?: PutRecordsLimits;
  /** Default: a timer. */
  readonly sleep?: Sleep;
}

interface Attempted<T> {
  readonly record: StreamRecord<T>;
  errorCode: string;
  errorMessage: string;
}

/**
 * Puts records with PutRecords in calls within the limits. When a call partly fails, only
 * the failed entries are sent again, after a backoff, until they succeed or run out of
 * attempts; a call that fails as a whole counts as a failed attempt for all its entries.
 */
export class KinesisWriter implements ReadingStreamWriter {
  readonly #client: KinesisClient;
  readonly #streamName: string;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #limits: PutRecordsLimits;
  readonly #sleep: Sleep;

  constructor(options: KinesisWriterOptions) {
    if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
    this.#client = options.client;
    this.#streamName = options.streamName;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 2_000 };
    this.#limits = options.limits ?? PUT_RECORDS_LIMITS;
    this.#sleep = options.sleep ?? realSleep;
  }

  async put<T>(records: readonly StreamRecord<T>[]): Promise<PutOutcome<T>> {
    const put: T[] = [];
    const failed: FailedRecord<T>[] = [];
    let pending: StreamRecord<T>[] = [];
    for (const record of records) {
      const problem = recordProblem(record, this.#limits);
      if (problem) failed.push({ item: record.item, errorCode: 'InvalidRecord', errorMessage: problem, attempts: 0 });
      else pending.push(record);
    }
    let calls = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoffDelayMs(attempt - 1, this.#backoff));
      const refused: Attempted<T>[] = [];
      for (const chunk of chunkRecords(pending, this.#limits)) {
        calls++;
        const outcome = await this.#putChunk(chunk);
        put.push(...outcome.put);
        refused.push(...outcome.refused);
      }
      if (attempt >= this.#maxAttempts) {
        for (const { record, errorCode, errorMessage } of refused) {
          failed.push({ item: record.item, errorCode, errorMessage, attempts: attempt });
        }
        break;
      }
      pending = refused.map((entry) => entry.record);
    }
    return { put, failed, calls };
  }

  async #putChunk<T>(chunk: StreamRecord<T>[]): Promise<{ put: T[]; refused: Attempted<T>[] }> {
    let entries: PutRecordsResultEntry[];
    try {
      const output = await this.#client.send(
        new PutRecordsCommand({
          StreamName: this.#streamName,
          Records: chunk.map((record) => ({ PartitionKey: record.partitionKey, Data: record.data })),
        }),
      );
      entries = output.Records ?? [];
    } catch (error) {
      const errorCode = error instanceof Error ? error.name : 'Error';
      const errorMessage = error instanceof Error ? error.message : String(error);
      return { put: [], refused: chunk.map((record) => ({ record, errorCode, errorMessage })) };
    }
    const put: T[] = [];
    const refused: Attempted<T>[] = [];
    chunk.forEach((record, index) => {
      const entry = entries[index];
      if (entry?.SequenceNumber && !entry.ErrorCode) {
        put.push(record.item);
      } else {
        refused.push({
          record,
          errorCode: entry?.ErrorCode ?? 'MissingResult',
          errorMessage: entry?.ErrorMessage ?? (entry ? 'no sequence number returned' : 'PutRecords returned fewer results than records'),
        });
      }
    });
    return { put, refused };
  }
}
