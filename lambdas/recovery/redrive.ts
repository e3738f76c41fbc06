import type { FailedBatch, ProcessorName } from './on-failure-message.js';
import { deliverShardRecords, type Delivery, type ReprocessTarget } from './reprocess.js';
import { readArrivalRange, readSequenceRange, type StreamRead, type StreamRef } from './stream-reader.js';

/**
 * Redrive: every batch an event source mapping gave up on (its on-failure document names the
 * shard and sequence range) is read back from the stream and delivered again to its
 * processor's own processing. Processing is idempotent, so a batch redriven twice changes
 * nothing; a failure is settled (deleted from the queue, or written to the local ledger) only
 * once all its records were delivered. Records the stream no longer holds are reported by
 * failure, with their shard, range and count, and the failure is kept.
 */

/** One entry of the on-failure destination, decoded or not. */
export interface PendingFailure {
  /** Where it is: the SQS message id, or the file and line. */
  readonly location: string;
  /** The failure, or why the entry is not one (kept, and reported). */
  readonly failure: FailedBatch | { readonly problem: string };
  /** Marks it redriven: deleted from the queue, or written to the ledger. */
  settle(): Promise<void>;
  /** Leaves it for a later run (visible again at once in a queue). */
  keep(): Promise<void>;
}

/** Where failed batches wait: the on-failure queue in AWS, the on-failure file locally. */
export interface FailureSource {
  /** For the report, e.g. the queue URL or the file. */
  readonly description: string;
  /** Every failure waiting, each once per run. */
  pending(): AsyncIterable<PendingFailure>;
  /** Failures already redriven by an earlier run and still listed (the local file keeps every line). */
  readonly alreadyRedriven?: () => number;
}

/** A failure that was delivered again in full. */
export interface RedrivenBatch {
  readonly id: string;
  readonly processor: ProcessorName;
  readonly shardId: string;
  readonly range: string;
  readonly delivery: Delivery;
}

/** A failure that could not be redriven (or not in full): named, counted, kept. */
export interface UnredrivenBatch {
  readonly location: string;
  readonly id: string | null;
  readonly processor: ProcessorName | null;
  readonly shardId: string | null;
  readonly range: string | null;
  /** Records of it that could not be delivered (the batch size when none was; 0 when not known). */
  readonly recordsMissing: number;
  /** Records of it that were delivered (what the stream still held). */
  readonly recordsDelivered: number;
  readonly reason: string;
}

export interface RedriveReport {
  readonly source: string;
  readonly redriven: RedrivenBatch[];
  readonly notRedriven: UnredrivenBatch[];
  /** Failures redriven by an earlier run (the local ledger); nothing is done with them again. */
  readonly alreadyRedriven: number;
  /** Records delivered again, in all. */
  readonly recordsDelivered: number;
  /** Records named by failures that no delivery could restore (past retention, shard gone). */
  readonly recordsMissing: number;
}

export type RedriveProgress =
  | { readonly kind: 'failure'; readonly index: number; readonly location: string; readonly failure: FailedBatch }
  | { readonly kind: 'read'; readonly records: number }
  | { readonly kind: 'done'; readonly index: number; readonly outcome: 'redriven' | 'kept'; readonly detail: string };

export interface RedriveDependencies {
  readonly stream: StreamRef;
  readonly region: string;
  /** The processing of each processor; a processor missing here (no real-time store) is reported for each of its failures. */
  readonly targets: Partial<Record<ProcessorName, ReprocessTarget>>;
  /** Why a missing target is missing, for the report. */
  readonly missingTargetReason?: Partial<Record<ProcessorName, string>>;
  readonly batchSize?: number;
  readonly onProgress?: (progress: RedriveProgress) => void;
}

