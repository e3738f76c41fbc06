import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { backoffCeilingMs, sleep, type BackoffOptions, type Sleep } from '../../lambdas/shared/retry.js';
import type { CheckpointStore, ShardCheckpoint } from './checkpoint-store.js';
import {
  arrivalMs,
  lambdaWindowOf,
  toLambdaRecord,
  tumblingWindowEvent,
  type LambdaWindow,
  type StreamIdentity,
} from '../../lambdas/shared/kinesis-lambda-event.js';

/** The event source mapping settings Lambda offers for a Kinesis consumer with tumbling windows. */
export interface MappingSettings {
  /** Tumbling window length, seconds (Lambda allows 1 to 900). */
  readonly tumblingWindowSeconds: number;
  /** Most records per invocation (Lambda allows up to 10 000). */
  readonly batchSize: number;
  /** How long records may wait to fill a batch, ms. */
  readonly maximumBatchingWindowMs: number;
  /** Split a failing batch in two and retry the halves. */
  readonly bisectBatchOnFunctionError: boolean;
  /** Retries before a batch goes to the on-failure destination; -1 retries until the record expires. */
  readonly maximumRetryAttempts: number;
  /** Records older than this go to the on-failure destination instead of being retried; -1 never. */
  readonly maximumRecordAgeSeconds: number;
}

/** What the on-failure destination receives: where the skipped records are, so they can be replayed. */
export interface FailedBatchRecord {
  readonly shardId: string;
  readonly streamArn: string;
  readonly startSequenceNumber: string | null;
  readonly endSequenceNumber: string | null;
  readonly batchSize: number;
  /** Approximate arrival of the first and last record, epoch ms; null for a window close, which carries none. */
  readonly firstArrival: number | null;
  readonly lastArrival: number | null;
  /** Invocations tried before giving up. */
  readonly attempts: number;
  readonly window: LambdaWindow;
  readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  readonly error: string;
  readonly at: string;
}

export interface InvocationReport {
  readonly shardId: string;
  readonly records: number;
  readonly final: boolean;
  readonly error?: string;
}

export interface ShardConsumerDeps {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly identity: StreamIdentity;
  readonly settings: MappingSettings;
  readonly checkpoints: CheckpointStore;
  readonly invoke: (event: ReturnType<typeof tumblingWindowEvent>) => Promise<unknown>;
  readonly onFailure: (failure: FailedBatchRecord) => Promise<void>;
  readonly onInvocation?: (report: InvocationReport) => void;
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

const READ_LIMIT = 10_000;
/** Between retries of a failed invocation: 100 ms, doubling on every further retry, at most 5 s. */
const RETRY_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5_000 };

/**
 * Reads one shard in order and invokes the function the way Lambda's event source
 * mapping does with tumbling windows: records are grouped by the window their arrival
 * time falls in, state is carried from one invocation of a window to the next, and a
 * final invocation with `isFinalInvokeForWindow` closes each window. The checkpoint
 * (sequence number and open window state) is saved after every successful invocation,
 * so a restart resumes where it stopped.
 */
export class ShardConsumer {
  private readonly buffer: KinesisRecord[] = [];
  private iterator: string | undefined;
  private checkpoint: ShardCheckpoint = { sequenceNumber: null, window: null, state: {} };
  private bufferedSince: number | undefined;
  private caughtUp = false;
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(
    readonly shardId: string,
    private readonly deps: ShardConsumerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? sleep;
  }

  /** True once the shard has been read to its end and every record handed to the function. */
  get idle(): boolean {
    return this.caughtUp && this.buffer.length === 0;
  }

  get hasOpenWindow(): boolean {
    return this.checkpoint.window !== null;
  }

