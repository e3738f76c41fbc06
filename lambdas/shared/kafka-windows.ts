import { advancePartition, completeUpTo, type PartitionProgress, type WatermarkRules } from '../domain/partition-watermark.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { KafkaBatchResponse, KafkaEventRecord, KafkaLambdaEvent } from './kafka-lambda-event.js';
import {
  decodeRecord,
  isQuarantineEntry,
  type DecodedBatch,
  type QuarantineEntry,
  type SourcedReading,
  type WindowSink,
} from './tumbling-window.js';

/**
 * The stream consumers' core on a Kafka (MSK) event source, which has no Lambda tumbling
 * windows: window completion comes from the records themselves, per topic-partition
 * (lambdas/domain/partition-watermark.ts), with the consumer's progress persisted in its
 * own store. The consumer supplies the same {@link WindowSink} as on Kinesis.
 *
 * For each topic-partition of the event, in turn:
 * 1. its records are decoded as on Kinesis (`decodeRecord`); a poison record becomes a
 *    rejection with the id `<topic>-<partition>@<offset>`, never dropped;
 * 2. the sink stores the readings and rejections (idempotent);
 * 3. the partition's watermark is raised to the latest stored reading time and the windows
 *    the readings touched are added to its pending windows, persisted before anything is
 *    closed, so an invocation that ends or fails here loses none;
 * 4. the pending windows complete by the watermark are closed through `sink.close()`
 *    (idempotent) and then removed from the pending ones. A failure between closing and
 *    removing closes them again on a later invocation, which changes nothing.
 *
 * A store failure throws, so the event source mapping retries the batch (or splits it);
 * every step above is idempotent, so partitions already done change nothing when retried.
 * Records the sink asks to redeliver are reported in the partial batch response; Lambda
 * then resumes their partition from the lowest offset reported.
 */

/** One consumer's per-partition progress. */
export interface PartitionProgressStore {
  load(topicPartition: string): Promise<PartitionProgress>;
  /** Raises the watermark (never lowers it) and adds pending windows (already held ones are kept once). */
  save(topicPartition: string, watermark: number, added: readonly WindowKey[]): Promise<void>;
  /** Removes closed windows from the pending ones. */
  release(topicPartition: string, closed: readonly WindowKey[]): Promise<void>;
}

export interface KafkaWindowOptions extends WatermarkRules {
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** What one invocation did, across its partitions. */
export interface KafkaInvocationOutcome<CloseOutcome> {
  readonly response: KafkaBatchResponse;
  /** Topic-partitions in the event. */
  readonly partitions: number;
  readonly records: number;
  readonly readings: number;
  /** Rejections handed to the sink (poison records). */
  readonly rejected: number;
  readonly redeliveryRequested: number;
  /** Event windows closed. */
  readonly windowsClosed: number;
  /** Event windows still pending on the event's partitions. */
  readonly windowsPending: number;
  /** The sink's outcome of each partition that closed windows. */
  readonly closed: readonly CloseOutcome[];
}

/** Runs one invocation of a consumer on a Kafka event over `sink`, with its progress in `progress`. */
export async function processKafkaEvent<CloseOutcome>(
  event: KafkaLambdaEvent,
  sink: WindowSink<CloseOutcome>,
  progress: PartitionProgressStore,
  options: KafkaWindowOptions,
): Promise<KafkaInvocationOutcome<CloseOutcome>> {
  const now = (options.now ?? Date.now)();
  const failures: Array<KafkaBatchResponse['batchItemFailures'][number]> = [];
  const closed: CloseOutcome[] = [];
  let records = 0;
  let readings = 0;
  let rejected = 0;
  let windowsClosed = 0;
  let windowsPending = 0;
  for (const [topicPartition, partitionRecords] of Object.entries(event.records)) {
    const batch = decodeKafkaPartition(topicPartition, partitionRecords, now);
    const stored = await sink.store(batch);
    for (const offset of stored.redeliver) failures.push({ itemIdentifier: { 'topic-partition': topicPartition, offset: Number(offset) } });

    const held = await progress.load(topicPartition);
    const step = advancePartition(held, readingsOf(stored.stored), options);
    if (step.progress.watermark !== null && (step.added.length > 0 || step.progress.watermark !== held.watermark))
      await progress.save(topicPartition, step.progress.watermark, step.added);
    if (step.complete.length > 0 && step.progress.watermark !== null) {
      const upTo = completeUpTo(step.progress.watermark, options);
      closed.push(
        await sink.close({
          shardId: topicPartition,
          touched: step.complete,
          arrivedUpTo: batch.arrivedUpTo,
          completeUpTo: upTo,
          window: { start: iso(step.complete[0]!.windowStart), end: iso(upTo) },
        }),
      );
      await progress.release(topicPartition, step.complete);
    }
    records += partitionRecords.length;
    readings += stored.stored.length;
    rejected += batch.rejections.length;
    windowsClosed += step.complete.length;
    windowsPending += step.afterClose.pending.length;
  }
  return {
    response: { batchItemFailures: failures },
    partitions: Object.keys(event.records).length,
    records,
    readings,
    rejected,
    redeliveryRequested: failures.length,
    windowsClosed,
    windowsPending,
    closed,
  };
}

/** The id of a Kafka record as a stream position: `<topic>-<partition>@<offset>`. */
export function kafkaRecordSource(topicPartition: string, offset: number): string {
  return `${topicPartition}@${offset}`;
}

/**
 * Decodes one topic-partition's records as the Kinesis path does: its position is the
 * topic-partition (as the shard) and the offset (as the sequence number); its arrival is the
 * record's timestamp.
 */
export function decodeKafkaPartition(topicPartition: string, records: readonly KafkaEventRecord[], now: number): DecodedBatch {
  const readings: SourcedReading[] = [];
  const rejections: QuarantineEntry[] = [];
  let arrivedUpTo = 0;
  for (const record of records) {
    if (record.timestamp > arrivedUpTo) arrivedUpTo = record.timestamp;
    const decoded = decodeRecord(record.value, kafkaRecordSource(topicPartition, record.offset), now);
    if (isQuarantineEntry(decoded)) rejections.push(decoded);
    else readings.push({ reading: decoded, shardId: topicPartition, sequenceNumber: String(record.offset), arrivedAt: record.timestamp });
  }
  return { shardId: topicPartition, readings, rejections, arrivedUpTo };
}

function readingsOf(stored: readonly SourcedReading[]) {
  return stored.map(({ reading }) => reading);
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
