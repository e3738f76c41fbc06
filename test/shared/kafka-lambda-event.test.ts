import { describe, expect, it } from 'vitest';
import {
  buildKafkaLambdaEvent,
  isKafkaLambdaEvent,
  kafkaRecordKey,
  kafkaRecordValue,
  topicPartitionKey,
} from '../../lambdas/shared/kafka-lambda-event.js';

const source = { eventSourceArn: 'arn:aws:kafka:ap-southeast-2:000000000000:cluster/site/abc', bootstrapServers: ['b-1:9098', 'b-2:9098'] };

describe('MSK Lambda event', () => {
  it('groups records by topic-partition in offset order, base64 key and value, headers as byte arrays', () => {
    const event = buildKafkaLambdaEvent(source, [
      { topic: 'readings', partition: 1, offset: 8n, timestamp: 1_000n, key: Buffer.from('VW-1'), value: Buffer.from('b') },
      {
        topic: 'readings',
        partition: 0,
        offset: 3,
        timestamp: 900,
        key: Buffer.from('PZ-1'),
        value: Buffer.from('a'),
        headers: [['h', Buffer.from('hi')]],
      },
      { topic: 'readings', partition: 1, offset: 7n, timestamp: 990n, key: null, value: Buffer.from('c') },
    ]);
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.bootstrapServers).toBe('b-1:9098,b-2:9098');
    expect(Object.keys(event.records)).toEqual(['readings-1', 'readings-0']);
    expect(event.records['readings-1']!.map((r) => r.offset)).toEqual([7, 8]);
    const first = event.records['readings-0']![0]!;
    expect(first).toEqual({
      topic: 'readings',
      partition: 0,
      offset: 3,
      timestamp: 900,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('PZ-1').toString('base64'),
      value: Buffer.from('a').toString('base64'),
      headers: [{ h: [104, 105] }],
    });
    expect(kafkaRecordKey(first)).toBe('PZ-1');
    expect(kafkaRecordValue(first).toString()).toBe('a');
    expect(kafkaRecordKey(event.records['readings-1']![0]!)).toBeUndefined();
    expect(topicPartitionKey('my-topic', 12)).toBe('my-topic-12');
  });

  it('recognises an MSK event and nothing else', () => {
    expect(isKafkaLambdaEvent(buildKafkaLambdaEvent(source, []))).toBe(true);
    expect(isKafkaLambdaEvent({ Records: [] })).toBe(false);
    expect(isKafkaLambdaEvent(null)).toBe(false);
  });
});
