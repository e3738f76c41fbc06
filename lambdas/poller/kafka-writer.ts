import { murmur2, Producer, type ConnectionOptions } from '@platformatic/kafka';
import { utf8Bytes } from '../shared/batching.js';
import { backoffDelayMs, sleep as realSleep, type BackoffOptions, type Sleep } from '../shared/retry.js';
import type { FailedRecord, PutOutcome, ReadingStreamWriter, StreamRecord } from './stream-writer.js';

/**
 * Puts readings on a Kafka topic (Amazon MSK, or the local broker) with the same accounting
 * as the Kinesis writer: every record is acknowledged by the broker, or given up on after
 * its attempts with the broker's last error (the poller quarantines it as `put_failed`).
 *
 * - **Durable and ordered**: an idempotent producer with `acks=all` (the broker answers once
 *   every in-sync replica has the record, and never writes a producer's retry twice); the
 *   record key is the instrument id, and its partition is Kafka's own default for that key
 *   (murmur2 of the key, as the Java client computes it), so one instrument's readings stay
 *   in order and Kafka's tools agree where each key lives.
 * - **Batched**: one produce request per partition per attempt, one partition after another.
 * - **Partial failures**: a partition whose request fails has its records sent again after a
 *   backoff; the other partitions' records are done. A record the broker wrote but whose
 *   answer was lost may be written twice by such a retry: the processors are idempotent
 *   (keyed by instrument and event time), so it counts once.
 */

/** Largest record accepted: Kafka's default `max.message.bytes` (1 MiB, less the batch overhead). */
export const KAFKA_MAX_RECORD_BYTES = 1_000_000;

type ReadingsProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/**
 * Broker errors that leave an idempotent producer's state unusable (its sequence numbers no
 * longer line up with the broker's): the writer replaces the producer (a new producer id)
 * before the next attempt, instead of failing every later record of the partition.
 */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

export interface KafkaWriterOptions {
  /** Makes the producer (./kafka-writer.ts's `createReadingsProducer`); called again when a producer's state breaks. */
  readonly createProducer: () => ReadingsProducer;
  readonly topic: string;
  /** Attempts per record, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** Default 100 ms doubling to at most 2 s. */
  readonly backoff?: BackoffOptions;
  /** Default {@link KAFKA_MAX_RECORD_BYTES}. */
  readonly maxRecordBytes?: number;
  readonly sleep?: Sleep;
}

/** An idempotent `acks=all` producer of raw bytes over a connection (./connection.ts's `kafkaClientOptions`). */
export function createReadingsProducer(connection: { bootstrapBrokers: string[] } & ConnectionOptions, clientId = 'geotech-poller') {
  return new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId,
    ...connection,
    idempotent: true,
    acks: -1,
    retries: 3,
    timeout: 30_000,
    // One request in flight per connection: the idempotent producer's sequence numbers reach the broker in order.
    maxInflights: 1,
  });
}

/** The partition Kafka's default partitioner gives `key` among `partitions` (the Java client's murmur2, made positive). */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

interface Refused<T> {
  readonly record: StreamRecord<T>;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export class KafkaWriter implements ReadingStreamWriter {
  readonly #createProducer: () => ReadingsProducer;
  #producer: ReadingsProducer;
  readonly #topic: string;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #maxRecordBytes: number;
  readonly #sleep: Sleep;
  /** The put in progress: puts run one after another (see {@link put}). */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: KafkaWriterOptions) {
    if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
    this.#createProducer = options.createProducer;
    this.#producer = options.createProducer();
    this.#topic = options.topic;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 2_000 };
    this.#maxRecordBytes = options.maxRecordBytes ?? KAFKA_MAX_RECORD_BYTES;
    this.#sleep = options.sleep ?? realSleep;
  }

