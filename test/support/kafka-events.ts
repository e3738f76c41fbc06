import { encodeReading } from '../../lambdas/domain/reading-codec.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import { buildKafkaLambdaEvent, type ConsumedKafkaRecord, type KafkaLambdaEvent } from '../../lambdas/shared/kafka-lambda-event.js';

export const TOPIC = 'readings';
export const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/test/00000000-0000-0000-0000-000000000000-1';

/**
 * A record as the broker holds it: key = instrument id, value = the encoded reading (or a
 * raw payload); `timestampMs` defaults to the reading's event time plus 500 ms, as on Kinesis.
 */
export function kafkaRecord(payload: Reading | string, offset: number, timestampMs?: number, partition = 0): ConsumedKafkaRecord {
  const value = typeof payload === 'string' ? payload : encodeReading(payload);
  return {
    topic: TOPIC,
    partition,
    offset,
    timestamp: timestampMs ?? (typeof payload === 'string' ? Date.now() : payload.observedAt + 500),
    key: Buffer.from(typeof payload === 'string' ? 'poison' : payload.instrumentId),
    value: Buffer.from(value),
  };
}

/** The MSK event Lambda sends for `records`. */
export function kafkaEvent(records: readonly ConsumedKafkaRecord[]): KafkaLambdaEvent {
  return buildKafkaLambdaEvent({ eventSourceArn: CLUSTER_ARN, bootstrapServers: 'b-1.test:9098' }, records);
}
