import type { Client } from '@opensearch-project/opensearch';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Reading } from '../../lambdas/domain/reading.js';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import { meanOf } from '../../lambdas/domain/window-aggregate.js';
import { decodeWindowState } from '../../lambdas/domain/window-state.js';
import { BulkWriter } from '../../lambdas/realtime/bulk-writer.js';
import type { ReadingDocument, StatusDocument, WindowDocument } from '../../lambdas/realtime/documents.js';
import { readingsIndex } from '../../lambdas/realtime/index-names.js';
import { processRealtimeEvent, type RealtimeProcessorDeps } from '../../lambdas/realtime/realtime-processor.js';
import type { WindowProgressState } from '../../lambdas/shared/tumbling-window.js';
import { piezometer, SHARD, streamRecord, tumblingEvent } from './events.js';
import { withBulkFaults } from './faults.js';
import {
  describeWithOpenSearch,
  documentsById,
  dropPrefix,
  fileQuarantine,
  prepareIndices,
  realtimeHandlerEnvironment,
  testClient,
  uniquePrefix,
  useSuiteIndices,
} from './support.js';

const WINDOW_MS = 10_000;

/** The partial aggregates a response carries to the next invocation of its Lambda window. */
const carriedWindows = (state: unknown) => decodeWindowState((state as WindowProgressState).windows, WINDOW_MS);
const T0 = Date.parse('2026-03-02T09:00:00Z');
const fastWriter = (client: Client) => new BulkWriter(client, { backoff: { baseMs: 1, maxMs: 2 } });