  /**
   * Puts run one after another, even when called concurrently (the poller writes its paths'
   * readings at once): the idempotent producer numbers each partition's records in sequence,
   * and two requests for one partition in flight together reach the broker out of order
   * (`OUT_OF_ORDER_SEQUENCE_NUMBER`). Within a put, the partitions' requests go one after another too.
   */
  put<T>(records: readonly StreamRecord<T>[]): Promise<PutOutcome<T>> {
    const run = this.#tail.then(() => this.#putNow(records));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #putNow<T>(records: readonly StreamRecord<T>[]): Promise<PutOutcome<T>> {
    const put: T[] = [];
    const failed: FailedRecord<T>[] = [];
    let pending: StreamRecord<T>[] = [];
    for (const record of records) {
      const problem = this.#recordProblem(record);
      if (problem) failed.push({ item: record.item, errorCode: 'InvalidRecord', errorMessage: problem, attempts: 0 });
      else pending.push(record);
    }
    let calls = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoffDelayMs(attempt - 1, this.#backoff));
      const partitioned = await this.#byPartition(pending);
      if ('refused' in partitioned) {
        // Not even the topic's metadata: every pending record failed this attempt.
        if (attempt >= this.#maxAttempts) {
          for (const record of pending) failed.push({ item: record.item, ...partitioned.refused, attempts: attempt });
          break;
        }
        continue;
      }
      calls += partitioned.groups.size;
      const refused: Refused<T>[] = [];
      let replaceProducer = false;
      // One partition after another: the idempotent producer numbers each partition's records in sequence,
      // and requests racing on one connection reach the broker out of that order.
      for (const [partition, group] of partitioned.groups) {
        try {
          await this.#producer.send({
            messages: group.map((record) => ({
              topic: this.#topic,
              partition,
              key: Buffer.from(record.partitionKey, 'utf8'),
              value: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength),
            })),
          });
          for (const record of group) put.push(record.item);
        } catch (error) {
          const { errorCode, errorMessage } = describeError(error);
          if (PRODUCER_STATE_ERRORS.has(errorCode)) replaceProducer = true;
          for (const record of group) refused.push({ record, errorCode, errorMessage });
        }
      }
      if (attempt >= this.#maxAttempts) {
        for (const { record, errorCode, errorMessage } of refused)
          failed.push({ item: record.item, errorCode, errorMessage, attempts: attempt });
        break;
      }
      pending = refused.map((entry) => entry.record);
      if (replaceProducer) await this.#replaceProducer();
    }
    return { put, failed, calls };
  }

  async #replaceProducer(): Promise<void> {
    const broken = this.#producer;
    this.#producer = this.#createProducer();
    await new Promise<void>((resolve) => broken.close(true, () => resolve()));
  }

  /** Closes the producer's connections. */
  close(): Promise<void> {
    return this.#producer.close();
  }

  #recordProblem(record: StreamRecord<unknown>): string | undefined {
    if (record.partitionKey.length === 0) return 'record key is empty';
    const bytes = record.data.byteLength + utf8Bytes(record.partitionKey);
    if (bytes > this.#maxRecordBytes) return `record is ${bytes} bytes (limit ${this.#maxRecordBytes})`;
    return undefined;
  }

  async #byPartition<T>(
    records: readonly StreamRecord<T>[],
  ): Promise<{ groups: Map<number, StreamRecord<T>[]> } | { refused: { errorCode: string; errorMessage: string } }> {
    let partitions: number;
    try {
      const metadata = await this.#producer.metadata({ topics: [this.#topic] });
      const topic = metadata.topics.get(this.#topic);
      if (!topic) return { refused: { errorCode: 'UNKNOWN_TOPIC_OR_PARTITION', errorMessage: `topic ${this.#topic} does not exist` } };
      partitions = topic.partitionsCount;
    } catch (error) {
      return { refused: describeError(error) };
    }
    const groups = new Map<number, StreamRecord<T>[]>();
    for (const record of records) {
      const partition = partitionForKey(record.partitionKey, partitions);
      const group = groups.get(partition);
      if (group) group.push(record);
      else groups.set(partition, [record]);
    }
    return { groups };
  }
}

/** A Kafka error as the outcome names it: the broker's error code (e.g. `MESSAGE_TOO_LARGE`) and message where the client's error wraps one. */
function describeError(error: unknown): { errorCode: string; errorMessage: string } {
  if (!(error instanceof Error)) return { errorCode: 'Error', errorMessage: String(error) };
  const broker = brokerError(error);
  if (broker) return { errorCode: broker.apiId, errorMessage: broker.message };
  const code = (error as { code?: unknown }).code;
  return { errorCode: typeof code === 'string' ? code : error.name, errorMessage: error.message };
}

/** The first error the broker itself returned, found through the client's aggregate errors. */
function brokerError(error: Error): (Error & { apiId: string }) | undefined {
  const apiId = (error as { apiId?: unknown }).apiId;
  if (typeof apiId === 'string') return error as Error & { apiId: string };
  if (!(error instanceof AggregateError)) return undefined;
  for (const inner of error.errors) {
    const found = inner instanceof Error ? brokerError(inner) : undefined;
    if (found) return found;
  }
  return undefined;
}
