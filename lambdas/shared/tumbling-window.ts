import type { KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { isRecordFault, poisonRecordRejection, readReadingRecord } from '../domain/reading-codec.js';
import type { WindowAccumulator } from '../domain/window-accumulator.js';
import { decodeWindowState, encodeWindowState, type WindowState } from '../domain/window-state.js';
import type { QuarantineEntry, SourcedReading } from '../batch/aurora-store.js';

/** What Lambda sends a Kinesis consumer with tumbling windows (the type package omits `shardId`). */
export interface TumblingWindowEvent extends KinesisStreamTumblingWindowEvent {
  readonly shardId: string;
  readonly eventSourceARN?: string;
}

export interface TumblingWindowResponse {
  state: ProcessorState | Record<string, never>;
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * The state carried between invocations of one tumbling window: the partial
 * aggregates of the (instrument, event window) pairs touched so far, and the latest
 * arrival time seen on the shard, from which the evaluation watermark is derived.
 */
export interface ProcessorState {
  readonly windows: WindowState;
  /** Latest approximate arrival time of a record in this window, epoch ms. */
  readonly arrivedUpTo: number;
}

export interface WindowProgress {
  readonly accumulator: WindowAccumulator;
  readonly arrivedUpTo: number;
}

export function restoreProgress(state: unknown, windowMs: number): WindowProgress {
  const held = (state ?? {}) as Partial<ProcessorState>;
  return {
    accumulator: decodeWindowState(held.windows ?? {}, windowMs),
    arrivedUpTo: typeof held.arrivedUpTo === 'number' ? held.arrivedUpTo : 0,
  };
}

export function saveProgress(progress: WindowProgress): ProcessorState {
  return { windows: encodeWindowState(progress.accumulator), arrivedUpTo: progress.arrivedUpTo };
}

export interface DecodedBatch {
  readonly readings: SourcedReading[];
  readonly poison: QuarantineEntry[];
  /** Latest approximate arrival time in the batch, epoch ms (0 for an empty batch). */
  readonly arrivedUpTo: number;
}

/** Decodes a batch of stream records; records that fail validation become quarantine entries. */
export function decodeBatch(records: readonly KinesisStreamRecord[], shardId: string, now: number): DecodedBatch {
  const readings: SourcedReading[] = [];
  const poison: QuarantineEntry[] = [];
  let arrivedUpTo = 0;
  for (const record of records) {
    const { sequenceNumber, data, approximateArrivalTimestamp } = record.kinesis;
    const arrival = Math.round(approximateArrivalTimestamp * 1000);
    if (arrival > arrivedUpTo) arrivedUpTo = arrival;
    const decoded = readReadingRecord(data);
    if (!isRecordFault(decoded)) {
      readings.push({ reading: decoded, shardId, sequenceNumber });
      continue;
    }
    const source = `${shardId}/${sequenceNumber}`;
    poison.push({ id: source, rejection: poisonRecordRejection(decoded, { source, now }) });
  }
  return { readings, poison, arrivedUpTo };
}
