import type { Client } from '@opensearch-project/opensearch';
import type { Bulk_RequestBody } from '@opensearch-project/opensearch/api/_core/bulk.js';
import { planBatches, utf8Bytes, type BatchLimits } from '../shared/batching.js';
import { backoffDelayMs, sleep as realSleep, type BackoffOptions, type Sleep } from '../shared/retry.js';

/** One document to write. */
export interface BulkOperation<Document = unknown> {
  /** `index` creates or overwrites; `create` fails with 409 if the id exists. */
  readonly action: 'index' | 'create';
  readonly index: string;
  readonly id: string;
  readonly document: Document;
  /** Optimistic concurrency: write only if the stored document is still at this sequence number and primary term. */
  readonly ifSeqNo?: number;
  readonly ifPrimaryTerm?: number;
}

export interface BulkItemFailure<Document = unknown> {
  readonly operation: BulkOperation<Document>;
  readonly status: number;
  /** OpenSearch's error type, e.g. `mapper_parsing_exception`, `version_conflict_engine_exception`. */
  readonly type: string;
  readonly reason: string;
  /** How many times the document was sent. */
  readonly attempts: number;
}

export interface BulkWriteResult<Document = unknown> {
  /** Documents written. */
  readonly written: number;
  /** Documents not written: refused outright, or still refused with a retryable status after the last attempt. */
  readonly failures: readonly BulkItemFailure<Document>[];
  /** Bulk requests sent. */
  readonly requests: number;
}

export interface BulkWriterOptions {
  /** Attempts per document for retryable refusals (429, 5xx). Default 5. */
  readonly maxAttempts?: number;
  /** Backoff between attempts. Default 100 ms doubling to at most 3 s. */
  readonly backoff?: BackoffOptions;
  /** Documents and bytes per bulk request. Default 1 000 documents, 5 MiB. */
  readonly limits?: BatchLimits;
  /** Refresh the touched shards before responding. Default false. */
  readonly refresh?: boolean;
  readonly sleep?: Sleep;
}

export const DEFAULT_BULK_LIMITS: BatchLimits = { maxEntries: 1_000, maxBytes: 5 * 1024 * 1024 };

/** Statuses worth retrying: too many requests, and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

interface Pending<Document> {
  readonly operation: BulkOperation<Document>;
  readonly lines: string;
  readonly bytes: number;
  attempts: number;
  last?: { status: number; type: string; reason: string };
}

/**
 * Writes documents with the bulk API. Each item of a bulk response stands alone: only the
 * items refused with a retryable status (429, 5xx) are sent again, with backoff, up to
 * a bound; the rest are reported as failures with OpenSearch's reason. A whole request
 * refused with a retryable status is retried the same way; any other request error is thrown.
 */
export class BulkWriter {
  readonly #client: Pick<Client, 'bulk'>;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #limits: BatchLimits;
  readonly #refresh: boolean;
  readonly #sleep: Sleep;

  constructor(client: Pick<Client, 'bulk'>, options: BulkWriterOptions = {}) {
    this.#client = client;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 3_000 };
    this.#limits = options.limits ?? DEFAULT_BULK_LIMITS;
    this.#refresh = options.refresh ?? false;
    this.#sleep = options.sleep ?? realSleep;
  }

  async write<Document>(operations: readonly BulkOperation<Document>[]): Promise<BulkWriteResult<Document>> {
    let pending: Pending<Document>[] = operations.map((operation) => {
      const lines = bulkLines(operation);
      return { operation, lines, bytes: utf8Bytes(lines), attempts: 0 };
    });
    const failures: BulkItemFailure<Document>[] = [];
    let written = 0;
    let requests = 0;
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > 1) await this.#sleep(backoffDelayMs(round - 1, this.#backoff));
      const retry: Pending<Document>[] = [];
      for (const batch of planBatches(pending, (item) => item.bytes, this.#limits)) {
        requests += 1;
        const outcome = await this.#send(batch);
        written += outcome.written;
        for (const item of outcome.refused) {
          const refusal = item.last ?? { status: 0, type: 'unknown', reason: 'no reason given' };
          if (isRetryableStatus(refusal.status) && item.attempts < this.#maxAttempts) retry.push(item);
          else failures.push({ operation: item.operation, ...refusal, attempts: item.attempts });
        }
      }
      pending = retry;
    }
    return { written, failures, requests };
  }

  async #send<Document>(batch: Pending<Document>[]): Promise<{ written: number; refused: Pending<Document>[] }> {
    for (const item of batch) item.attempts += 1;
    let items;
    try {
      const ndjson = batch.map((item) => item.lines).join('');
      const response = await this.#client.bulk({ body: ndjson as unknown as Bulk_RequestBody, refresh: this.#refresh });
      items = response.body.items;
    } catch (error) {
      const status = statusOfError(error);
      if (status === null || !isRetryableStatus(status)) throw error;
      for (const item of batch) item.last = { status, type: 'request_refused', reason: (error as Error).message };
      return { written: 0, refused: batch };
    }
    if (items.length !== batch.length) throw new Error(`bulk response has ${items.length} items for ${batch.length} operations`);
    const refused: Pending<Document>[] = [];
    batch.forEach((item, index) => {
      const result = Object.values(items[index] ?? {})[0];
      if (result && result.status < 300) return;
      item.last = {
        status: result?.status ?? 0,
        type: result?.error?.type ?? 'unknown',
        reason: result?.error?.reason ?? `status ${result?.status ?? 'missing'}`,
      };
      refused.push(item);
    });
    return { written: batch.length - refused.length, refused };
  }
}

/** The two NDJSON lines of one operation, serialised once (the client sends a string bulk body as it is). */
function bulkLines(operation: BulkOperation): string {
  const meta: Record<string, unknown> = { _index: operation.index, _id: operation.id };
  if (operation.ifSeqNo !== undefined) meta.if_seq_no = operation.ifSeqNo;
  if (operation.ifPrimaryTerm !== undefined) meta.if_primary_term = operation.ifPrimaryTerm;
  return `${JSON.stringify({ [operation.action]: meta })}\n${JSON.stringify(operation.document)}\n`;
}

function statusOfError(error: unknown): number | null {
  const status = (error as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
  return typeof status === 'number' ? status : null;
}
