import type { Client } from '@opensearch-project/opensearch';
import { isInstrumentType } from '../domain/instrument-types.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { WindowAggregate } from '../domain/window-aggregate.js';
import {
  checkpointDocumentId,
  type CheckpointDocument,
  type InstrumentDescription,
  type StatusDocument,
  type WindowDocument,
} from './documents.js';
import { checkpointsIndex, readingsIndex, statusIndex, windowsIndexPattern } from './index-names.js';

/** A window's aggregate recomputed from every reading the readings index holds for it. */
export interface RecomputedWindow {
  readonly instrument: InstrumentDescription;
  readonly windowStart: number;
  readonly aggregate: WindowAggregate;
}

const PAGE_SIZE = 1_000;

/**
 * Recomputes the exact aggregates of the given (instrument, window) keys from the readings
 * index: count, sum, min and max of the integer `value_micro`, first and last event time,
 * and the instrument's description from its latest reading in the window. Every reading
 * id is deterministic, so a reading delivered twice is counted once. Sums are exact: the
 * index sums whole numbers far below 2^53. Keys without readings are absent from the result.
 */
export async function recomputeWindows(
  client: Client,
  prefix: string,
  windowMs: number,
  keys: readonly WindowKey[],
): Promise<RecomputedWindow[]> {
  const wanted = new Set(keys.map((key) => `${key.instrumentId}@${key.windowStart}`));
  const byIndex = new Map<string, WindowKey[]>();
  for (const key of keys) {
    const index = readingsIndex(prefix, key.windowStart);
    byIndex.set(index, [...(byIndex.get(index) ?? []), key]);
  }
  const recomputed: RecomputedWindow[] = [];
  for (const [index, group] of byIndex) {
    const from = Math.min(...group.map((key) => key.windowStart));
    const to = Math.max(...group.map((key) => key.windowStart)) + windowMs;
    const instruments = [...new Set(group.map((key) => key.instrumentId))];
    let after: Record<string, unknown> | undefined;
    do {
      const response = await client.search({
        index,
        ignore_unavailable: true,
        body: windowAggregationQuery(instruments, from, to, windowMs, after) as never,
      });
      const composite = (response.body.aggregations as { windows?: CompositeResult } | undefined)?.windows;
      for (const bucket of composite?.buckets ?? []) {
        const window = recomputedFromBucket(bucket);
        if (wanted.has(`${window.instrument.instrumentId}@${window.windowStart}`)) recomputed.push(window);
      }
      after = composite && composite.buckets.length === PAGE_SIZE ? composite.after_key : undefined;
    } while (after);
  }
  return recomputed;
}

/** The search body: every reading of the instruments in [from, to), bucketed by instrument and event-time window. */
export function windowAggregationQuery(
  instrumentIds: readonly string[],
  from: number,
  to: number,
  windowMs: number,
  after?: Record<string, unknown>,
): object {
  return {
    size: 0,
    query: {
      bool: {
        filter: [{ terms: { instrument_id: instrumentIds } }, { range: { observed_at: { gte: from, lt: to, format: 'epoch_millis' } } }],
      },
    },
    aggs: {
      windows: {
        composite: {
          size: PAGE_SIZE,
          sources: [
            { instrument: { terms: { field: 'instrument_id' } } },
            { window: { date_histogram: { field: 'observed_at', fixed_interval: `${windowMs}ms` } } },
          ],
          ...(after ? { after } : {}),
        },
        aggs: {
          sum_micro: { sum: { field: 'value_micro' } },
          min_micro: { min: { field: 'value_micro' } },
          max_micro: { max: { field: 'value_micro' } },
          first_at: { min: { field: 'observed_at' } },
          last_at: { max: { field: 'observed_at' } },
          latest: {
            top_hits: { size: 1, sort: [{ observed_at: 'desc' }], _source: ['instrument_type', 'surface_level', 'northing', 'easting'] },
          },
        },
      },
    },
  };
}

interface CompositeBucket {
  key: { instrument: string; window: number };
  doc_count: number;
  sum_micro: { value: number };
  min_micro: { value: number };
  max_micro: { value: number };
  first_at: { value: number };
  last_at: { value: number };
  latest: {
    hits: {
      hits: Array<{ _source: { instrument_type: string; surface_level: number | null; northing: number | null; easting: number | null } }>;
    };
  };
}

interface CompositeResult {
  buckets: CompositeBucket[];
  after_key?: Record<string, unknown>;
}

function recomputedFromBucket(bucket: CompositeBucket): RecomputedWindow {
  const source = bucket.latest.hits.hits[0]?._source;
  const instrumentId = bucket.key.instrument;
  if (!source || !isInstrumentType(source.instrument_type)) throw new Error(`readings of ${instrumentId} carry no known instrument type`);
  return {
    instrument: {
      instrumentId,
      type: source.instrument_type,
      surfaceLevel: source.surface_level,
      northing: source.northing,
      easting: source.easting,
    },
    windowStart: bucket.key.window,
    aggregate: {
      count: bucket.doc_count,
      sumMicro: exactInteger(bucket.sum_micro.value, `sum of ${instrumentId}`),
      minMicro: exactInteger(bucket.min_micro.value, `min of ${instrumentId}`),
      maxMicro: exactInteger(bucket.max_micro.value, `max of ${instrumentId}`),
      firstAt: exactInteger(bucket.first_at.value, `first time of ${instrumentId}`),
      lastAt: exactInteger(bucket.last_at.value, `last time of ${instrumentId}`),
    },
  };
}

function exactInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} is ${value}, not an exact integer`);
  return value;
}

/** A stored document with what optimistic concurrency needs to overwrite it. */
export interface Versioned<Document> {
  readonly document: Document;
  readonly seqNo: number;
  readonly primaryTerm: number;
}

/** The latest-status documents of the given instruments (absent ones are not in the map). Real-time: no refresh needed. */
export async function statusDocuments(
  client: Client,
  prefix: string,
  instrumentIds: readonly string[],
): Promise<Map<string, Versioned<StatusDocument>>> {
  const found = new Map<string, Versioned<StatusDocument>>();
  if (instrumentIds.length === 0) return found;
  const response = await client.mget({ index: statusIndex(prefix), body: { ids: [...instrumentIds] } });
  for (const doc of response.body.docs as Array<{
    _id: string;
    found?: boolean;
    _source?: StatusDocument;
    _seq_no?: number;
    _primary_term?: number;
  }>) {
    if (doc.found && doc._source && doc._seq_no !== undefined && doc._primary_term !== undefined) {
      found.set(doc._id, { document: doc._source, seqNo: doc._seq_no, primaryTerm: doc._primary_term });
    }
  }
  return found;
}

/** The latest status of every instrument, ordered by instrument id. */
export async function latestStatuses(client: Client, prefix: string): Promise<StatusDocument[]> {
  return searchAll<StatusDocument>(client, statusIndex(prefix), { match_all: {} }, [{ instrument_id: 'asc' }]);
}

/** The windows of one instrument whose start lies in [from, to), oldest first. */
export async function windowsOfInstrument(
  client: Client,
  prefix: string,
  instrumentId: string,
  from: number,
  to: number,
): Promise<WindowDocument[]> {
  return searchAll<WindowDocument>(
    client,
    windowsIndexPattern(prefix),
    {
      bool: {
        filter: [{ term: { instrument_id: instrumentId } }, { range: { window_start: { gte: from, lt: to, format: 'epoch_millis' } } }],
      },
    },
    [{ window_start: 'asc' }],
  );
}

/**
 * The judged windows of one instrument that start after `after` (all of them when null),
 * oldest first, paged: what the status machine judges again from a stored state. Windows
 * not judged (older than the late horizon when they arrived) carry no status and are left out.
 */
export async function judgedWindowsAfter(
  client: Client,
  prefix: string,
  instrumentId: string,
  after: number | null,
): Promise<WindowDocument[]> {
  const filter: object[] = [{ term: { instrument_id: instrumentId } }, { exists: { field: 'status' } }];
  if (after !== null) filter.push({ range: { window_start: { gt: after, format: 'epoch_millis' } } });
  return searchAll<WindowDocument>(client, windowsIndexPattern(prefix), { bool: { filter } }, [{ window_start: 'asc' }]);
}

/** The latest checkpoint of an instrument before `before`, or null when there is none. */
export async function latestCheckpointBefore(
  client: Client,
  prefix: string,
  instrumentId: string,
  before: number,
): Promise<CheckpointDocument | null> {
  const response = await client.search({
    index: checkpointsIndex(prefix),
    ignore_unavailable: true,
    allow_no_indices: true,
    body: {
      size: 1,
      query: {
        bool: {
          filter: [{ term: { instrument_id: instrumentId } }, { range: { window_start: { lt: before, format: 'epoch_millis' } } }],
        },
      },
      sort: [{ window_start: 'desc' }],
    } as never,
  });
  const hit = (response.body.hits.hits as Array<{ _source: CheckpointDocument }>)[0];
  return hit?._source ?? null;
}

/**
 * Deletes the checkpoints of an instrument after `after` (all of them when null), visible
 * to searches at once. By id with the bulk API, not `_delete_by_query`, which needs the
 * reindex module (absent from the integration-test distribution).
 */
export async function deleteCheckpointsAfter(client: Client, prefix: string, instrumentId: string, after: number | null): Promise<number> {
  const index = checkpointsIndex(prefix);
  const filter: object[] = [{ term: { instrument_id: instrumentId } }];
  if (after !== null) filter.push({ range: { window_start: { gt: after, format: 'epoch_millis' } } });
  await refreshIndices(client, [index]);
  const found = await searchAll<CheckpointDocument>(client, index, { bool: { filter } }, [{ window_start: 'asc' }]);
  if (found.length === 0) return 0;
  const lines = found.map(
    (checkpoint) =>
      `${JSON.stringify({ delete: { _index: index, _id: checkpointDocumentId(checkpoint.instrument_id, checkpoint.window_start) } })}\n`,
  );
  const response = await client.bulk({ body: lines.join('') as never, refresh: true });
  const refused = (response.body.items as Array<Record<string, { status: number; error?: { reason?: string } }>>)
    .map((item) => Object.values(item)[0])
    .filter((result) => result && result.status >= 300 && result.status !== 404);
  if (refused.length > 0)
    throw new Error(
      `OpenSearch refused to delete ${refused.length} checkpoints of ${instrumentId}: ${refused[0]?.error?.reason ?? refused[0]?.status}`,
    );
  return found.length;
}

/** Every hit of a query, paged with search_after on a sort that is unique per document. */
async function searchAll<Document>(client: Client, index: string, query: object, sort: object[]): Promise<Document[]> {
  const documents: Document[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const response = await client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      body: { size: PAGE_SIZE, query, sort, ...(after ? { search_after: after } : {}) } as never,
    });
    const hits = response.body.hits.hits as Array<{ _source: Document; sort?: unknown[] }>;
    for (const hit of hits) documents.push(hit._source);
    if (hits.length < PAGE_SIZE) return documents;
    after = hits.at(-1)?.sort;
  }
}

/** Makes everything indexed so far into the given indices searchable. */
export async function refreshIndices(client: Client, indices: readonly string[]): Promise<void> {
  if (indices.length === 0) return;
  await client.indices.refresh({ index: [...indices], ignore_unavailable: true, allow_no_indices: true });
}
