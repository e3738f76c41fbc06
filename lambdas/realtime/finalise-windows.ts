import type { Client } from '@opensearch-project/opensearch';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { BulkItemFailure, BulkOperation, BulkWriter } from './bulk-writer.js';
import { statusDocument, windowDocument, windowDocumentId, type StatusDocument, type WindowDocument } from './documents.js';
import { readingsIndex, statusIndex, windowsIndex } from './index-names.js';
import { recomputeWindows, refreshIndices, statusDocuments } from './queries.js';
import { advanceStatus, heldStatusOf } from './status-timeline.js';

export interface WindowFinaliserDeps {
  readonly client: Client;
  readonly writer: BulkWriter;
  readonly indexPrefix: string;
  readonly windowMs: number;
  readonly now: () => number;
}

export interface FinaliseOutcome {
  /** Window documents written. */
  readonly windows: readonly WindowDocument[];
  /** Latest-status documents written. */
  readonly statuses: readonly StatusDocument[];
  /** Documents OpenSearch refused. */
  readonly failures: readonly BulkItemFailure<WindowDocument | StatusDocument>[];
}

/** Rounds of re-reading and re-applying a status that another writer changed in between. */
const MAX_STATUS_CONFLICT_ROUNDS = 3;

/**
 * Completes the touched windows at the end of a tumbling window: recomputes each one
 * exactly from the readings index (so readings that arrived in an earlier or later
 * Lambda window, or twice, count exactly once), overwrites the window documents, and
 * advances each instrument's latest status through its windows.
 */
export async function finaliseWindows(deps: WindowFinaliserDeps, keys: readonly WindowKey[]): Promise<FinaliseOutcome> {
  if (keys.length === 0) return { windows: [], statuses: [], failures: [] };
  const { client, writer, indexPrefix, windowMs } = deps;
  await refreshIndices(client, [...new Set(keys.map((key) => readingsIndex(indexPrefix, key.windowStart)))]);
  const computedAt = deps.now();
  const documents = (await recomputeWindows(client, indexPrefix, windowMs, keys)).map((window) =>
    windowDocument({ ...window, windowMs }, computedAt),
  );
  const result = await writer.write(
    documents.map((document) => ({
      action: 'index' as const,
      index: windowsIndex(indexPrefix, document.window_start),
      id: windowDocumentId(document.instrument_id, document.window_start),
      document,
    })),
  );
  const refused = new Set(result.failures.map((failure) => failure.operation.document));
  const windows = documents.filter((document) => !refused.has(document));
  const statusOutcome = await advanceStatuses(deps, windows);
  return { windows, statuses: statusOutcome.statuses, failures: [...result.failures, ...statusOutcome.failures] };
}

async function advanceStatuses(
  deps: WindowFinaliserDeps,
  windows: readonly WindowDocument[],
): Promise<{ statuses: StatusDocument[]; failures: BulkItemFailure<StatusDocument>[] }> {
  const byInstrument = new Map<string, WindowDocument[]>();
  for (const window of windows) byInstrument.set(window.instrument_id, [...(byInstrument.get(window.instrument_id) ?? []), window]);
  const index = statusIndex(deps.indexPrefix);
  const statuses: StatusDocument[] = [];
  const failures: BulkItemFailure<StatusDocument>[] = [];
  let pending = [...byInstrument.keys()];
  for (let round = 1; pending.length > 0; round += 1) {
    const held = await statusDocuments(deps.client, deps.indexPrefix, pending);
    const operations: BulkOperation<StatusDocument>[] = [];
    for (const instrumentId of pending) {
      const stored = held.get(instrumentId);
      const advanced = advanceStatus(stored ? heldStatusOf(stored.document) : null, byInstrument.get(instrumentId) ?? []);
      if (!advanced) continue;
      const document = statusDocument(advanced.window, advanced.current, advanced.basis, deps.now());
      operations.push(
        stored
          ? { action: 'index', index, id: instrumentId, document, ifSeqNo: stored.seqNo, ifPrimaryTerm: stored.primaryTerm }
          : { action: 'create', index, id: instrumentId, document },
      );
    }
    const result = await deps.writer.write(operations);
    const conflicts = result.failures.filter((failure) => failure.status === 409);
    const lastRound = round >= MAX_STATUS_CONFLICT_ROUNDS;
    failures.push(...result.failures.filter((failure) => failure.status !== 409 || lastRound));
    const unwritten = new Set(result.failures.map((failure) => failure.operation));
    statuses.push(...operations.filter((operation) => !unwritten.has(operation)).map((operation) => operation.document));
    pending = lastRound ? [] : conflicts.map((failure) => failure.operation.id);
  }
  return { statuses, failures };
}
