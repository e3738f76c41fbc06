import { randomUUID } from 'node:crypto';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, type Message, type MessagesStream } from '@platformatic/kafka';
import {
  buildKafkaLambdaEvent,
  topicPartitionKey,
  type KafkaBatchResponse,
  type KafkaLambdaEvent,
} from '../../lambdas/shared/kafka-lambda-event.js';
import { backoffCeilingMs, sleep as realSleep, type BackoffOptions, type Sleep } from '../../lambdas/shared/retry.js';

/**
 * A local stand-in for Lambda's Amazon MSK event source mapping, on a real Kafka broker:
 * one consumer group per function, batches of records invoked as the MSK event Lambda sends
 * (lambdas/shared/kafka-lambda-event.ts), with Lambda's error handling.
 *
 * - **Offsets are committed only after a batch is done** (every record processed, or sent to
 *   the on-failure destination): a process killed mid-batch resumes from the last commit, and
 *   the idempotent processors count the redelivered records once.
 * - **Retries**: a failing invocation is retried after a backoff, up to
 *   `maximumRetryAttempts` (-1: until it succeeds); then its records go to the on-failure
 *   destination and are skipped.
 * - **Split batch on error**: with `bisectBatchOnFunctionError`, a failing batch of more than
 *   one record is split in two and each half retried in order, with the attempts it has left.
 * - **Partial batch response**: a `batchItemFailures` answer retries each reported partition
 *   from its lowest reported offset; the rest of the batch is done.
 * - **Maximum record age**: records older than `maximumRecordAgeSeconds` are sent to the
 *   on-failure destination unprocessed (condition `RecordAgeExceeded`).
 */

export interface KafkaMappingSettings {
  /** Most records per invocation (Lambda allows up to 10,000). */
  readonly batchSize: number;
  /** How long records may wait to fill a batch, ms. */
  readonly maximumBatchingWindowMs: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** Retries before a batch goes to the on-failure destination; -1 retries until it succeeds. */
  readonly maximumRetryAttempts: number;
  /** -1: no limit. */
  readonly maximumRecordAgeSeconds: number;
}

export const DEFAULT_KAFKA_MAPPING_SETTINGS: KafkaMappingSettings = {
  batchSize: 500,
  maximumBatchingWindowMs: 500,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: -1,
  maximumRecordAgeSeconds: -1,
};

/** What the on-failure destination receives for a Kafka batch: where its records are, so they can be read again. */
export interface KafkaFailedBatch {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly functionError: string };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn: string;
    readonly bootstrapServers: string;
    readonly topic: string;
    readonly partition: number;
    readonly firstRecordOffset: number;
    readonly lastRecordOffset: number;
    readonly firstRecordTimestamp: number;
    readonly lastRecordTimestamp: number;
  };
}

export interface KafkaInvocationReport {
  readonly records: number;
  readonly partitions: number;
  readonly error?: string;
}

export interface KafkaEventSourceMappingOptions {
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  /** The consumer group: one per function. */
  readonly groupId: string;
  /** The cluster ARN the events carry. */
  readonly eventSourceArn: string;
  /** The function ARN the on-failure documents name. */
  readonly functionArn: string;
  readonly invoke: (event: KafkaLambdaEvent) => Promise<KafkaBatchResponse | void>;
  readonly onFailure: (failure: KafkaFailedBatch) => Promise<void>;
  readonly settings?: Partial<KafkaMappingSettings>;
  readonly onInvocation?: (report: KafkaInvocationReport) => void;
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** Between retries of a failed invocation: 100 ms, doubling, at most 5 s. */
const RETRY_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5_000 };
const IDLE_MS = 50;

