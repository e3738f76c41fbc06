import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { Client } from '@opensearch-project/opensearch';
import type { Reading } from '../domain/reading.js';
import { decodeReadingRecord } from '../domain/reading-codec.js';
import type { Rejection } from '../domain/rejection.js';
import { WindowAccumulator } from '../domain/window-accumulator.js';
import { decodeWindowState, encodeWindowState, WindowStateError, type WindowState } from '../domain/window-state.js';
import { BulkWriter, isRetryableStatus, type BulkItemFailure } from './bulk-writer.js';
import { readingDocument, readingDocumentId, type ReadingDocument } from './documents.js';
import { finaliseWindows } from './finalise-windows.js';
import { readingsIndex } from './index-names.js';
import type { QuarantineSink } from '../shared/quarantine.js';

/** What Lambda sends a Kinesis consumer with tumbling windows (the type package omits `shardId`). */
export interface RealtimeWindowEvent extends KinesisStreamTumblingWindowEvent {
  readonly shardId: string;
  readonly eventSourceARN?: string;
}

export interface RealtimeWindowResponse {
  /** The touched (instrument, event window) keys, carried to the next invocation of the same tumbling window. */
  readonly state: WindowState | Record<string, never>;
  /** Records to deliver again (Lambda resumes from the lowest sequence number). */
  readonly batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface RealtimeProcessorDeps {
  readonly client: Client;
  readonly indexPrefix: string;
  readonly windowMs: number;
  readonly quarantine: QuarantineSink;
  /** Default: a {@link BulkWriter} on `client` with its default retries. */
  readonly writer?: BulkWriter;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

export interface RealtimeSummary {
  readonly records: number;
  readonly readingsIndexed: number;
  readonly quarantined: number;
  readonly redeliveryRequested: number;
  readonly finalised: boolean;
  readonly windowsWritten: number;
  readonly statusesWritten: number;
}

interface SourcedReading {
  readonly reading: Reading;
  readonly sequenceNumber: string;
  readonly text: string;
}

/**
 * One invocation of the real-time consumer: indexes the batch's readings under
 * deterministic ids, remembers which (instrument, event window) pairs they touched in
 * the tumbling-window state, and at the window's final invocation (or when Lambda ends
 * it early) completes those windows from the readings index. Poison records and
 * documents OpenSearch refuses go to the quarantine with the reason; documents still
 * refused with a retryable status after the writer's retries are handed back to Lambda
 * for redelivery.
 */
export async function processRealtimeEvent(
  event: RealtimeWindowEvent,
  deps: RealtimeProcessorDeps,
): Promise<{ response: RealtimeWindowResponse; summary: RealtimeSummary }> {
  const now = deps.now ?? Date.now;
  const writer = deps.writer ?? new BulkWriter(deps.client);
  const rejectedAt = now();
  const rejections: Rejection[] = [];

  let accumulator: WindowAccumulator;
  try {
    accumulator = decodeWindowState(event.state, deps.windowMs);
  } catch (error) {
    if (!(error instanceof WindowStateError)) throw error;
    rejections.push({
      reason: 'undecodable_record',
      detail: `tumbling-window state discarded: ${error.message}`,
      raw: event.state,
      source: `${event.shardId}/state`,
      rejectedAt,
    });
    accumulator = new WindowAccumulator(deps.windowMs);
  }

  const records = event.Records ?? [];
  const readings: SourcedReading[] = [];
  for (const record of records) {
    const { sequenceNumber, data } = record.kinesis;
    const decoded = decodeReadingRecord(data, { source: `${event.shardId}/${sequenceNumber}`, now: rejectedAt });
    if (decoded.ok) readings.push({ reading: decoded.value, sequenceNumber, text: Buffer.from(data, 'base64').toString('utf8') });
    else rejections.push(decoded.rejection);
  }

  const written = await writer.write(
    readings.map((sourced) => ({
      action: 'index' as const,
      index: readingsIndex(deps.indexPrefix, sourced.reading.observedAt),
      id: readingDocumentId(sourced.reading),
      document: readingDocument(sourced.reading),
    })),
  );
  const unwritten = new Map<string, BulkItemFailure<ReadingDocument>>();
  for (const failure of written.failures) unwritten.set(failure.operation.id, failure);
  const redeliver: string[] = [];
  for (const sourced of readings) {
    const failure = unwritten.get(readingDocumentId(sourced.reading));
    if (!failure) {
      accumulator.add(sourced.reading.instrumentId, sourced.reading.value, sourced.reading.observedAt);
    } else if (isRetryableStatus(failure.status)) {
      redeliver.push(sourced.sequenceNumber);
    } else {
      rejections.push({
        reason: 'index_rejected',
        detail: `OpenSearch refused ${failure.operation.id} in ${failure.operation.index} (${failure.status} ${failure.type}): ${failure.reason}`,
        raw: sourced.text,
        source: `${event.shardId}/${sourced.sequenceNumber}`,
        rejectedAt,
      });
    }
  }

  const finalised = event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
  let windowsWritten = 0;
  let statusesWritten = 0;
  if (finalised) {
    const keys = [...accumulator.entries()].map(({ instrumentId, windowStart }) => ({ instrumentId, windowStart }));
    const outcome = await finaliseWindows(
      { client: deps.client, writer, indexPrefix: deps.indexPrefix, windowMs: deps.windowMs, now },
      keys,
    );
    windowsWritten = outcome.windows.length;
    statusesWritten = outcome.statuses.length;
    for (const failure of outcome.failures) {
      rejections.push({
        reason: 'index_rejected',
        detail: `OpenSearch refused ${failure.operation.id} in ${failure.operation.index} (${failure.status} ${failure.type}): ${failure.reason}`,
        raw: failure.operation.document,
        source: `${event.shardId}/window ${event.window.start}..${event.window.end}`,
        rejectedAt,
      });
    }
  }

  if (rejections.length > 0) await deps.quarantine.put(rejections);
  return {
    response: {
      state: finalised ? {} : encodeWindowState(accumulator),
      batchItemFailures: redeliver.map((itemIdentifier) => ({ itemIdentifier })),
    },
    summary: {
      records: records.length,
      readingsIndexed: written.written,
      quarantined: rejections.length,
      redeliveryRequested: redeliver.length,
      finalised,
      windowsWritten,
      statusesWritten,
    },
  };
}
