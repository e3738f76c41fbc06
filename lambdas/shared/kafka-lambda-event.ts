/**
 * The event Lambda sends a function from an Amazon MSK event source mapping, and the
 * partial batch response it accepts back. One shape for the deployed mapping, the local
 * Kafka event source mapping and the tests.
 *
 * Event: https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html (example MSK event).
 * Records are grouped by `<topic>-<partition>`; each record's key and value are base64,
 * each header is a one-entry object whose value is the header's bytes as an array of
 * numbers; `bootstrapServers` is one comma-separated string.
 *
 * Partial batch response: https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * (with `ReportBatchItemFailures` among the mapping's function response types). A failure
 * names a record by its topic-partition and offset; Lambda retries that partition from the
 * lowest reported offset and commits the others. An empty `batchItemFailures` is a full success.
 */

/** One header of a Kafka record: `{ name: bytes }`. */
export type KafkaEventHeader = Record<string, number[]>;

export interface KafkaEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch ms, of the kind `timestampType` names. */
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** Base64 of the key bytes; absent for a record without a key. */
  readonly key?: string;
  /** Base64 of the value bytes. */
  readonly value: string;
  readonly headers: readonly KafkaEventHeader[];
}

export interface KafkaLambdaEvent {
  readonly eventSource: 'aws:kafka';
  /** The cluster's ARN. */
  readonly eventSourceArn: string;
  /** Comma-separated `host:port` list. */
  readonly bootstrapServers: string;
  /** Records grouped by `<topic>-<partition>`, each group in offset order. */
  readonly records: Readonly<Record<string, readonly KafkaEventRecord[]>>;
}

/** Names one record of the batch in a partial batch response. */
export interface KafkaItemIdentifier {
  readonly 'topic-partition': string;
  readonly offset: number;
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: KafkaItemIdentifier }>;
}

/** The group key Lambda uses for a topic's partition. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** A record as the consumer read it from the broker. */
export interface ConsumedKafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number | bigint;
  /** Epoch ms. */
  readonly timestamp: number | bigint;
  readonly timestampType?: KafkaEventRecord['timestampType'];
  readonly key?: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Header name and bytes, in the record's order (a name may repeat). */
  readonly headers?: Iterable<readonly [string, Uint8Array]>;
}

/** One record in the form Lambda delivers it. */
export function kafkaEventRecord(consumed: ConsumedKafkaRecord): KafkaEventRecord {
  const base = {
    topic: consumed.topic,
    partition: consumed.partition,
    offset: Number(consumed.offset),
    timestamp: Number(consumed.timestamp),
    timestampType: consumed.timestampType ?? 'CREATE_TIME',
    value: Buffer.from(consumed.value ?? new Uint8Array()).toString('base64'),
    headers: [...(consumed.headers ?? [])].map(([name, bytes]) => ({ [name]: [...bytes] })),
  };
  return consumed.key == null ? base : { ...base, key: Buffer.from(consumed.key).toString('base64') };
}

export interface KafkaEventSource {
  readonly eventSourceArn: string;
  /** Comma-separated `host:port` list, or the list itself. */
  readonly bootstrapServers: string | readonly string[];
}

/**
 * The event for `consumed` records, grouped by topic-partition (groups in first-seen order,
 * records within a group sorted by offset).
 */
export function buildKafkaLambdaEvent(source: KafkaEventSource, consumed: Iterable<ConsumedKafkaRecord>): KafkaLambdaEvent {
  const records: Record<string, KafkaEventRecord[]> = {};
  for (const record of consumed) {
    const group = (records[topicPartitionKey(record.topic, record.partition)] ??= []);
    group.push(kafkaEventRecord(record));
  }
  for (const group of Object.values(records)) group.sort((a, b) => a.offset - b.offset);
  const bootstrapServers = typeof source.bootstrapServers === 'string' ? source.bootstrapServers : source.bootstrapServers.join(',');
  return { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers, records };
}

/** Decodes a record's key (UTF-8), or `undefined` when it has none. */
export function kafkaRecordKey(record: KafkaEventRecord): string | undefined {
  return record.key === undefined ? undefined : Buffer.from(record.key, 'base64').toString('utf8');
}

/** Decodes a record's value bytes. */
export function kafkaRecordValue(record: KafkaEventRecord): Buffer {
  return Buffer.from(record.value, 'base64');
}

/** Whether a payload is an MSK event (rather than, say, a Kinesis one). */
export function isKafkaLambdaEvent(event: unknown): event is KafkaLambdaEvent {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as Partial<KafkaLambdaEvent>;
  return candidate.eventSource === 'aws:kafka' && typeof candidate.records === 'object' && candidate.records !== null;
}