/** Redrives every pending failure of `source`. */
export async function redrive(source: FailureSource, deps: RedriveDependencies): Promise<RedriveReport> {
  const redriven: RedrivenBatch[] = [];
  const notRedriven: UnredrivenBatch[] = [];
  let index = 0;
  for await (const pending of source.pending()) {
    index += 1;
    if ('problem' in pending.failure) {
      notRedriven.push({
        location: pending.location,
        id: null,
        processor: null,
        shardId: null,
        range: null,
        recordsMissing: 0,
        recordsDelivered: 0,
        reason: `not an on-failure document: ${pending.failure.problem}`,
      });
      await pending.keep();
      deps.onProgress?.({ kind: 'done', index, outcome: 'kept', detail: 'not an on-failure document' });
      continue;
    }
    const failure = pending.failure;
    deps.onProgress?.({ kind: 'failure', index, location: pending.location, failure });
    const outcome = await redriveOne(failure, deps);
    if (outcome.kind === 'redriven') {
      await pending.settle();
      redriven.push({
        id: failure.id,
        processor: failure.processor,
        shardId: failure.shardId,
        range: rangeOf(failure),
        delivery: outcome.delivery,
      });
      deps.onProgress?.({
        kind: 'done',
        index,
        outcome: 'redriven',
        detail: `${outcome.delivery.records} record(s), ${outcome.delivery.readings} reading(s), ${outcome.delivery.windowsWritten} window(s) recomputed`,
      });
    } else {
      await pending.keep();
      notRedriven.push({
        location: pending.location,
        id: failure.id,
        processor: failure.processor,
        shardId: failure.shardId,
        range: rangeOf(failure),
        recordsMissing: outcome.recordsMissing,
        recordsDelivered: outcome.recordsDelivered,
        reason: outcome.reason,
      });
      deps.onProgress?.({ kind: 'done', index, outcome: 'kept', detail: outcome.reason });
    }
  }
  return {
    source: source.description,
    redriven,
    notRedriven,
    alreadyRedriven: source.alreadyRedriven?.() ?? 0,
    recordsDelivered:
      redriven.reduce((n, batch) => n + batch.delivery.records, 0) + notRedriven.reduce((n, batch) => n + batch.recordsDelivered, 0),
    recordsMissing: notRedriven.reduce((n, batch) => n + batch.recordsMissing, 0),
  };
}

type OneOutcome =
  | { readonly kind: 'redriven'; readonly delivery: Delivery }
  | { readonly kind: 'kept'; readonly reason: string; readonly recordsMissing: number; readonly recordsDelivered: number };

async function redriveOne(failure: FailedBatch, deps: RedriveDependencies): Promise<OneOutcome> {
  const expected = failure.records?.count ?? 0;
  const target = deps.targets[failure.processor];
  if (!target) {
    const why = deps.missingTargetReason?.[failure.processor] ?? `no ${failure.processor} processor to deliver to`;
    return { kind: 'kept', reason: why, recordsMissing: 0, recordsDelivered: 0 };
  }
  let read: StreamRead;
  const onPage = (records: number) => deps.onProgress?.({ kind: 'read', records });
  if (failure.records) {
    read = await readSequenceRange(deps.stream, { shardId: failure.shardId, ...failure.records }, onPage);
  } else {
    // A window whose close failed: its records arrived within the Lambda window; delivering them again closes it.
    const window = failure.tumblingWindow ?? (failure.arrivals ? { start: failure.arrivals.first, end: failure.arrivals.last + 1 } : null);
    if (!window) return { kind: 'kept', reason: 'the document names neither records nor a window', recordsMissing: 0, recordsDelivered: 0 };
    read = await readArrivalRange(deps.stream, { shardId: failure.shardId, from: window.start, to: window.end }, onPage);
    if (read.records.length === 0) {
      const reason = `the stream holds no record of the window any more${read.gap ? ` (${read.gap})` : ''}: rebuild the event times its readings cover`;
      return { kind: 'kept', reason, recordsMissing: 0, recordsDelivered: 0 };
    }
  }
  let delivery: Delivery;
  try {
    delivery = await deliverShardRecords(target, read.records, {
      shardId: failure.shardId,
      streamArn: failure.streamArn,
      region: deps.region,
      ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
    });
  } catch (error) {
    return {
      kind: 'kept',
      reason: `delivering its records failed: ${(error as Error).message}`,
      recordsMissing: 0,
      recordsDelivered: 0,
    };
  }
  if (read.gap) {
    return {
      kind: 'kept',
      reason: `past the stream's retention or gone: ${read.gap}`,
      recordsMissing: Math.max(0, expected - read.records.length),
      recordsDelivered: delivery.records,
    };
  }
  return { kind: 'redriven', delivery };
}

function rangeOf(failure: FailedBatch): string {
  if (failure.records) return `${failure.records.first}..${failure.records.last} (${failure.records.count} record(s))`;
  if (failure.tumblingWindow)
    return `close of the window ${new Date(failure.tumblingWindow.start).toISOString()}..${new Date(failure.tumblingWindow.end).toISOString()}`;
  return 'no records';
}
