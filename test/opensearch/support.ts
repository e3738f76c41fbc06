import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Rejection } from '../../lambdas/domain/rejection.js';
import { createOpenSearchClient } from '../../lambdas/realtime/client.js';
import { applyOpenSearchSetup } from '../../lambdas/opensearch/setup.js';
import { JsonlQuarantineSink } from '../../lambdas/shared/quarantine.js';

const server = inject('opensearch');

/** `describe` when a server is up, `describe.skip` (with the reason in the title) when not. */
export const describeWithOpenSearch: (name: string, body: () => void) => void =
  'url' in server ? (name, body) => describe(name, body) : (name, body) => describe.skip(`${name} (${server.unavailable})`, body);

export function openSearchUrl(): string {
  if (!('url' in server)) throw new Error(server.unavailable);
  return server.url;
}

export function testClient(): Client {
  return createOpenSearchClient({ endpoint: openSearchUrl(), auth: 'none', region: undefined });
}

/** A fresh index prefix, so every test has indices of its own on the shared server. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

/** Applies the templates for a prefix on the single-node test server (no replicas, no Dashboards). */
export async function prepareIndices(client: Client, prefix: string): Promise<void> {
  await applyOpenSearchSetup(client, { indexPrefix: prefix, retentionDays: 30, replicas: 0, dashboards: false });
}

/**
 * Indices of its own for the suite this is called in (inside `describeWithOpenSearch`): a
 * fresh prefix whose templates are applied before the suite's tests and which is removed,
 * with the client closed, after them.
 */
export function useSuiteIndices(label: string): { readonly prefix: string; readonly client: Client } {
  const prefix = uniquePrefix(label);
  // A skipped suite is still collected; its client is never used, so any address will do.
  const client = createOpenSearchClient({ endpoint: 'url' in server ? server.url : 'http://127.0.0.1:9', auth: 'none', region: undefined });
  beforeAll(() => prepareIndices(client, prefix));
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await client.close();
  });
  return { prefix, client };
}

/** Removes every index and template of a prefix. */
export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  await client.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' });
  await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined);
}

/** A real quarantine sink writing JSON Lines into a temporary file, with a reader for what it kept. */
export function fileQuarantine(): { sink: JsonlQuarantineSink; kept(): Rejection[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'geotech-quarantine-'));
  const path = join(dir, 'quarantine.jsonl');
  const sink = new JsonlQuarantineSink(path);
  return {
    sink,
    kept: () => {
      try {
        return readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Rejection);
      } catch {
        return [];
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every document of an index pattern (refreshed first), by id. */
export async function documentsById<Document>(client: Client, index: string): Promise<Map<string, Document>> {
  await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const response = await client.search({
    index,
    ignore_unavailable: true,
    allow_no_indices: true,
    body: { size: 10_000, query: { match_all: {} } } as never,
  });
  return new Map((response.body.hits.hits as Array<{ _id: string; _source: Document }>).map((hit) => [hit._id, hit._source]));
}

/** The environment the stack gives the real-time processor, for a local server and `prefix`. */
export function realtimeHandlerEnvironment(prefix: string): Record<string, string> {
  return {
    OPENSEARCH_ENDPOINT: openSearchUrl(),
    OPENSEARCH_AUTH: 'none',
    OPENSEARCH_INDEX_PREFIX: prefix,
    WINDOW_SECONDS: '10',
    QUARANTINE_QUEUE_URL: 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/quarantine',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
}
