import { expect, it } from 'vitest';
import { BulkWriter, type BulkOperation } from '../../lambdas/realtime/bulk-writer.js';
import { readingDocument, readingDocumentId, type ReadingDocument } from '../../lambdas/realtime/documents.js';
import { readingsIndex } from '../../lambdas/realtime/index-names.js';
import { piezometer } from './events.js';
import { withBulkFaults } from './faults.js';
import { describeWithOpenSearch, documentsById, useSuiteIndices } from './support.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const noWait = { backoff: { baseMs: 1, maxMs: 2 } };

describeWithOpenSearch('bulk writer against OpenSearch', () => {
  const { prefix, client } = useSuiteIndices('bulk');

  function operations(label: string, count: number): BulkOperation<ReadingDocument>[] {
    return Array.from({ length: count }, (_, i) => {
      const reading = piezometer(`${label}-${i % 7}`, T0 + i * 1_000, 100 + i / 8);
      return {
        action: 'index',
        index: readingsIndex(prefix, reading.observedAt),
        id: readingDocumentId(reading),
        document: readingDocument(reading),
      };
    });
  }

  it('writes every document, in several requests when the limits say so', async () => {
    const ops = operations('plain', 120);
    const result = await new BulkWriter(client, { limits: { maxEntries: 50, maxBytes: 1 << 20 } }).write(ops);
    expect(result).toEqual({ written: 120, failures: [], requests: 3 });
    const stored = await documentsById<ReadingDocument>(client, `${prefix}-readings-*`);
    for (const op of ops) expect(stored.get(op.id)).toEqual(op.document);
  });

  it('retries only the items refused with 429, until they are written', async () => {
    const ops = operations('shed', 40);
    const shed = new Set(ops.filter((_, i) => i % 5 === 2).map((op) => op.id));
    const faulty = withBulkFaults(client, (id, attempt) => (shed.has(id) && attempt <= 2 ? 429 : null));
    const result = await new BulkWriter(faulty.client, noWait).write(ops);
    expect(result.failures).toEqual([]);
    expect(result.written).toBe(40);
    expect(faulty.requests.map((ids) => ids.length)).toEqual([40, shed.size, shed.size]);
    expect(new Set(faulty.requests[1])).toEqual(shed);
    expect(new Set(faulty.requests[2])).toEqual(shed);
    const stored = await documentsById<ReadingDocument>(client, `${prefix}-readings-*`);
    for (const op of ops) expect(stored.get(op.id)).toEqual(op.document);
  });

  it('reports an item still refused with a retryable status after the last attempt', async () => {
    const ops = operations('down', 6);
    const stuck = ops[3]?.id;
    const faulty = withBulkFaults(client, (id) => (id === stuck ? 503 : null));
    const result = await new BulkWriter(faulty.client, { ...noWait, maxAttempts: 3 }).write(ops);
    expect(result.written).toBe(5);
    expect(result.failures).toEqual([
      expect.objectContaining({ status: 503, attempts: 3, operation: expect.objectContaining({ id: stuck }) }),
    ]);
    expect(faulty.requests).toEqual([ops.map((op) => op.id), [stuck], [stuck]]);
  });

  it('does not retry a document the mapping refuses, and says why', async () => {
    const [good, bad] = operations('mapping', 2);
    if (!good || !bad) throw new Error('two operations expected');
    const refused: BulkOperation = { ...bad, document: { ...bad.document, value_micro: 'not a number' } };
    const unknownField: BulkOperation = { ...bad, id: `${bad.id}-extra`, document: { ...bad.document, colour: 'red' } };
    const faulty = withBulkFaults(client, () => null);
    const result = await new BulkWriter(faulty.client, noWait).write([good, refused, unknownField]);
    expect(result.written).toBe(1);
    expect(result.failures.map((f) => [f.operation.id, f.status, f.type, f.attempts])).toEqual([
      [refused.id, 400, 'mapper_parsing_exception', 1],
      [unknownField.id, 400, 'strict_dynamic_mapping_exception', 1],
    ]);
    expect(result.failures[0]?.reason).toMatch(/value_micro/);
    expect(faulty.requests).toHaveLength(1);
  });

  it('refuses to overwrite a document that changed since it was read (optimistic concurrency)', async () => {
    const [op] = operations('occ', 1);
    if (!op) throw new Error('one operation expected');
    const writer = new BulkWriter(client);
    await writer.write([op]);
    const stored = await client.get({ index: op.index, id: op.id });
    const stale = { ...op, ifSeqNo: (stored.body._seq_no ?? 0) + 5, ifPrimaryTerm: stored.body._primary_term ?? 1 };
    const result = await writer.write([stale]);
    expect(result.failures).toEqual([expect.objectContaining({ status: 409, type: 'version_conflict_engine_exception', attempts: 1 })]);
  });
});
