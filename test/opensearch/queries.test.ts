import { expect, it } from 'vitest';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import { BulkWriter } from '../../lambdas/realtime/bulk-writer.js';
import { judgeWindows } from '../../lambdas/domain/status-machine.js';
import {
  judgementFields,
  ruleOf,
  statusDocument,
  windowDocument,
  windowDocumentId,
  windowFactsOf,
  type JudgedWindowDocument,
  type WindowDocument,
} from '../../lambdas/realtime/documents.js';
import { statusIndex, windowsIndex } from '../../lambdas/realtime/index-names.js';
import { latestStatuses, refreshIndices, windowsOfInstrument } from '../../lambdas/realtime/queries.js';
import { describeWithOpenSearch, useSuiteIndices } from './support.js';

const WINDOW_MS = 10_000;
const HOUR = 3_600_000;
const MIDNIGHT = Date.parse('2026-03-03T00:00:00Z');

/** A settlement marker's window, judged by the domain's machine as the first window of the instrument. */
function window(instrumentId: string, windowStart: number, value: number): JudgedWindowDocument {
  const accumulator = new WindowAccumulator(WINDOW_MS);
  accumulator.add(instrumentId, value, windowStart + 1_234);
  const document = windowDocument(
    {
      instrument: { instrumentId, type: 'settlement_marker', surfaceLevel: null, northing: 5_812_000, easting: 321_000 },
      windowStart,
      windowMs: WINDOW_MS,
      aggregate: accumulator.get(instrumentId, windowStart)!,
    },
    windowStart + WINDOW_MS,
  );
  const rule = ruleOf({ type: 'settlement_marker', surfaceLevel: null });
  const [judgement] = judgeWindows(null, [windowFactsOf(document)], rule, []).judgements;
  return { ...document, ...judgementFields(judgement!, rule) };
}

describeWithOpenSearch('real-time queries against OpenSearch', () => {
  const { prefix, client } = useSuiteIndices('queries');

  it('lists the latest status of every instrument, past a page of results', async () => {
    const ids = Array.from({ length: 1_234 }, (_, i) => `SM-${String(i).padStart(5, '0')}`);
    const documents = ids.map((id, i) => {
      const latest = window(id, MIDNIGHT, i % 25);
      const state = judgeWindows(null, [windowFactsOf(latest)], ruleOf({ type: 'settlement_marker', surfaceLevel: null }), []).state!;
      return statusDocument(
        latest,
        { status: i % 25 >= 10 ? 'alert' : 'normal', status_since: MIDNIGHT, previous_status: null, machine_state: state },
        { status: 'normal', status_since: null, previous_status: null, machine_state: null },
        MIDNIGHT,
      );
    });
    const result = await new BulkWriter(client).write(
      documents.map((document) => ({ action: 'index', index: statusIndex(prefix), id: document.instrument_id, document })),
    );
    expect(result.failures).toEqual([]);
    await refreshIndices(client, [statusIndex(prefix)]);

    const latest = await latestStatuses(client, prefix);
    expect(latest.map((s) => s.instrument_id)).toEqual(ids);
    expect(latest[13]).toEqual(documents[13]);
    expect(latest.filter((s) => s.status === 'alert')).toHaveLength(ids.filter((_, i) => i % 25 >= 10).length);
  });

  it('returns the windows of one instrument over an hour, in order, across daily indices', async () => {
    const from = MIDNIGHT - HOUR / 2;
    const windows: WindowDocument[] = [];
    for (let start = from - HOUR; start < from + 2 * HOUR; start += WINDOW_MS) {
      windows.push(window('SM-A', start, (start - from) / 1e5), window('SM-B', start, 1));
    }
    const result = await new BulkWriter(client).write(
      windows.map((document) => ({
        action: 'index',
        index: windowsIndex(prefix, document.window_start),
        id: windowDocumentId(document.instrument_id, document.window_start),
        document,
      })),
    );
    expect(result.failures).toEqual([]);
    await refreshIndices(client, [windowsIndex(prefix, from), windowsIndex(prefix, MIDNIGHT)]);

    const hour = await windowsOfInstrument(client, prefix, 'SM-A', from, from + HOUR);
    expect(hour).toHaveLength(HOUR / WINDOW_MS);
    expect(hour.map((w) => w.window_start)).toEqual(Array.from({ length: HOUR / WINDOW_MS }, (_, i) => from + i * WINDOW_MS));
    expect(hour.every((w) => w.instrument_id === 'SM-A')).toBe(true);
    expect(hour[0]).toEqual(windows.find((w) => w.instrument_id === 'SM-A' && w.window_start === from));
    expect(await windowsOfInstrument(client, prefix, 'SM-NONE', from, from + HOUR)).toEqual([]);
  });
});
