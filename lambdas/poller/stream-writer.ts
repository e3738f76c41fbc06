/**
 * What puts readings on the stream, whichever the stream is (a Kinesis stream, or a Kafka
 * topic on Amazon MSK or the local broker): the poller and the manual-reading intake write
 * through it, and account for every record by its outcome.
 */

/** One record to put, carrying the item it was made from so outcomes can name it. */
export interface StreamRecord<T> {
  /** The Kinesis partition key or the Kafka record key: the instrument id, so one instrument's readings stay in order. */
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly item: T;
}

export interface FailedRecord<T> {
  readonly item: T;
  /** The last error the stream gave, e.g. `ProvisionedThroughputExceededException`, `NOT_LEADER_OR_FOLLOWER`, or `InvalidRecord`. */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** How many times the record was sent (0 if it was refused before sending). */
  readonly attempts: number;
}

export interface PutOutcome<T> {
  /** Items whose records the stream acknowledged, each exactly once. */
  readonly put: T[];
  /** Items whose records were refused on every attempt. */
  readonly failed: FailedRecord<T>[];
  /** Calls made to the stream (PutRecords calls, Kafka produce requests). */
  readonly calls: number;
}

export interface ReadingStreamWriter {
  /** Puts every record, retrying refusals; never throws for refused records (they are in `failed`). */
  put<T>(records: readonly StreamRecord<T>[]): Promise<PutOutcome<T>>;
}
