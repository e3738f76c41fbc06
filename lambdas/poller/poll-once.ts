import type { Logger } from '@aws-lambda-powertools/logger';
import { normaliseItems } from '../domain/normalise-items.js';
import { encodeReading } from '../domain/reading-codec.js';
import type { Reading } from '../domain/reading.js';
import type { Rejection, RejectionReason } from '../domain/rejection.js';
import { QuarantineWriteError, type QuarantineSink } from '../shared/quarantine.js';
import type { KinesisWriter, StreamRecord } from './kinesis-writer.js';
import type { SeenReadings } from './seen-readings.js';
import type { EndpointFailure, SourceClient } from './source-client.js';

/**
 * What one poll did. Every item read is either accepted (its record is in the stream) or
 * rejected with a reason (and quarantined): `readingsPolled = readingsAccepted + readingsRejected`.
 */
export interface PollSummary {
  /** Items read from the endpoints that answered. */
  readonly readingsPolled: number;
  /** Readings whose records Kinesis accepted. */
  readonly readingsAccepted: number;
  readonly readingsRejected: number;
  readonly rejectedByReason: Readonly<Partial<Record<RejectionReason, number>>>;
  /** Records put to the stream (one per accepted reading). */
  readonly recordsPut: number;
  /** Endpoints that yielded no items. */
  readonly endpointFailures: number;
  /** Rejections the quarantine could not keep; each was logged in full instead. */
  readonly quarantineFailures: number;
}

export const EMPTY_POLL_SUMMARY: PollSummary = {
  readingsPolled: 0,
  readingsAccepted: 0,
  readingsRejected: 0,
  rejectedByReason: {},
  recordsPut: 0,
  endpointFailures: 0,
  quarantineFailures: 0,
};

/** The sum of two summaries, e.g. the totals of a session. */
export function addPollSummaries(a: PollSummary, b: PollSummary): PollSummary {
  const rejectedByReason: Partial<Record<RejectionReason, number>> = { ...a.rejectedByReason };
  for (const [reason, count] of Object.entries(b.rejectedByReason) as [RejectionReason, number][]) {
    rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + count;
  }
  return {
    readingsPolled: a.readingsPolled + b.readingsPolled,
    readingsAccepted: a.readingsAccepted + b.readingsAccepted,
    readingsRejected: a.readingsRejected + b.readingsRejected,
    rejectedByReason,
    recordsPut: a.recordsPut + b.recordsPut,
    endpointFailures: a.endpointFailures + b.endpointFailures,
    quarantineFailures: a.quarantineFailures + b.quarantineFailures,
  };
}

export type PollLogger = Pick<Logger, 'warn' | 'error'>;

export interface PollOnceDependencies {
  readonly source: Pick<SourceClient, 'fetchAll'>;
  readonly paths: readonly string[];
  readonly writer: Pick<KinesisWriter, 'put'>;
  readonly quarantine: QuarantineSink;
  /** Readings already put; updated with the ones this poll puts. */
  readonly seen: SeenReadings;
  readonly maxFutureSkewMs: number;
  readonly now: () => number;
  readonly logger: PollLogger;
}

/** An accepted reading and the endpoint it came from. */
interface SourcedReading {
  readonly reading: Reading;
  readonly source: string;
}

/**
 * One poll: reads every endpoint concurrently, validates the items, puts the accepted
 * readings to Kinesis (partition key = instrument id), and quarantines every rejection,
 * including readings Kinesis refused on every attempt (`put_failed`).
 */
export async function pollOnce(deps: PollOnceDependencies): Promise<PollSummary> {
  const polledAt = deps.now();
  deps.seen.prune(polledAt);
  const results = await deps.source.fetchAll(deps.paths);

  const failures: EndpointFailure[] = [];
  const accepted: SourcedReading[] = [];
  const rejected: Rejection[] = [];
  const seenThisPoll = deps.seen.identities();
  let readingsPolled = 0;
  for (const result of results) {
    if (!result.ok) {
      failures.push(result.failure);
      continue;
    }
    readingsPolled += result.items.length;
    const normalised = normaliseItems(
      result.items,
      { source: result.path, now: polledAt, maxFutureSkewMs: deps.maxFutureSkewMs },
      seenThisPoll,
    );
    accepted.push(...normalised.accepted.map((reading) => ({ reading, source: result.path })));
    rejected.push(...normalised.rejected);
  }
  for (const failure of failures) deps.logger.warn('endpoint failed', { endpointFailure: failure });

  const outcome = await deps.writer.put(accepted.map(toStreamRecord));
  for (const { reading } of outcome.put) deps.seen.add(reading);
  const failedAt = deps.now();
  for (const failed of outcome.failed) {
    rejected.push({
      reason: 'put_failed',
      detail: `Kinesis refused the record ${failed.attempts} time(s); last error ${failed.errorCode}: ${failed.errorMessage}`,
      raw: failed.item.reading,
      source: failed.item.source,
      rejectedAt: failedAt,
    });
  }

  const quarantineFailures = await quarantine(rejected, deps);
  return {
    readingsPolled,
    readingsAccepted: outcome.put.length,
    readingsRejected: rejected.length,
    rejectedByReason: countByReason(rejected),
    recordsPut: outcome.put.length,
    endpointFailures: failures.length,
    quarantineFailures,
  };
}

function toStreamRecord(sourced: SourcedReading): StreamRecord<SourcedReading> {
  return { partitionKey: sourced.reading.instrumentId, data: Buffer.from(encodeReading(sourced.reading), 'utf8'), item: sourced };
}

/** Puts rejections in the quarantine; what it cannot keep is logged in full. Returns how many were not kept. */
async function quarantine(rejections: readonly Rejection[], deps: PollOnceDependencies): Promise<number> {
  if (rejections.length === 0) return 0;
  try {
    await deps.quarantine.put(rejections);
    return 0;
  } catch (error) {
    const unwritten = error instanceof QuarantineWriteError ? error.unwritten : rejections;
    deps.logger.error('quarantine failed; the rejections it could not keep follow', {
      error: error instanceof Error ? error.message : String(error),
    });
    for (const rejection of unwritten) deps.logger.error('unquarantined rejection', { rejection });
    return unwritten.length;
  }
}

export function countByReason(rejections: readonly Rejection[]): Partial<Record<RejectionReason, number>> {
  const counts: Partial<Record<RejectionReason, number>> = {};
  for (const { reason } of rejections) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}
