import type { KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { isRecordFault, poisonRecordRejection, readReadingRecord } from '../domain/reading-codec.js';
import type { Reading } from '../domain/reading.js';
import type { Rejection } from '../domain/rejection.js';
import { WindowAccumulator, type WindowKey } from '../domain/window-accumulator.js';
import { decodeWindowState, encodeWindowState, salvageWindowKeys, WindowStateError, type WindowState } from '../domain/window-state.js';

/**
 * The Lambda tumbling-window contract, owned here for both stream consumers (the batch
 * processor into Aurora and the real-time processor into OpenSearch). A consumer supplies
 * only its {@link WindowSink}; this module decodes the records, carries the touched
 * (instrument, event window) pairs between invocations in the state, decides which
 * invocation closes a Lambda window, and handles a state that does not decode.
 *
 * Rules, the same for both consumers:
 * - **Every batch is stored when it arrives.** Stores are idempotent (keyed by instrument
 *   and event time), so a retried or replayed batch changes nothing.
 * - **Closing.** The invocation with `isFinalInvokeForWindow` closes the window, and so does
 *   one with `isWindowTerminatedEarly` (Lambda ends a window early when its state would
 *   pass 1 MB, then starts the next with an empty state, so the touched windows must be
 *   completed now). Closing completes every touched event window from the stored readings,
 *   even when the closing invocation brings no records.
 * - **A state that does not decode** (written by a version with another window length or
 *   state format, or damaged) never blocks the shard: it is quarantined with the reason,
 *   the (instrument, time) pairs that can still be read from it are re-keyed onto the
 *   current window length so those windows are still completed, and processing goes on.
 * - **Poison records** (not a canonical reading) are handed to the sink as rejections,
 *   each with a deterministic id (shard and sequence number), never dropped.
 */

/** What Lambda sends a Kinesis consumer with tumbling windows (the type package omits `shardId`). */
export interface TumblingWindowEvent extends KinesisStreamTumblingWindowEvent {
  readonly shardId: string;
  readonly eventSourceARN?: string;
}

/** The state carried between the invocations of one Lambda window. */
export interface WindowProgressState {
  /** The partial aggregates of the (instrument, event window) pairs touched so far. */
  readonly windows: WindowState;
  /** Latest approximate arrival time of a record in this Lambda window, epoch ms. */
  readonly arrivedUpTo: number;
}

export interface TumblingWindowResponse {
  /** Carried to the next invocation of the same Lambda window; empty once it closes. */
  readonly state: WindowProgressState | Record<string, never>;
  /** Records to deliver again; Lambda resumes from the lowest sequence number. */
  readonly batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** A reading with the stream position it came from. */
export interface SourcedReading {
  readonly reading: Reading;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** When the record reached the stream (its approximate arrival timestamp), epoch ms. */
  readonly arrivedAt: number;
}

/** A rejection with a deterministic id, so a redelivered poison record is kept once. */
export interface QuarantineEntry {
  readonly id: string;
  readonly rejection: Rejection;
}

/** One invocation's records, decoded. */
export interface DecodedBatch {
  readonly shardId: string;
  readonly readings: readonly SourcedReading[];
  /** Poison records, and a discarded state, with the reason for each. */
  readonly rejections: readonly QuarantineEntry[];
  /** Latest approximate arrival time in the batch, epoch ms (0 for an empty batch). */
  readonly arrivedUpTo: number;
}

/** What a sink did with a batch. */
export interface StoreOutcome {
  /** Readings the sink holds now; only these count towards their windows. */
  readonly stored: readonly SourcedReading[];
  /** Sequence numbers to deliver again (a transient refusal of some records). */
  readonly redeliver: readonly string[];
}

/** The close of a Lambda window on one shard. */
export interface WindowClose {
  readonly shardId: string;
  /** The (instrument, event window) pairs touched during the Lambda window. */
  readonly touched: readonly WindowKey[];
  /** Latest approximate arrival time seen on the shard in the Lambda window, epoch ms. */
  readonly arrivedUpTo: number;
  /** The Lambda window, as Lambda sent it (on a Kafka partition: the event-time span closed). */
  readonly window: { readonly start: string; readonly end: string };
  /**
   * Event time up to which the shard's windows are complete, epoch ms. Kafka partitions give
   * it from their watermark; on Kinesis it is absent: `arrivedUpTo` less the allowed lateness.
   */
  readonly completeUpTo?: number;
}

/** The consumer-specific part: where readings and windows are stored. */
export interface WindowSink<CloseOutcome> {
  /**
   * Stores a batch's readings and rejections. Throws on a failure that the whole batch
   * should be retried for (the event source mapping retries it).
   */
  store(batch: DecodedBatch): Promise<StoreOutcome>;
  /** Completes the touched event windows at the close of the Lambda window. */
  close(close: WindowClose): Promise<CloseOutcome>;
}

/** What one invocation did. */
export interface InvocationOutcome<CloseOutcome> {
  readonly response: TumblingWindowResponse;
  /** Records in the event. */
  readonly records: number;
  /** Readings stored. */
  readonly readings: number;
  /** Rejections handed to the sink (poison records and a discarded state). */
  readonly rejected: number;
  readonly redeliveryRequested: number;
  /** The sink's outcome when this invocation closed the Lambda window. */
  readonly closed: CloseOutcome | undefined;
}

export interface TumblingWindowOptions {
  /** Event-time window length, ms. */
  readonly windowMs: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** Runs one invocation of a tumbling-window consumer over `sink`. */
export async function processTumblingWindow<CloseOutcome>(
  event: TumblingWindowEvent,
  sink: WindowSink<CloseOutcome>,
  options: TumblingWindowOptions,
): Promise<InvocationOutcome<CloseOutcome>> {
  const now = (options.now ?? Date.now)();
  const restored = restoreProgress(event, options.windowMs, now);
  const records = event.Records ?? [];
  const decoded = decodeBatch(records, event.shardId, now);
  const batch: DecodedBatch = restored.discarded ? { ...decoded, rejections: [restored.discarded, ...decoded.rejections] } : decoded;

  const outcome = await sink.store(batch);
  for (const { reading } of outcome.stored) restored.accumulator.add(reading.instrumentId, reading.value, reading.observedAt);
  const arrivedUpTo = Math.max(restored.arrivedUpTo, batch.arrivedUpTo);

  const closes = event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
  const closed = closes
    ? await sink.close({ shardId: event.shardId, touched: [...restored.accumulator.keys()], arrivedUpTo, window: event.window })
    : undefined;
  return {
    response: {
      state: closes ? {} : { windows: encodeWindowState(restored.accumulator), arrivedUpTo },
      batchItemFailures: outcome.redeliver.map((itemIdentifier) => ({ itemIdentifier })),
    },
    records: records.length,
    readings: outcome.stored.length,
    rejected: batch.rejections.length,
    redeliveryRequested: outcome.redeliver.length,
    closed,
  };
}

interface RestoredProgress {
  readonly accumulator: WindowAccumulator;
  readonly arrivedUpTo: number;
  /** The state, quarantined, when it could not be restored whole. */
  readonly discarded?: QuarantineEntry;
}

/**
 * The progress carried in the event's state. A state that does not decode is quarantined,
 * and the windows that can still be read from it are kept (see the module's rules).
 */
export function restoreProgress(
  event: Pick<TumblingWindowEvent, 'state' | 'shardId' | 'window'>,
  windowMs: number,
  now: number,
): RestoredProgress {
  const held = (event.state ?? {}) as Partial<WindowProgressState>;
  const arrivedUpTo = typeof held.arrivedUpTo === 'number' && Number.isFinite(held.arrivedUpTo) ? held.arrivedUpTo : 0;
  try {
    return { accumulator: decodeWindowState(held.windows ?? {}, windowMs), arrivedUpTo };
  } catch (error) {
    if (!(error instanceof WindowStateError)) throw error;
    const accumulator = new WindowAccumulator(windowMs);
    const salvaged = salvageWindowKeys(held.windows, windowMs);
    for (const key of salvaged) accumulator.touch(key.instrumentId, key.windowStart);
    const source = `${event.shardId}/state ${event.window?.start ?? '?'}`;
    const detail = `tumbling-window state discarded: ${error.message}; ${salvaged.length} touched window(s) recovered from it`;
    return {
      accumulator,
      arrivedUpTo,
      discarded: { id: source, rejection: { reason: 'undecodable_record', detail, raw: event.state, source, rejectedAt: now } },
    };
  }
}

/** Decodes a batch of stream records; records that fail validation become quarantine entries. */
export function decodeBatch(records: readonly KinesisStreamRecord[], shardId: string, now: number): DecodedBatch {
  const readings: SourcedReading[] = [];
  const rejections: QuarantineEntry[] = [];
  let arrivedUpTo = 0;
  for (const record of records) {
    const { sequenceNumber, data, approximateArrivalTimestamp } = record.kinesis;
    const arrival = Math.round(approximateArrivalTimestamp * 1000);
    if (arrival > arrivedUpTo) arrivedUpTo = arrival;
    const decoded = decodeRecord(data, `${shardId}/${sequenceNumber}`, now);
    if (isQuarantineEntry(decoded)) rejections.push(decoded);
    else readings.push({ reading: decoded, shardId, sequenceNumber, arrivedAt: arrival });
  }
  return { shardId, readings, rejections, arrivedUpTo };
}

/**
 * One stream record's data (base64), decoded and validated: the reading, or the quarantine
 * entry saying why it is not one, with `source` (the record's stream position) as its id.
 * Every stream consumer decodes its records with this.
 */
export function decodeRecord(data: string, source: string, now: number): Reading | QuarantineEntry {
  const decoded = readReadingRecord(data);
  return isRecordFault(decoded) ? { id: source, rejection: poisonRecordRejection(decoded, { source, now }) } : decoded;
}

export function isQuarantineEntry(decoded: Reading | QuarantineEntry): decoded is QuarantineEntry {
  return 'rejection' in decoded;
}
