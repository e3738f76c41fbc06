import { randomBytes } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import { resolveLocalOpenSearch } from '../local/opensearch/server.js';
import { applyOpenSearchSetup } from '../lambdas/opensearch/setup.js';
import { BulkWriter, type BulkOperation } from '../lambdas/realtime/bulk-writer.js';
import { createOpenSearchClient } from '../lambdas/realtime/client.js';
import { readingDocument, readingDocumentId, type ReadingDocument } from '../lambdas/realtime/documents.js';
import { readingsIndex } from '../lambdas/realtime/index-names.js';
import type { Metric } from './metric.js';
import { syntheticReading } from './synthetic.js';

const BULK_DOCUMENTS = 20_000;
const SINGLE_DOCUMENTS = 1_000;

function readingOperations(prefix: string, count: number, offset: number): BulkOperation<ReadingDocument>[] {
  return Array.from({ length: count }, (_, n) => {
    const i = n + offset;
    const reading = syntheticReading(i);
    return {
      action: 'index',
      index: readingsIndex(prefix, reading.observedAt),
      id: readingDocumentId(reading),
      document: readingDocument(reading),
    };
  });
}

async function secondsFor(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/**
 * Documents per second through the real-time writer's bulk path, against one index call
 * per document, on a local OpenSearch (OPENSEARCH_URL, or the cached distribution).
 * Returns nothing, with the reason on stderr, when no OpenSearch is available.
 */
export async function benchOpenSearch(): Promise<Metric[]> {
  const log = (message: string): void => void process.stderr.write(`bench: opensearch: ${message}\n`);
  const local = await resolveLocalOpenSearch({ log });
  if (local.off) {
    log(`skipped (${local.reason})`);
    return [];
  }
  const client: Client = createOpenSearchClient({ endpoint: local.url, auth: 'none', region: undefined });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  try {
    await applyOpenSearchSetup(client, { indexPrefix: prefix, retentionDays: 30, replicas: 0, dashboards: false });
    const writer = new BulkWriter(client);
    await writer.write(readingOperations(prefix, 10_000, 10_000_000));

    const bulkOperations = readingOperations(prefix, BULK_DOCUMENTS, 0);
    let failures = 0;
    const bulkSeconds = await secondsFor(async () => {
      failures = (await writer.write(bulkOperations)).failures.length;
    });
    if (failures > 0) throw new Error(`${failures} documents were refused during the bulk measurement`);

    const singleOperations = readingOperations(prefix, SINGLE_DOCUMENTS, 20_000_000);
    const singleSeconds = await secondsFor(async () => {
      for (const operation of singleOperations) await client.index({ index: operation.index, id: operation.id, body: operation.document });
    });

    const bulkRate = Math.round(BULK_DOCUMENTS / bulkSeconds);
    const singleRate = Math.round(SINGLE_DOCUMENTS / singleSeconds);
    return [
      {
        name: 'opensearch bulk indexing (real-time writer)',
        value: bulkRate,
        unit: 'docs/s',
        target: '>= 5000',
        baselineRatio: Math.round((bulkRate / singleRate) * 10) / 10,
        baseline: `one index call per document: ${singleRate} docs/s`,
      },
    ];
  } finally {
    await client.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined);
    await client.close();
    await local.stop();
  }
}
