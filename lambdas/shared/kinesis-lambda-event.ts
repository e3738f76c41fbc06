import type { KinesisStreamRecord } from 'aws-lambda';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { TumblingWindowEvent } from './tumbling-window.js';

/**
 * The events Lambda's Kinesis event source mapping hands a tumbling-window consumer, built
 * from the records GetRecords returns: for the local event source mapping, and for the
 * recovery commands, which deliver records again through the same processing.
 */

export interface StreamIdentity {
  readonly streamArn: string;
  readonly region: string;
  readonly functionRoleArn: string;
}

/** A record as Lambda hands it to a Kinesis consumer, from a record GetRecords returned. */
export function toLambdaRecord(record: KinesisRecord, shardId: string, identity: StreamIdentity): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrivalMs(record) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: identity.functionRoleArn,
    awsRegion: identity.region,
    eventSourceARN: identity.streamArn,
  };
}

export interface LambdaWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

/** The tumbling-window event for one invocation, in the shape Lambda sends. */
export function tumblingWindowEvent(args: {
  readonly records: readonly KinesisStreamRecord[];
  readonly window: LambdaWindow;
  readonly state: Record<string, unknown>;
  readonly shardId: string;
  readonly streamArn: string;
  readonly isFinalInvokeForWindow: boolean;
  readonly isWindowTerminatedEarly?: boolean;
}): TumblingWindowEvent {
  return {
    Records: [...args.records],
    window: { start: isoSeconds(args.window.start), end: isoSeconds(args.window.end) },
    state: args.state,
    shardId: args.shardId,
    eventSourceARN: args.streamArn,
    isFinalInvokeForWindow: args.isFinalInvokeForWindow,
    isWindowTerminatedEarly: args.isWindowTerminatedEarly ?? false,
  };
}

/** Lambda assigns a record to the tumbling window that contains its arrival time. */
export function lambdaWindowOf(arrivalMs: number, windowSeconds: number): LambdaWindow {
  const length = windowSeconds * 1000;
  const start = arrivalMs - (arrivalMs % length);
  return { start, end: start + length };
}

export function arrivalMs(record: KinesisRecord): number {
  const at = record.ApproximateArrivalTimestamp;
  return at instanceof Date ? at.getTime() : Date.now();
}

function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
