import type { Logger } from '@aws-lambda-powertools/logger';
import { normaliseItems } from '../domain/normalise-items.js';
import { encodeReading } from '../domain/reading-codec.js';
import type { Reading } from '../domain/reading.js';
import type { Rejection, RejectionReason } from '../domain/rejection.js';
import { QuarantineWriteError, type QuarantineSink } from '../shared/quarantine.js';
import type { ReadingStreamWriter, StreamRecord } from './stream-writer.js';
import type { SeenReadings } from './seen-readings.js';
import type { HistoryMode } from './config.js';
import type { CursorStore } from './cursor-store.js';
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

/**
 * How a poll reads history-mode sources, and what it keeps across polls. With no history
 * reading given, every path is read as a snapshot.
 */
export interface HistoryReading {
  readonly mode: HistoryMode;
  readonly cursors: CursorStore;
  /** How far back a path with no saved cursor back-fills, milliseconds. */
  readonly lookbackMs: (path: string) => number;
  readonly pageLimit: number;
  /** A poll asks for no further page once it has run this long (its poll budget), milliseconds. */
  readonly budgetMs: number;
  /** Each path's cursor as last read or saved; kept across polls. */
  readonly known: Map<string, string>;
  /** Paths whose answers showed no history mode (in `auto`); kept across polls. */
  readonly snapshotPaths: Set<string>;
}

export interface PollOnceDependencies {
  readonly source: Pick<SourceClient, 'fetchEndpoint'>;
  readonly paths: readonly string[];
  readonly writer: ReadingStreamWriter;
  readonly quarantine: QuarantineSink;
  /** Readings already put; updated with the ones this poll puts. */
  readonly seen: SeenReadings;
  readonly maxFutureSkewMs: number;
  readonly now: () => number;
  readonly logger: PollLogger;
  /** History mode; absent: snapshots only. */
  readonly history?: HistoryReading;
  /** Called with the endpoints that failed in this poll (none: an empty list). */
  readonly onEndpointFailures?: (failures: readonly EndpointFailure[]) => void;
}

/** An accepted reading and the endpoint it came from. */
interface SourcedReading {
  readonly reading: Reading;
  readonly source: string;
}

/**
 * One poll: reads every endpoint concurrently, validates the items, puts the accepted
 * readings to Kinesis (partition key = instrument id), and quarantines every rejection,
 * including readings the stream (Kinesis or Kafka) refused on every attempt (`put_failed`). A history-mode path
 * is read page by page from its cursor (or, on a first start, from `now - lookback`), each
 * page put and quarantined before its `next` cursor is saved, until no page is ready or
 * the poll budget is spent.
 */
export async function pollOnce(deps: PollOnceDependencies): Promise<PollSummary> {
  const polledAt = deps.now();
  deps.seen.prune(polledAt);
  const seenThisPoll = deps.seen.identities(polledAt);
  const outcomes = await Promise.all(deps.paths.map((path) => pollPath(deps, path, polledAt, seenThisPoll)));
  const failures = outcomes.flatMap((outcome) => outcome.failures);
  for (const failure of failures) deps.logger.warn('endpoint failed', { endpointFailure: failure });
  deps.onEndpointFailures?.(failures);
  return outcomes.reduce((total, outcome) => addPollSummaries(total, outcome.summary), EMPTY_POLL_SUMMARY);
}

interface PathOutcome {
  readonly summary: PollSummary;
  readonly failures: EndpointFailure[];
}

function failed(failure: EndpointFailure, summary: PollSummary = EMPTY_POLL_SUMMARY): PathOutcome {
  return { summary: addPollSummaries(summary, { ...EMPTY_POLL_SUMMARY, endpointFailures: 1 }), failures: [failure] };
}

async function pollPath(deps: PollOnceDependencies, path: string, polledAt: number, seen: Set<string>): Promise<PathOutcome> {
  const history = deps.history;
  if (history === undefined || history.mode === 'off' || history.snapshotPaths.has(path)) {
    const result = await deps.source.fetchEndpoint(path);
    if (!result.ok) return failed(result.failure);
    return { summary: await takeItems(deps, path, result.items, polledAt, seen), failures: [] };
  }
  let cursor = history.known.get(path);
  if (cursor === undefined) {
    try {
      cursor = await history.cursors.get(path);
    } catch (error) {
      return failed(storeFailure(path, `could not read the saved cursor, so the path is not read: ${describe(error)}`));
    }
    if (cursor !== undefined) history.known.set(path, cursor);
  }
  let summary = EMPTY_POLL_SUMMARY;
  const limit = history.pageLimit;
  for (let page = 0; ; page++) {
    const query = cursor === undefined ? { since: polledAt - history.lookbackMs(path), limit } : { cursor, limit };
    const result = await deps.source.fetchEndpoint(path, query);
    if (!result.ok) return failed(result.failure, summary);
    if (result.history === undefined) {
      if (history.mode === 'on') {
        const message = 'history mode is on (SOURCE_HISTORY_MODE=on) but the answer to ?since= has no next cursor';
        return failed({ path, url: path, kind: 'invalid_envelope', message, attempts: result.attempts }, summary);
      }
      // The source ignored the history query: it is a snapshot source, and this answer a snapshot.
      history.snapshotPaths.add(path);
      deps.logger.warn('source has no history mode on this path; reading snapshots', { path });
      return { summary: addPollSummaries(summary, await takeItems(deps, path, result.items, polledAt, seen)), failures: [] };
    }
    summary = addPollSummaries(summary, await takeItems(deps, path, result.items, polledAt, seen));
    cursor = result.history.next;
    history.known.set(path, cursor);
    try {
      await history.cursors.put(path, cursor);
    } catch (error) {
      // The readings are in; a restart would read this page again (the batch store keeps each reading once).
      return failed(storeFailure(path, `could not save the cursor after a page: ${describe(error)}`), summary);
    }
    if (!result.history.more || deps.now() - polledAt >= history.budgetMs) return { summary, failures: [] };
  }
}

function storeFailure(path: string, message: string): EndpointFailure {
  return { path, url: path, kind: 'cursor_store', message, attempts: 1 };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Validates one answer's items, puts the accepted ones and quarantines the rest. */
async function takeItems(
  deps: PollOnceDependencies,
  path: string,
  items: unknown[],
  polledAt: number,
  seen: Set<string>,
): Promise<PollSummary> {
  const normalised = normaliseItems(items, { source: path, now: polledAt, maxFutureSkewMs: deps.maxFutureSkewMs }, seen);
  const accepted = normalised.accepted.map((reading) => ({ reading, source: path }));
  const rejected: Rejection[] = [...normalised.rejected];
  const outcome = await deps.writer.put(accepted.map(toStreamRecord));
  for (const { reading } of outcome.put) deps.seen.add(reading, polledAt);
  const failedAt = deps.now();
  for (const failure of outcome.failed) {
    rejected.push({
      reason: 'put_failed',
      detail: `the stream refused the record ${failure.attempts} time(s); last error ${failure.errorCode}: ${failure.errorMessage}`,
      raw: failure.item.reading,
      source: failure.item.source,
      rejectedAt: failedAt,
    });
  }
  const quarantineFailures = await quarantine(rejected, deps);
  return {
    readingsPolled: items.length,
    readingsAccepted: outcome.put.length,
    readingsRejected: rejected.length,
    rejectedByReason: countByReason(rejected),
    recordsPut: outcome.put.length,
    endpointFailures: 0,
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