describeWithOpenSearch('real-time processor against OpenSearch', () => {
  const { prefix, client } = useSuiteIndices('realtime');
  let quarantine: ReturnType<typeof fileQuarantine>;
  let sequence = 0;

  beforeAll(() => {
    quarantine = fileQuarantine();
  });
  afterAll(() => {
    quarantine.remove();
  });

  const deps = (overrides: Partial<RealtimeProcessorDeps> = {}): RealtimeProcessorDeps => ({
    client,
    indexPrefix: prefix,
    windowMs: WINDOW_MS,
    quarantine: quarantine.sink,
    writer: fastWriter(client),
    ...overrides,
  });
  const records = (payloads: Array<Reading | string>): KinesisStreamRecord[] =>
    payloads.map((payload) => streamRecord(payload, ++sequence));

  /** One Lambda tumbling window: the batches as successive invocations, then the final invocation. */
  async function lambdaWindow(batches: KinesisStreamRecord[][], use: RealtimeProcessorDeps = deps()) {
    let state: unknown = {};
    const invocations = [];
    for (const batch of batches) {
      const outcome = await processRealtimeEvent(tumblingEvent(batch, { state }), use);
      invocations.push(outcome);
      state = outcome.response.state;
    }
    const final = await processRealtimeEvent(tumblingEvent([], { state, final: true }), use);
    return { invocations, final };
  }

  const windows = () => documentsById<WindowDocument>(client, `${prefix}-windows-*`);
  const statuses = () => documentsById<StatusDocument>(client, `${prefix}-status`);
  const readingsStored = () => documentsById<ReadingDocument>(client, `${prefix}-readings-*`);
  const rejectionsFor = (marker: string) => quarantine.kept().filter((r) => JSON.stringify(r).includes(marker));

  function expected(readings: Reading[]) {
    const accumulator = new WindowAccumulator(WINDOW_MS);
    for (const r of readings) accumulator.add(r.instrumentId, r.value, r.observedAt);
    return accumulator;
  }

  it('indexes readings as they come and completes their windows exactly at the final invocation', async () => {
    const readings = [
      piezometer('P-100', T0 + 1_000, 120.5),
      piezometer('P-100', T0 + 4_250, 121.25),
      piezometer('P-100', T0 + 8_999, 119.750001),
      piezometer('P-100', T0 + 12_000, 130.1),
      piezometer('P-100', T0 + 19_000, 129.9),
      piezometer('P-101', T0 + 5_000, 88.8),
    ];
    const { invocations, final } = await lambdaWindow([records(readings.slice(0, 3)), records(readings.slice(3))]);

    const carried = carriedWindows(invocations[1]?.response.state);
    expect([...carried.entries()].map((e) => `${e.instrumentId}@${e.windowStart}`).sort()).toEqual([
      `P-100@${T0}`,
      `P-100@${T0 + 10_000}`,
      `P-101@${T0}`,
    ]);
    expect(final.response).toEqual({ state: {}, batchItemFailures: [] });
    expect(final.closed).toMatchObject({ windowsWritten: 3, statusesWritten: 2 });

    const stored = await readingsStored();
    for (const r of readings)
      expect(stored.get(`${r.instrumentId}@${r.observedAt}`)).toMatchObject({ value: r.value, instrument_type: 'piezometer', unit: 'kPa' });
    const truth = expected(readings);
    const written = await windows();
    for (const { instrumentId, windowStart, aggregate } of truth.entries()) {
      const doc = written.get(`${instrumentId}@${windowStart}`);
      expect(doc).toMatchObject({
        count: aggregate.count,
        sum_micro: aggregate.sumMicro,
        mean: meanOf(aggregate),
        min: aggregate.minMicro / 1e6,
        max: aggregate.maxMicro / 1e6,
        first_observed_at: aggregate.firstAt,
        last_observed_at: aggregate.lastAt,
        window_end: windowStart + WINDOW_MS,
        // Five readings are needed for the initial baseline: before it, nothing on the change is judged or drawn.
        status: 'normal',
        raw_status: 'normal',
        change: null,
        baseline: null,
        baseline_id: null,
        cause: null,
        trigger_alert: null,
        lower_alert: null,
      });
      expect(doc?.position?.lat).toBeCloseTo(-37.806, 2);
    }
    const status = (await statuses()).get('P-100');
    expect(status).toMatchObject({
      status: 'normal',
      window_start: T0 + 10_000,
      mean: meanOf(truth.get('P-100', T0 + 10_000)!),
      previous_status: null,
      status_since: T0,
      basis: { status: 'normal', status_since: T0, previous_status: null },
    });
    // The second window completes the baseline: the mean of its first five readings, in force from that window's end.
    expect(status?.machine_state.initialBaseline).toEqual({
      id: 'initial',
      value: (120.5 + 121.25 + 119.750001 + 130.1 + 129.9) / 5,
      effectiveFrom: T0 + 20_000,
    });
    expect(status?.basis.machine_state?.windowStart).toBe(T0);
  });

  it('indexes a manual reading with its source, author and note beside polled ones, in the same window', async () => {
    const start = T0 + 600_000;
    const polled = piezometer('P-150', start + 1_000, 100);
    const manual: Reading = {
      ...piezometer('P-150', start + 6_000, 102),
      source: 'manual',
      author: 'engineer@site.local',
      note: 'dipped, cap off',
    };
    const { final } = await lambdaWindow([records([polled, manual])]);
    expect(final.response.batchItemFailures).toEqual([]);
    expect(rejectionsFor('P-150')).toEqual([]);
    const stored = await readingsStored();
    expect(stored.get(`P-150@${manual.observedAt}`)).toMatchObject({
      value: 102,
      source: 'manual',
      author: 'engineer@site.local',
      note: 'dipped, cap off',
    });
    expect(stored.get(`P-150@${polled.observedAt}`)).toMatchObject({ value: 100, source: 'poll', author: null, note: null });
    expect((await windows()).get(`P-150@${start}`)).toMatchObject({ count: 2, mean: 101 });
  });

  it('changes nothing when the same records are delivered twice', async () => {
    // Baseline 100 kPa from five readings in windows 0-1; window 2's two re-reads (+35, +36) confirm Alert at once.
    const readings = [
      ...[1_000, 3_000, 5_000, 12_000, 14_000].map((t) => piezometer('P-200', T0 + t, 100)),
      piezometer('P-200', T0 + 22_000, 135),
      piezometer('P-200', T0 + 26_000, 136),
      piezometer('P-201', T0 + 3_000, 10),
    ];
    const batch = records(readings);
    const withRepeat = [...batch, batch[1]!];
    await lambdaWindow([withRepeat]);
    const strip = <D extends object>(docs: Map<string, D>, ids: string[]) =>
      ids.map((id) => {
        const { computed_at: _c, updated_at: _u, ...rest } = docs.get(id) as D & { computed_at?: number; updated_at?: number };
        return rest;
      });
    const ids = {
      windows: [`P-200@${T0}`, `P-200@${T0 + 10_000}`, `P-200@${T0 + 20_000}`, `P-201@${T0}`],
      statuses: ['P-200', 'P-201'],
      readings: readings.map((r) => `${r.instrumentId}@${r.observedAt}`),
    };
    const before = {
      w: strip(await windows(), ids.windows),
      s: strip(await statuses(), ids.statuses),
      r: strip(await readingsStored(), ids.readings),
    };
    expect(before.w[2]).toMatchObject({ count: 2, mean: 135.5, change: 35.5, baseline: 100, status: 'alert', raw_status: 'alert' });
    expect(before.s[0]).toMatchObject({ status: 'alert', previous_status: 'normal', status_since: T0 + 20_000, cause: 'level:rise' });

    await lambdaWindow([batch.slice(0, 2), batch]);
    const after = {
      w: strip(await windows(), ids.windows),
      s: strip(await statuses(), ids.statuses),
      r: strip(await readingsStored(), ids.readings),
    };
    expect(after).toEqual(before);
  });

  it('ends with the exact mean and status of an event window that straddles two Lambda windows', async () => {
    // Windows 0-4 at 100 kPa set the baseline; window 5 first holds two re-reads at +76 kPa: Action, confirmed by them.
    const baseline = [0, 1, 2, 3, 4].map((k) => piezometer('P-300', T0 + k * 10_000 + 1_000, 100));
    const early = [piezometer('P-300', T0 + 51_000, 176.000001), piezometer('P-300', T0 + 53_000, 175.999999)];
    const late = [piezometer('P-300', T0 + 56_000, 168.123456), piezometer('P-300', T0 + 59_000, 167.876544)];
    await lambdaWindow([records([...baseline, ...early])]);
    expect((await windows()).get(`P-300@${T0 + 50_000}`)).toMatchObject({ count: 2, mean: 176, status: 'action' });
    expect((await statuses()).get('P-300')).toMatchObject({ status: 'action', previous_status: 'normal' });

    await lambdaWindow([records(late)]);
    const all = expected([...early, ...late]).get('P-300', T0 + 50_000)!;
    expect(all.sumMicro).toBe(688_000_000);
    // Judged again from the state before window 5: mean 172 (+72, raw Action), but its re-reads only confirm Alarm
    // (the least, 167.876544, is +67.9); from the Action it had been given, it would have stayed Action.
    expect((await windows()).get(`P-300@${T0 + 50_000}`)).toMatchObject({
      count: 4,
      sum_micro: 688_000_000,
      mean: meanOf(all),
      min: 167.876544,
      max: 176.000001,
      change: 72,
      baseline: 100,
      baseline_id: 'initial',
      raw_status: 'action',
      status: 'alarm',
      cause: 'level:rise',
      trigger_alert: 130,
      trigger_alarm: 150,
      trigger_action: 170,
      lower_alert: 80,
      lower_alarm: 70,
      lower_action: 60,
    });
    expect((await statuses()).get('P-300')).toMatchObject({
      status: 'alarm',
      previous_status: 'normal',
      status_since: T0 + 50_000,
      mean: 172,
      count: 4,
      change: 72,
      basis: { status: 'normal' },
    });
  });

  it('retries only the readings OpenSearch refused with 429', async () => {
    const readings = Array.from({ length: 12 }, (_, i) => piezometer(`P-40${i % 3}`, T0 + 500 + i * 700, 90 + i));
    const shed = new Set(readings.filter((_, i) => i % 4 === 1).map((r) => `${r.instrumentId}@${r.observedAt}`));
    const faulty = withBulkFaults(client, (id, attempt, index) =>
      index.includes('-readings-') && shed.has(id) && attempt === 1 ? 429 : null,
    );
    const { invocations, final } = await lambdaWindow(
      [records(readings)],
      deps({ client: faulty.client, writer: fastWriter(faulty.client) }),
    );
    expect(invocations[0]?.response.batchItemFailures).toEqual([]);
    expect(invocations[0]?.readings).toBe(12);
    expect(faulty.requests.slice(0, 2).map((ids) => new Set(ids))).toEqual([
      new Set(readings.map((r) => `${r.instrumentId}@${r.observedAt}`)),
      shed,
    ]);
    expect(final.closed?.windowsWritten).toBe(3);
    const truth = expected(readings);
    const written = await windows();
    for (const { instrumentId, windowStart, aggregate } of truth.entries())
      expect(written.get(`${instrumentId}@${windowStart}`)?.count).toBe(aggregate.count);
  });

  it('hands a reading back to Lambda when OpenSearch keeps refusing it with a retryable status', async () => {
    const readings = [piezometer('P-500', T0 + 1_000, 100), piezometer('P-500', T0 + 2_000, 101), piezometer('P-500', T0 + 3_000, 102)];
    const batch = records(readings);
    const stuck = `P-500@${T0 + 2_000}`;
    const faulty = withBulkFaults(client, (id) => (id === stuck ? 503 : null));
    const outcome = await processRealtimeEvent(
      tumblingEvent(batch, {}),
      deps({ client: faulty.client, writer: new BulkWriter(faulty.client, { maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } }) }),
    );
    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: batch[1]?.kinesis.sequenceNumber }]);
    expect(carriedWindows(outcome.response.state).get('P-500', T0)?.count).toBe(2);
    expect(rejectionsFor('P-500')).toEqual([]);
    expect((await readingsStored()).has(stuck)).toBe(false);
  });

  it('quarantines a document the mapping refuses, with the reason, and keeps the rest of the window', async () => {
    const day = Date.parse('2026-03-05T10:00:00Z');
    await client.indices.create({
      index: readingsIndex(prefix, day),
      body: { mappings: { properties: { value_micro: { type: 'integer' } } } } as never,
    });
    const fits = piezometer('P-600', day + 1_000, 150);
    const tooBig = piezometer('P-600', day + 2_000, 2_500);
    const batch = records([fits, tooBig]);
    const { invocations } = await lambdaWindow([batch]);
    expect(invocations[0]?.response.batchItemFailures).toEqual([]);
    const [rejection, ...others] = rejectionsFor('P-600');
    expect(others).toEqual([]);
    expect(rejection).toMatchObject({
      reason: 'index_rejected',
      source: `${SHARD}/${batch[1]?.kinesis.sequenceNumber}`,
      raw: Buffer.from(batch[1]!.kinesis.data, 'base64').toString('utf8'),
    });
    expect(rejection?.detail).toMatch(/400 mapper_parsing_exception/);
    expect((await windows()).get(`P-600@${day}`)).toMatchObject({ count: 1, mean: 150 });
  });

  it('quarantines poison records and processes the rest of the batch', async () => {
    const good = piezometer('P-700', T0 + 1_000, 120);
    const batch = records(['not json at all', JSON.stringify({ v: 1, id: 'P-701', type: 'tiltmeter', value: 1, t: T0 }), good]);
    const { invocations } = await lambdaWindow([batch]);
    expect(invocations[0]).toMatchObject({ records: 3, readings: 1, rejected: 2 });
    const poison = quarantine
      .kept()
      .filter(
        (r) => r.source === `${SHARD}/${batch[0]?.kinesis.sequenceNumber}` || r.source === `${SHARD}/${batch[1]?.kinesis.sequenceNumber}`,
      );
    expect(poison.map((r) => [r.reason, r.detail])).toEqual([
      ['undecodable_record', 'record is not JSON'],
      ['undecodable_record', 'record has unknown type "tiltmeter"'],
    ]);
    expect((await windows()).get(`P-700@${T0}`)).toMatchObject({ count: 1 });
  });

  it('completes the windows carried in the state at an empty final invocation', async () => {
    const first = await processRealtimeEvent(tumblingEvent(records([piezometer('P-910', T0 + 1_000, 60)]), {}), deps());
    expect((await windows()).has(`P-910@${T0}`)).toBe(false);
    const final = await processRealtimeEvent(tumblingEvent([], { state: first.response.state, final: true }), deps());
    expect(final).toMatchObject({ records: 0, closed: { windowsWritten: 1 } });
    expect((await windows()).get(`P-910@${T0}`)).toMatchObject({ count: 1, mean: 60 });
  });

  it('quarantines a state it cannot restore and still completes the windows it names', async () => {
    await processRealtimeEvent(tumblingEvent(records([piezometer('P-920', T0 + 4_000, 61)]), {}), deps());
    const stale = {
      windows: { v: 1, w: 30, p: [['P-920', T0 / 1000, 1, 61_000_000, 61_000_000, 61_000_000, 4_000, 4_000]] },
      arrivedUpTo: 0,
    };
    const final = await processRealtimeEvent(
      tumblingEvent(records([piezometer('P-920', T0 + 5_000, 63)]), { state: stale, final: true }),
      deps(),
    );
    expect(final.rejected).toBe(1);
    expect(rejectionsFor('P-920').map((r) => [r.reason, /built with 30 s windows/.test(r.detail)])).toEqual([['undecodable_record', true]]);
    expect((await windows()).get(`P-920@${T0}`)).toMatchObject({ count: 2, mean: 62 });
  });

  it('quarantines a batch of only poison records and writes no window', async () => {
    const batch = records(['still not json', JSON.stringify({ v: 1, id: 'P-930', type: 'tiltmeter', value: 1, t: T0 })]);
    const final = await processRealtimeEvent(tumblingEvent(batch, { final: true }), deps());
    expect(final).toMatchObject({ readings: 0, rejected: 2, closed: { windowsWritten: 0 } });
    expect(rejectionsFor('P-930').map((r) => r.reason)).toEqual(['undecodable_record']);
  });

  it('completes the windows when Lambda ends a tumbling window early', async () => {
    const first = await processRealtimeEvent(tumblingEvent(records([piezometer('P-900', T0 + 1_000, 50)]), {}), deps());
    const early = await processRealtimeEvent(tumblingEvent([], { state: first.response.state, terminatedEarly: true }), deps());
    expect(early.response.state).toEqual({});
    expect((await windows()).get(`P-900@${T0}`)).toMatchObject({ count: 1, mean: 50 });
  });
});

describeWithOpenSearch('real-time Lambda handler', () => {
  it('reads its configuration from the environment and processes a tumbling window', async () => {
    const client = testClient();
    const prefix = uniquePrefix('handler');
    const env = { ...process.env };
    Object.assign(process.env, realtimeHandlerEnvironment(prefix));
    try {
      await prepareIndices(client, prefix);
      const { handler } = await import('../../lambdas/realtime/handler.js');
      const readings = [piezometer('H-1', T0 + 1_000, 201), piezometer('H-1', T0 + 2_000, 203)];
      // Two readings: no baseline yet, so nothing on the change is judged.
      const first = await handler(
        tumblingEvent(
          readings.map((r, i) => streamRecord(r, 900 + i)),
          {},
        ),
      );
      const final = await handler(tumblingEvent([], { state: first.state, final: true }));
      expect(final).toEqual({ state: {}, batchItemFailures: [] });
      expect((await documentsById<StatusDocument>(client, `${prefix}-status`)).get('H-1')).toMatchObject({
        status: 'normal',
        mean: 202,
        count: 2,
        change: null,
      });
    } finally {
      process.env = env;
      await dropPrefix(client, prefix);
      await client.close();
    }
  });
});
