import type { Client } from '@opensearch-project/opensearch';
import { encodeReading } from '../domain/reading-codec.js';
import { DEFAULT_LATE_HORIZON_MS } from '../domain/reevaluation.js';
import type { Rejection } from '../domain/rejection.js';
import type { QuarantineSink } from '../shared/quarantine.js';
import {
  processTumblingWindow,
  type DecodedBatch,
  type InvocationOutcome,
  type SourcedReading,
  type StoreOutcome,
  type TumblingWindowEvent,
  type WindowClose,
  type WindowSink,
} from '../shared/tumbling-window.js';
import type { KafkaLambdaEvent } from '../shared/kafka-lambda-event.js';
import { processKafkaEvent, type KafkaInvocationOutcome, type PartitionProgressStore } from '../shared/kafka-windows.js';
import { BulkWriter, isRetryableStatus, type BulkItemFailure } from './bulk-writer.js';
import { readingDocument, readingDocumentId } from './documents.js';
import { finaliseWindows } from './finalise-windows.js';
import { readingsIndex } from './index-names.js';

export interface RealtimeProcessorDeps {
  readonly client: Client;
  readonly indexPrefix: string;
  readonly windowMs: number;
  readonly quarantine: QuarantineSink;
  /** Default: a {@link BulkWriter} on `client` with its default retries. */
  readonly writer?: BulkWriter;
  /** How far before an instrument's latest judged window arriving windows are still judged. Default 7 days. */
  readonly lateHorizonMs?: number;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

/** What the close of a Lambda window did in OpenSearch. */
export interface RealtimeClose {
  readonly windowsWritten: number;
  /** Earlier windows judged again after a late window, whose judgement changed. */
  readonly windowsRejudged: number;
  /** Touched windows older than the late horizon: written, not judged. */
  readonly windowsBeyondHorizon: number;
  readonly statusesWritten: number;
  /** Instruments whose confirmed status is not the one their status document held before. */
  readonly statusChanges: number;
  /** Window and status documents OpenSearch refused (quarantined). */
  readonly refused: number;
}

export type RealtimeOutcome = InvocationOutcome<RealtimeClose>;
export type RealtimeKafkaOutcome = KafkaInvocationOutcome<RealtimeClose>;

/** On a Kafka event source: the real-time processor's progress on each topic-partition, and the lateness its windows wait for. */
export interface RealtimeKafkaDeps extends RealtimeProcessorDeps {
  readonly progress: PartitionProgressStore;
  readonly allowedLatenessMs: number;
}

/**
 * The real-time path's sink: readings are indexed under deterministic ids as they arrive;
 * the close recomputes the touched windows from the readings index and judges them with
 * the domain's status machine (see finalise-windows.ts). It notifies nobody: alerts come
 * from the batch path. Every instrument is judged by its type's default rule and its
 * initial baseline (the real-time path has no registry). Poison records and documents OpenSearch refuses go to the
 * quarantine with the reason; documents still refused with a retryable status after the
 * writer's retries are handed back to Lambda for redelivery.
 */
export function realtimeWindowSink(deps: RealtimeProcessorDeps): WindowSink<RealtimeClose> {
  const now = deps.now ?? Date.now;
  const writer = deps.writer ?? new BulkWriter(deps.client);
  return {
    async store(batch: DecodedBatch): Promise<StoreOutcome> {
      const written = await writer.write(
        batch.readings.map(({ reading }) => ({
          action: 'index' as const,
          index: readingsIndex(deps.indexPrefix, reading.observedAt),
          id: readingDocumentId(reading),
          document: readingDocument(reading),
        })),
      );
      const unwritten = new Map(written.failures.map((failure) => [failure.operation.id, failure]));
      const stored: SourcedReading[] = [];
      const redeliver: string[] = [];
      const rejections: Rejection[] = batch.rejections.map((entry) => entry.rejection);
      for (const sourced of batch.readings) {
        const failure = unwritten.get(readingDocumentId(sourced.reading));
        if (!failure) stored.push(sourced);
        else if (isRetryableStatus(failure.status)) redeliver.push(sourced.sequenceNumber);
        else rejections.push(refusal(failure, encodeReading(sourced.reading), `${batch.shardId}/${sourced.sequenceNumber}`, now()));
      }
      if (rejections.length > 0) await deps.quarantine.put(rejections);
      return { stored, redeliver };
    },

    async close(close: WindowClose): Promise<RealtimeClose> {
      const outcome = await finaliseWindows(
        {
          client: deps.client,
          writer,
          indexPrefix: deps.indexPrefix,
          windowMs: deps.windowMs,
          lateHorizonMs: deps.lateHorizonMs ?? DEFAULT_LATE_HORIZON_MS,
          now,
        },
        close.touched,
      );
      const source = `${close.shardId}/window ${close.window.start}..${close.window.end}`;
      if (outcome.failures.length > 0) {
        await deps.quarantine.put(outcome.failures.map((failure) => refusal(failure, failure.operation.document, source, now())));
      }
      return {
        windowsWritten: outcome.windows.length,
        windowsRejudged: outcome.windowsRejudged,
        windowsBeyondHorizon: outcome.windowsBeyondHorizon,
        statusesWritten: outcome.statuses.length,
        statusChanges: outcome.statusChanges,
        refused: outcome.failures.length,
      };
    },
  };
}

/** One invocation of the real-time processor. */
export function processRealtimeEvent(event: TumblingWindowEvent, deps: RealtimeProcessorDeps): Promise<RealtimeOutcome> {
  return processTumblingWindow(event, realtimeWindowSink(deps), { windowMs: deps.windowMs, now: deps.now });
}

/** One invocation of the real-time processor on an MSK event: the same sink, windows closed by their partition's watermark. */
export function processRealtimeKafkaEvent(event: KafkaLambdaEvent, deps: RealtimeKafkaDeps): Promise<RealtimeKafkaOutcome> {
  return processKafkaEvent(event, realtimeWindowSink(deps), deps.progress, {
    windowMs: deps.windowMs,
    allowedLatenessMs: deps.allowedLatenessMs,
    now: deps.now,
  });
}

function refusal(failure: BulkItemFailure<unknown>, raw: unknown, source: string, rejectedAt: number): Rejection {
  const { operation } = failure;
  return {
    reason: 'index_rejected',
    detail: `OpenSearch refused ${operation.id} in ${operation.index} (${failure.status} ${failure.type}): ${failure.reason}`,
    raw,
    source,
    rejectedAt,
  };
}
