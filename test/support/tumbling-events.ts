import type { KinesisStreamRecord } from 'aws-lambda';
import { encodeReading } from '../../lambdas/domain/reading-codec.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import type { TumblingWindowEvent } from '../../lambdas/shared/tumbling-window.js';
import type { StoredRecord } from './kinesis.js';

export const SHARD = 'shardId-000000000000';

/** A stream record as Lambda delivers it; `arrivalMs` defaults to the reading's event time plus 500 ms. */
export function streamRecord(payload: Reading | string, sequence: number, arrivalMs?: number): KinesisStreamRecord {
  const data = typeof payload === 'string' ? payload : encodeReading(payload);
  const arrival = arrivalMs ?? (typeof payload === 'string' ? Date.now() : payload.observedAt + 500);
  const sequenceNumber = String(49_600_000_000_000_000_000n + BigInt(sequence));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: typeof payload === 'string' ? 'poison' : payload.instrumentId,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: arrival / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${SHARD}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
  };
}

/** A record read back from the stream, as Lambda delivers it: its own data, partition key, sequence number and arrival. */
export function deliveredRecord(stored: StoredRecord): KinesisStreamRecord {
  const record = streamRecord(stored.data.toString('utf8'), 0, stored.arrivalMs);
  return {
    ...record,
    kinesis: { ...record.kinesis, partitionKey: stored.partitionKey, sequenceNumber: stored.sequenceNumber },
    eventID: `${stored.shardId}:${stored.sequenceNumber}`,
  };
}

export function windowEvent(records: KinesisStreamRecord[], state: unknown, final: boolean, shardId = SHARD): TumblingWindowEvent {
  return {
    Records: records,
    window: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z' },
    state: state as Record<string, unknown>,
    shardId,
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
    isFinalInvokeForWindow: final,
    isWindowTerminatedEarly: false,
  };
}

/** A reading of a piezometer (kPa), positioned on the Melbourne grid. */
export function piezometerReading(instrumentId: string, observedAt: number, value: number): Reading {
  return { instrumentId, type: 'piezometer', value, observedAt, surfaceLevel: 90, northing: 5_813_000, easting: 320_000 };
}