  async open(): Promise<void> {
    this.checkpoint = (await this.deps.checkpoints.load(this.shardId)) ?? this.checkpoint;
    const { ShardIterator } = await this.deps.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.deps.streamName,
        ShardId: this.shardId,
        ...(this.checkpoint.sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: this.checkpoint.sequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    this.iterator = ShardIterator;
  }

  /**
   * Does one unit of work: reads more records when the buffer runs low, then invokes
   * the function for a batch or to close a window when one is due. `closeWhenCaughtUp`
   * closes the open window as soon as the shard is read to its end (used to drain).
   * Returns whether anything was invoked.
   */
  async step(closeWhenCaughtUp = false): Promise<boolean> {
    if (this.buffer.length < this.deps.settings.batchSize) await this.read();
    const window = this.checkpoint.window;
    if (!window) {
      const head = this.buffer[0];
      if (!head) return false;
      this.checkpoint = {
        ...this.checkpoint,
        window: lambdaWindowOf(arrivalMs(head), this.deps.settings.tumblingWindowSeconds),
        state: {},
      };
    }
    const open = this.checkpoint.window!;
    const inWindow = this.recordsInWindow(open);
    const laterRecordWaiting = inWindow.length < this.buffer.length;
    if (inWindow.length > 0) {
      const full = inWindow.length >= this.deps.settings.batchSize;
      const waitedLongEnough =
        this.bufferedSince !== undefined && this.now() - this.bufferedSince >= this.deps.settings.maximumBatchingWindowMs;
      if (full || laterRecordWaiting || waitedLongEnough || (this.caughtUp && closeWhenCaughtUp)) {
        await this.deliver(inWindow.slice(0, this.deps.settings.batchSize), open);
        return true;
      }
      return false;
    }
    const windowOver = this.now() >= open.end && this.caughtUp;
    if (laterRecordWaiting || windowOver || (this.caughtUp && closeWhenCaughtUp)) {
      await this.closeWindow(open);
      return true;
    }
    return false;
  }

  private recordsInWindow(window: LambdaWindow): KinesisRecord[] {
    const within: KinesisRecord[] = [];
    for (const record of this.buffer) {
      if (arrivalMs(record) >= window.end) break;
      within.push(record);
    }
    return within;
  }

  private async read(): Promise<void> {
    if (!this.iterator) return;
    const output = await this.deps.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: READ_LIMIT }));
    const records = output.Records ?? [];
    if (records.length > 0 && this.buffer.length === 0) this.bufferedSince = this.now();
    this.buffer.push(...records);
    this.iterator = output.NextShardIterator;
    this.caughtUp = records.length === 0 && (output.MillisBehindLatest ?? 0) === 0;
  }

  private async deliver(records: KinesisRecord[], window: LambdaWindow, attempt = 0): Promise<void> {
    for (let tries = attempt; ; tries += 1) {
      let failure: unknown;
      let firstFailedIndex = -1;
      try {
        const response = await this.deps.invoke(this.event(records, window, false));
        const { state, failedSequenceNumbers } = readResponse(response);
        firstFailedIndex = records.findIndex((r) => failedSequenceNumbers.has(r.SequenceNumber ?? ''));
        const done = firstFailedIndex === -1 ? records : records.slice(0, firstFailedIndex);
        await this.commit(done, window, state);
        this.report(done.length, false);
        if (firstFailedIndex === -1) return;
        records = records.slice(firstFailedIndex);
        failure = new Error(`function reported ${failedSequenceNumbers.size} failed record(s)`);
      } catch (error) {
        failure = error;
        this.report(records.length, false, error);
      }
      if (this.mustGiveUp(records, tries)) {
        await this.giveUp(records, window, tries, failure);
        return;
      }
      if (this.deps.settings.bisectBatchOnFunctionError && records.length > 1 && firstFailedIndex === -1) {
        const middle = Math.ceil(records.length / 2);
        await this.deliver(records.slice(0, middle), window, tries + 1);
        await this.deliver(records.slice(middle), window, tries + 1);
        return;
      }
      await this.sleep(backoffCeilingMs(tries + 1, RETRY_BACKOFF));
    }
  }

  private async closeWindow(window: LambdaWindow): Promise<void> {
    for (let tries = 0; ; tries += 1) {
      try {
        const response = await this.deps.invoke(this.event([], window, true));
        readResponse(response);
        this.checkpoint = { ...this.checkpoint, window: null, state: {} };
        await this.deps.checkpoints.save(this.shardId, this.checkpoint);
        this.report(0, true);
        return;
      } catch (error) {
        this.report(0, true, error);
        if (this.deps.settings.maximumRetryAttempts >= 0 && tries >= this.deps.settings.maximumRetryAttempts) {
          await this.deps.onFailure(this.failureRecord([], window, 'RetryAttemptsExhausted', error, tries + 1));
          this.checkpoint = { ...this.checkpoint, window: null, state: {} };
          await this.deps.checkpoints.save(this.shardId, this.checkpoint);
          return;
        }
        await this.sleep(backoffCeilingMs(tries + 1, RETRY_BACKOFF));
      }
    }
  }

  private event(records: readonly KinesisRecord[], window: LambdaWindow, final: boolean) {
    return tumblingWindowEvent({
      records: records.map((r) => toLambdaRecord(r, this.shardId, this.deps.identity)),
      window,
      state: this.checkpoint.state,
      shardId: this.shardId,
      streamArn: this.deps.identity.streamArn,
      isFinalInvokeForWindow: final,
    });
  }

  private async commit(done: readonly KinesisRecord[], window: LambdaWindow, state: Record<string, unknown>): Promise<void> {
    const last = done.at(-1);
    this.checkpoint = { sequenceNumber: last?.SequenceNumber ?? this.checkpoint.sequenceNumber, window, state };
    await this.deps.checkpoints.save(this.shardId, this.checkpoint);
    this.buffer.splice(0, done.length);
    this.bufferedSince = this.buffer.length > 0 ? this.now() : undefined;
  }

  private mustGiveUp(records: readonly KinesisRecord[], tries: number): boolean {
    const { maximumRetryAttempts, maximumRecordAgeSeconds } = this.deps.settings;
    const oldest = records[0] ? arrivalMs(records[0]) : this.now();
    if (maximumRecordAgeSeconds >= 0 && this.now() - oldest > maximumRecordAgeSeconds * 1000) return true;
    return maximumRetryAttempts >= 0 && tries >= maximumRetryAttempts;
  }

  private async giveUp(records: readonly KinesisRecord[], window: LambdaWindow, tries: number, error: unknown): Promise<void> {
    const { maximumRecordAgeSeconds } = this.deps.settings;
    const tooOld =
      maximumRecordAgeSeconds >= 0 && records[0] !== undefined && this.now() - arrivalMs(records[0]) > maximumRecordAgeSeconds * 1000;
    await this.deps.onFailure(
      this.failureRecord(records, window, tooOld ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted', error, tries + 1),
    );
    await this.commit(records, window, this.checkpoint.state);
  }

  private failureRecord(
    records: readonly KinesisRecord[],
    window: LambdaWindow,
    condition: FailedBatchRecord['condition'],
    error: unknown,
    attempts: number,
  ): FailedBatchRecord {
    const first = records[0];
    const last = records.at(-1);
    return {
      shardId: this.shardId,
      streamArn: this.deps.identity.streamArn,
      startSequenceNumber: first?.SequenceNumber ?? null,
      endSequenceNumber: last?.SequenceNumber ?? null,
      batchSize: records.length,
      firstArrival: first ? arrivalMs(first) : null,
      lastArrival: last ? arrivalMs(last) : null,
      attempts,
      window,
      condition,
      error: error instanceof Error ? error.message : String(error),
      at: new Date(this.now()).toISOString(),
    };
  }

  private report(records: number, final: boolean, error?: unknown): void {
    this.deps.onInvocation?.({
      shardId: this.shardId,
      records,
      final,
      ...(error ? { error: error instanceof Error ? error.message : String(error) } : {}),
    });
  }
}

/** A response without a state object is a failed invocation, as in Lambda. */
function readResponse(response: unknown): { state: Record<string, unknown>; failedSequenceNumbers: Set<string> } {
  if (
    typeof response !== 'object' ||
    response === null ||
    typeof (response as { state?: unknown }).state !== 'object' ||
    (response as { state: unknown }).state === null
  ) {
    throw new Error('function response has no state object; Lambda treats that as a failed invocation');
  }
  const { state, batchItemFailures } = response as {
    state: Record<string, unknown>;
    batchItemFailures?: Array<{ itemIdentifier?: string }>;
  };
  return { state, failedSequenceNumbers: new Set((batchItemFailures ?? []).map((f) => f.itemIdentifier ?? '')) };
}