export class LocalKafkaEventSourceMapping {
  readonly settings: KafkaMappingSettings;
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private readonly buffer: RawMessage[] = [];
  private bufferedSince: number | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private busy = false;
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(private readonly options: KafkaEventSourceMappingOptions) {
    this.settings = { ...DEFAULT_KAFKA_MAPPING_SETTINGS, ...options.settings };
    const { batchSize, maximumRetryAttempts, maximumRecordAgeSeconds } = this.settings;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new RangeError(`batchSize must be 1 to 10000 (got ${batchSize})`);
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < -1) {
      throw new RangeError(`maximumRetryAttempts must be -1 or more (got ${maximumRetryAttempts})`);
    }
    if (maximumRecordAgeSeconds !== -1 && !(maximumRecordAgeSeconds >= 60)) {
      throw new RangeError(`maximumRecordAgeSeconds must be -1 or at least 60 (got ${maximumRecordAgeSeconds})`);
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Joins the group and consumes from the committed offsets (the earliest for a new group) in the background. */
  async start(): Promise<void> {
    this.consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      clientId: this.options.groupId,
      groupId: this.options.groupId,
      bootstrapBrokers: [...this.options.bootstrapServers],
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retries: 10,
    });
    this.stream = await this.consumer.consume({
      topics: [this.options.topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
      maxWaitTime: 200,
    });
    this.stream.on('data', (message: RawMessage) => {
      if (this.buffer.length === 0) this.bufferedSince = this.now();
      this.buffer.push(message);
      if (this.buffer.length >= this.settings.batchSize * 2) this.stream?.pause();
    });
    this.stopping = false;
    this.loop = this.run();
  }

  /** Resolves once every record on the topic up to now is done and committed (starting the mapping for it when it is not running). */
  async drain(): Promise<void> {
    if (!this.loop) {
      await this.start();
      try {
        await this.drain();
      } finally {
        await this.stop();
      }
      return;
    }
    for (;;) {
      if (this.buffer.length === 0 && !this.busy && (await this.caughtUp())) return;
      await this.sleep(100);
    }
  }

  /** Stops after the batch under way; what was committed stays committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = undefined;
    await this.stream?.close().catch(() => undefined);
    const consumer = this.consumer;
    if (consumer) await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    this.stream = undefined;
    this.consumer = undefined;
    this.buffer.length = 0;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const full = this.buffer.length >= this.settings.batchSize;
      const waited = this.bufferedSince !== undefined && this.now() - this.bufferedSince >= this.settings.maximumBatchingWindowMs;
      if (this.buffer.length === 0 || (!full && !waited)) {
        await this.sleep(IDLE_MS);
        continue;
      }
      this.busy = true;
      try {
        const batch = this.buffer.splice(0, this.settings.batchSize);
        this.bufferedSince = this.buffer.length > 0 ? this.now() : undefined;
        if (this.stream?.isPaused() && this.buffer.length < this.settings.batchSize) this.stream.resume();
        await this.deliver(batch);
        await this.commit(batch);
      } catch (error) {
        if (error instanceof StoppedMidBatch) return;
        throw error;
      } finally {
        this.busy = false;
      }
    }
  }

  /** Delivers one batch until every record is processed or sent to the on-failure destination. */
  private async deliver(batch: readonly RawMessage[]): Promise<void> {
    const maxAgeMs = this.settings.maximumRecordAgeSeconds * 1000;
    const expired = maxAgeMs > 0 ? batch.filter((m) => this.now() - Number(m.timestamp) > maxAgeMs) : [];
    if (expired.length > 0) await this.fail(expired, 'RecordAgeExceeded', 0, 'record older than the maximum record age');
    const pending: Array<{ records: RawMessage[]; attempts: number }> = [
      { records: batch.filter((m) => !expired.includes(m)), attempts: 0 },
    ];
    while (pending.length > 0 && !this.stopping) {
      const sub = pending.shift()!;
      if (sub.records.length === 0) continue;
      if (sub.attempts > 0) await this.sleep(backoffCeilingMs(sub.attempts, RETRY_BACKOFF));
      const outcome = await this.invoke(sub.records);
      if (outcome.ok && outcome.retry.length === 0) continue;
      const attempts = sub.attempts + 1;
      const exhausted = this.settings.maximumRetryAttempts !== -1 && attempts > this.settings.maximumRetryAttempts;
      if (outcome.ok) {
        // A partial batch response: those partitions again, from their lowest reported offsets.
        if (exhausted) await this.fail(outcome.retry, 'RetryAttemptsExhausted', attempts, 'records reported in batchItemFailures');
        else pending.unshift({ records: outcome.retry, attempts });
        continue;
      }
      if (exhausted) {
        await this.fail(sub.records, 'RetryAttemptsExhausted', attempts, outcome.error);
      } else if (this.settings.bisectBatchOnFunctionError && sub.records.length > 1) {
        const half = Math.ceil(sub.records.length / 2);
        pending.unshift({ records: sub.records.slice(0, half), attempts }, { records: sub.records.slice(half), attempts });
      } else {
        pending.unshift({ records: sub.records, attempts });
      }
    }
    if (this.stopping && pending.length > 0) throw new StoppedMidBatch();
  }

