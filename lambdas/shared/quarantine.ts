import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Rejection } from '../domain/rejection.js';
import { planBatches, utf8Bytes, type BatchLimits } from './batching.js';
import { backoffDelayMs, sleep as realSleep, type BackoffOptions, type Sleep } from './retry.js';

/**
 * Where rejected readings are kept, with the raw item and the reason, for diagnosis and
 * replay. A sink either keeps every rejection it is given or throws
 * {@link QuarantineWriteError} naming the ones it could not keep.
 */
export interface QuarantineSink {
  put(rejections: readonly Rejection[]): Promise<void>;
}

/** Some rejections could not be quarantined; they are listed so the caller can log them instead. */
export class QuarantineWriteError extends Error {
  constructor(
    readonly unwritten: readonly Rejection[],
    message: string,
  ) {
    super(message);
    this.name = 'QuarantineWriteError';
  }
}

/**
 * A rejection as one line of JSON. Characters JSON leaves literal but some transports refuse
 * (U+FFFE, U+FFFF; they can only occur inside strings) are escaped, so the text is valid
 * JSON and a valid SQS message body.
 */
export function rejectionJson(rejection: Rejection): string {
  return JSON.stringify(rejection).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Characters of the raw item kept when a rejection is too large to send whole. */
const TRUNCATED_PREVIEW_CHARS = 8_192;
const TRUNCATED_DETAIL_CHARS = 1_024;

/**
 * A rejection as a message body of at most `maxBytes` UTF-8 bytes. An oversized one keeps
 * its reason, source and time; its raw item is replaced by
 * `{ truncated: true, bytes, preview }` and its detail shortened.
 */
export function rejectionMessageBody(rejection: Rejection, maxBytes: number): string {
  const whole = rejectionJson(rejection);
  if (utf8Bytes(whole) <= maxBytes) return whole;
  const rawText = JSON.stringify(rejection.raw) ?? String(rejection.raw);
  const shortened: Rejection = {
    ...rejection,
    detail: rejection.detail.slice(0, TRUNCATED_DETAIL_CHARS),
    raw: { truncated: true, bytes: utf8Bytes(rawText), preview: rawText.slice(0, TRUNCATED_PREVIEW_CHARS) },
  };
  const body = rejectionJson(shortened);
  if (utf8Bytes(body) > maxBytes) {
    throw new RangeError(`a rejection does not fit in ${maxBytes} bytes even with its raw item truncated`);
  }
  return body;
}

/** SendMessageBatch limits: 10 entries, 256 KiB in all (and so per message). */
export const SQS_BATCH_LIMITS: BatchLimits = { maxEntries: 10, maxBytes: 256 * 1024 };

export interface SqsQuarantineSinkOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Attempts per message before it is given up on. Default 4. */
  readonly maxAttempts?: number;
  /** Backoff between attempts. Default 100 ms doubling to at most 2 s. */
  readonly backoff?: BackoffOptions;
  /** Batch limits. Default {@link SQS_BATCH_LIMITS}. */
  readonly limits?: BatchLimits;
  /** Default: a timer. */
  readonly sleep?: Sleep;
}

interface PendingMessage {
  readonly rejection: Rejection;
  readonly body: string;
  readonly bytes: number;
  lastError?: string;
}

/**
 * Keeps rejections in an SQS queue, one message per rejection holding its JSON. Sends in
 * batches within the SendMessageBatch limits and retries only the entries a call failed
 * (those SQS blames on the sender are not retried). Throws {@link QuarantineWriteError}
 * if some remain unsent.
 */
export class SqsQuarantineSink implements QuarantineSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #limits: BatchLimits;
  readonly #sleep: Sleep;

  // Alike the poller's KinesisWriter constructor on purpose: both are batching writers with the same retry options and their own service limits.
  constructor(options: SqsQuarantineSinkOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 2_000 };
    this.#limits = options.limits ?? SQS_BATCH_LIMITS;
    this.#sleep = options.sleep ?? realSleep;
  }

  async put(rejections: readonly Rejection[]): Promise<void> {
    let pending: PendingMessage[] = rejections.map((rejection) => {
      const body = rejectionMessageBody(rejection, this.#limits.maxBytes);
      return { rejection, body, bytes: utf8Bytes(body) };
    });
    const abandoned: PendingMessage[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoffDelayMs(attempt - 1, this.#backoff));
      const retry: PendingMessage[] = [];
      for (const batch of planBatches(pending, (message) => message.bytes, this.#limits)) {
        const outcome = await this.#send(batch);
        retry.push(...outcome.retryable);
        abandoned.push(...outcome.abandoned);
      }
      if (attempt >= this.#maxAttempts) {
        abandoned.push(...retry);
        break;
      }
      pending = retry;
    }
    if (abandoned.length > 0) {
      const reasons = [...new Set(abandoned.map((message) => message.lastError ?? 'unknown error'))].join('; ');
      throw new QuarantineWriteError(
        abandoned.map((message) => message.rejection),
        `${abandoned.length} of ${rejections.length} rejections could not be sent to ${this.#queueUrl}: ${reasons}`,
      );
    }
  }

  async #send(batch: PendingMessage[]): Promise<{ retryable: PendingMessage[]; abandoned: PendingMessage[] }> {
    let output;
    try {
      output = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: message.body })),
        }),
      );
    } catch (error) {
      for (const message of batch) message.lastError = errorText(error);
      return { retryable: batch, abandoned: [] };
    }
    const retryable: PendingMessage[] = [];
    const abandoned: PendingMessage[] = [];
    const succeeded = new Set((output.Successful ?? []).map((entry) => entry.Id));
    const failed = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry]));
    batch.forEach((message, index) => {
      const id = String(index);
      if (succeeded.has(id)) return;
      const failure = failed.get(id);
      message.lastError = failure
        ? `${failure.Code ?? 'Failed'}: ${failure.Message ?? 'no message'}`
        : 'SQS reported neither success nor failure';
      (failure?.SenderFault ? abandoned : retryable).push(message);
    });
    return { retryable, abandoned };
  }
}

/**
 * Keeps rejections as JSON Lines in a local file, one rejection per line, appending; the
 * directory is created when needed. Writes are serialised so concurrent puts never
 * interleave lines.
 */
export class JsonlQuarantineSink implements QuarantineSink {
  #tail: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  put(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return this.#tail;
    const text = rejections.map((rejection) => `${rejectionJson(rejection)}\n`).join('');
    const write = this.#tail.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, text, 'utf8');
    });
    this.#tail = write.catch(() => undefined);
    return write.catch((error: unknown) => {
      throw new QuarantineWriteError(rejections, `could not append ${rejections.length} rejections to ${this.path}: ${errorText(error)}`);
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
