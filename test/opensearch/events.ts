import type { KinesisStreamRecord } from 'aws-lambda';
import { encodeReading } from '../../lambdas/domain/reading-codec.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import type { TumblingWindowEvent } from '../../lambdas/shared/tumbling-window.js';

export const SHARD = 'shardId-000000000001';

/** A stream record as Lambda delivers it: the encoded reading (or any text, for poison records), base64. */
export function streamRecord(payload: Reading | string, sequence: number): KinesisStreamRecord {
  const text = typeof payload === 'string' ? payload : encodeReading(payload);
  const sequenceNumber = String(49_650_000_000_000_000_000n + BigInt(sequence));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: typeof payload === 'string' ? 'poison' : payload.instrumentId,
      sequenceNumber,
      data: Buffer.from(text).toString('base64'),
      approximateArrivalTimestamp: (typeof payload === 'string' ? Date.now() : payload.observedAt + 700) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${SHARD}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/realtime',
    awsRegion: 'ap-southeast-2',
    eventSourceARN: 'arn:aws:kinesis:ap-southeast-2:123456789012:stream/readings',
  };
}

/** One invocation of a tumbling window (Lambda's window is by arrival time; its bounds only label it here). */
export function tumblingEvent(
  records: KinesisStreamRecord[],
  options: { state?: unknown; final?: boolean; terminatedEarly?: boolean; lambdaWindowStart?: number },
): TumblingWindowEvent {
  const start = options.lambdaWindowStart ?? Date.parse('2026-03-02T00:00:00Z');
  return {
    Records: records,
    window: { start: new Date(start).toISOString(), end: new Date(start + 60_000).toISOString() },
    state: (options.state ?? {}) as Record<string, unknown>,
    shardId: SHARD,
    eventSourceARN: 'arn:aws:kinesis:ap-southeast-2:123456789012:stream/readings',
    isFinalInvokeForWindow: options.final ?? false,
    isWindowTerminatedEarly: options.terminatedEarly ?? false,
  };
}

/** A piezometer on the Melbourne grid (default rule: +30/+50/+70 kPa and -20/-30/-40 kPa from its baseline). */
export function piezometer(instrumentId: string, observedAt: number, value: number): Reading {
  return { instrumentId, type: 'piezometer', value, observedAt, surfaceLevel: 31.2, northing: 5_813_400, easting: 320_150 };
}