  private async invoke(records: readonly RawMessage[]): Promise<{ ok: true; retry: RawMessage[] } | { ok: false; error: string }> {
    const event = buildKafkaLambdaEvent(
      { eventSourceArn: this.options.eventSourceArn, bootstrapServers: this.options.bootstrapServers },
      records.map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        timestamp: m.timestamp,
        key: m.key,
        value: m.value,
        headers: [...m.headers].map(([name, value]) => [name.toString('utf8'), value] as const),
      })),
    );
    const partitions = Object.keys(event.records).length;
    try {
      const response = await this.options.invoke(event);
      const failures = response?.batchItemFailures ?? [];
      this.options.onInvocation?.({ records: records.length, partitions });
      if (failures.length === 0) return { ok: true, retry: [] };
      const lowest = new Map<string, number>();
      for (const { itemIdentifier } of failures) {
        const key = itemIdentifier['topic-partition'];
        lowest.set(key, Math.min(lowest.get(key) ?? Number.POSITIVE_INFINITY, itemIdentifier.offset));
      }
      return {
        ok: true,
        retry: records.filter((m) => Number(m.offset) >= (lowest.get(topicPartitionKey(m.topic, m.partition)) ?? Infinity)),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.onInvocation?.({ records: records.length, partitions, error: message });
      return { ok: false, error: message };
    }
  }

  /** One on-failure document per topic-partition of the records given up on. */
  private async fail(
    records: readonly RawMessage[],
    condition: KafkaFailedBatch['requestContext']['condition'],
    attempts: number,
    error: string,
  ): Promise<void> {
    const byPartition = new Map<number, RawMessage[]>();
    for (const m of records) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
    for (const [partition, group] of byPartition) {
      const first = group[0]!;
      const last = group.at(-1)!;
      await this.options.onFailure({
        requestContext: { requestId: randomUUID(), functionArn: this.options.functionArn, condition, approximateInvokeCount: attempts },
        responseContext: { functionError: error },
        version: '1.0',
        timestamp: new Date(this.now()).toISOString(),
        KafkaBatchInfo: {
          batchSize: group.length,
          eventSourceArn: this.options.eventSourceArn,
          bootstrapServers: this.options.bootstrapServers.join(','),
          topic: first.topic,
          partition,
          firstRecordOffset: Number(first.offset),
          lastRecordOffset: Number(last.offset),
          firstRecordTimestamp: Number(first.timestamp),
          lastRecordTimestamp: Number(last.timestamp),
        },
      });
    }
  }

  /** Commits, per partition, past the batch's last record. */
  private async commit(batch: readonly RawMessage[]): Promise<void> {
    const last = new Map<number, RawMessage>();
    for (const m of batch) if (!last.has(m.partition) || last.get(m.partition)!.offset < m.offset) last.set(m.partition, m);
    await Promise.all([...last.values()].map((m) => m.commit()));
  }

  private async caughtUp(): Promise<boolean> {
    const consumer = this.consumer;
    if (!consumer) return true;
    const ends = (await consumer.listOffsets({ topics: [this.options.topic] })).get(this.options.topic) ?? [];
    const committed =
      (await consumer.listCommittedOffsets({ topics: [{ topic: this.options.topic, partitions: ends.map((_, i) => i) }] })).get(
        this.options.topic,
      ) ?? [];
    return ends.every((end, partition) => end === 0n || (committed[partition] ?? -1n) >= end);
  }
}

/** The mapping was stopped with records of a batch not yet done: nothing is committed, they are delivered again at the next start. */
class StoppedMidBatch extends Error {
  override readonly name = 'StoppedMidBatch';
}
