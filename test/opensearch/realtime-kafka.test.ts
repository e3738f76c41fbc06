import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Reading } from '../../lambdas/domain/reading.js';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import { meanOf } from '../../lambdas/domain/window-aggregate.js';
import { BulkWriter } from '../../lambdas/realtime/bulk-writer.js';
import type { StatusDocument, WindowDocument } from '../../lambdas/realtime/documents.js';
import { OpenSearchPartitionProgress } from '../../lambdas/realtime/partition-progress.js';
import {
  processRealtimeEvent,
  processRealtimeKafkaEvent,
  type RealtimeKafkaDeps,
  type RealtimeProcessorDeps,
} from '../../lambdas/realtime/realtime-processor.js';
import type { ConsumedKafkaRecord } from '../../lambdas/shared/kafka-lambda-event.js';
import { kafkaEvent, kafkaRecord } from '../support/kafka-events.js';
import { piezometer, streamRecord, tumblingEvent } from './events.js';
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
const T0 = Date.parse('2026-03-03T09:00:00Z');
const fastWriter = (client: Client, maxAttempts?: number) =>
  new BulkWriter(client, { backoff: { baseMs: 1, maxMs: 2 }, ...(maxAttempts ? { maxAttempts } : {}) });

describeWithOpenSearch('real-time processor on MSK events against OpenSearch (partition watermarks)', () => {
  const { prefix, client } = useSuiteIndices('realtime-kafka');
  let quarantine: ReturnType<typeof fileQuarantine>;
  let offset = 0;

  beforeAll(() => {
    quarantine = fileQuarantine();
  });
  afterAll(() => {
    quarantine.remove();
  });

  const deps = (overrides: Partial<RealtimeKafkaDeps> = {}): RealtimeKafkaDeps => ({
    client,
    indexPrefix: prefix,
    windowMs: WINDOW_MS,
    allowedLatenessMs: 0,
    quarantine: quarantine.sink,
    writer: fastWriter(client),
    progress: new OpenSearchPartitionProgress(client, prefix, WINDOW_MS),
    ...overrides,
  });
  const records = (payloads: Array<Reading | string>, partition = 0): ConsumedKafkaRecord[] =>
    payloads.map((payload) => kafkaRecord(payload, offset++, undefined, partition));
  const deliver = (batch: ConsumedKafkaRecord[], use: RealtimeKafkaDeps = deps()) => processRealtimeKafkaEvent(kafkaEvent(batch), use);

  const windows = () => documentsById<WindowDocument>(client, `${prefix}-windows-*`);
  const statuses = () => documentsById<StatusDocument>(client, `${prefix}-status`);
  const progressOf = (partition: number) => new OpenSearchPartitionProgress(client, prefix, WINDOW_MS).load(`readings-${partition}`);

  it("closes each window once its partition's watermark passes its end plus the allowed lateness, with the exact mean", async () => {
    const use = deps({ allowedLatenessMs: 5_000 });
    const readings = [
      piezometer('K-100', T0 + 1_000, 120.5),
      piezometer('K-100', T0 + 4_250, 121.25),
      piezometer('K-101', T0 + 5_000, 88.8),
      piezometer('K-100', T0 + 8_999, 119.750001),
      piezometer('K-100', T0 + 12_000, 130.1),
      piezometer('K-100', T0 + 14_999, 129.9),
    ];
    const first = await deliver(records(readings.slice(0, 3)), use);
    const second = await deliver(records(readings.slice(3)), use);
    expect([first.windowsClosed, second.windowsClosed]).toEqual([0, 0]);
    expect(await progressOf(0)).toEqual({
      watermark: T0 + 14_999,
      pending: expect.arrayContaining([
        { instrumentId: 'K-100', windowStart: T0 },
        { instrumentId: 'K-101', windowStart: T0 },
        { instrumentId: 'K-100', windowStart: T0 + 10_000 },
      ]),
    });
    // 15 s = [0, 10 s) + 5 s of lateness: the first windows close, [10 s, 20 s) waits for 25 s.
    const third = await deliver(records([piezometer('K-102', T0 + 15_000, 1)]), use);
    expect(third).toMatchObject({ windowsClosed: 2, windowsPending: 2, response: { batchItemFailures: [] } });
    const truth = new WindowAccumulator(WINDOW_MS);
    for (const r of readings) truth.add(r.instrumentId, r.value, r.observedAt);
    const written = await windows();
    for (const key of [`K-100@${T0}`, `K-101@${T0}`]) {
      const [id, start] = key.split('@');
      const aggregate = truth.get(id!, Number(start))!;
      expect(written.get(key)).toMatchObject({ count: aggregate.count, sum_micro: aggregate.sumMicro, mean: meanOf(aggregate) });
    }
    expect(written.has(`K-100@${T0 + 10_000}`)).toBe(false);
    expect((await progressOf(0)).pending).toEqual(
      expect.arrayContaining([
        { instrumentId: 'K-100', windowStart: T0 + 10_000 },
        { instrumentId: 'K-102', windowStart: T0 + 10_000 },
      ]),
    );
  });

  it('judges the same statuses as on Kinesis for the same readings, and a duplicate or an offset-0 replay changes nothing', async () => {
    // Baseline 100 kPa from five readings in windows 0-1; window 2's two re-reads (+35, +36) confirm Alert at once.
    const kafkaReadings = (id: string) => [
      ...[1_000, 3_000, 5_000, 12_000, 14_000].map((t) => piezometer(id, T0 + t, 100)),
      piezometer(id, T0 + 22_000, 135),
      piezometer(id, T0 + 26_000, 136),
    ];
    // On Kinesis: one Lambda window, which closes every window it touched.
    const onKinesis = kafkaReadings('K-200');
    const kinesisDeps: RealtimeProcessorDeps = {
      client,
      indexPrefix: prefix,
      windowMs: WINDOW_MS,
      quarantine: quarantine.sink,
      writer: fastWriter(client),
    };
    const first = await processRealtimeEvent(
      tumblingEvent(
        onKinesis.map((r, i) => streamRecord(r, 5_000 + i)),
        {},
      ),
      kinesisDeps,
    );
    await processRealtimeEvent(tumblingEvent([], { state: first.response.state, final: true }), kinesisDeps);
    // On Kafka, partition 3: two invocations, and a later reading (another instrument) moves the watermark past window 2.
    const onKafka = kafkaReadings('K-201');
    const batch = records([...onKafka, piezometer('K-2T', T0 + 30_000, 1)], 3);
    await deliver(batch.slice(0, 4));
    await deliver(batch.slice(4));

    const strip = (doc: (WindowDocument | StatusDocument) | undefined) => {
      const { computed_at: _c, updated_at: _u, instrument_id: _i, ...rest } = (doc ?? {}) as WindowDocument & { updated_at?: number };
      return rest;
    };
    const byWindow = async (id: string) => [0, 1, 2].map(async (k) => strip((await windows()).get(`${id}@${T0 + k * 10_000}`)));
    const kinesisWindows = await Promise.all(await byWindow('K-200'));
    expect(kinesisWindows[2]).toMatchObject({ count: 2, mean: 135.5, change: 35.5, status: 'alert' });
    expect(await Promise.all(await byWindow('K-201'))).toEqual(kinesisWindows);
    const status = async (id: string) => strip((await statuses()).get(id));
    expect(await status('K-201')).toEqual(await status('K-200'));
    expect(await status('K-201')).toMatchObject({ status: 'alert', previous_status: 'normal', status_since: T0 + 20_000 });

    const before = { windows: await Promise.all(await byWindow('K-201')), status: await status('K-201'), progress: await progressOf(3) };
    await deliver(batch.slice(4));
    await deliver(batch);
    expect({ windows: await Promise.all(await byWindow('K-201')), status: await status('K-201'), progress: await progressOf(3) }).toEqual(
      before,
    );
    expect(before.progress).toEqual({ watermark: T0 + 30_000, pending: [{ instrumentId: 'K-2T', windowStart: T0 + 30_000 }] });
  });

  it('hands a reading OpenSearch keeps refusing back in the Kafka partial batch response, and completes its window once it comes again', async () => {
    const readings = [piezometer('K-500', T0 + 1_000, 100), piezometer('K-500', T0 + 2_000, 101), piezometer('K-500', T0 + 3_000, 102)];
    const batch = records(readings, 5);
    const stuck = `K-500@${T0 + 2_000}`;
    const faulty = withBulkFaults(client, (id) => (id === stuck ? 503 : null));
    const outcome = await deliver(batch, deps({ client: faulty.client, writer: fastWriter(faulty.client, 2) }));
    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: { 'topic-partition': 'readings-5', offset: batch[1]!.offset } }]);
    expect(outcome.redeliveryRequested).toBe(1);
    // Lambda resumes the partition from the reported offset; a later reading moves the watermark past the window.
    await deliver([...batch.slice(1), ...records([piezometer('K-501', T0 + 10_000, 1)], 5)]);
    expect((await windows()).get(`K-500@${T0}`)).toMatchObject({ count: 3, mean: 101 });
  });

  it('quarantines a poison record under its topic-partition and offset, the same on redelivery (so the recorder keeps it once)', async () => {
    const batch = records(['not json at all', piezometer('K-700', T0 + 1_000, 120)], 7);
    const outcome = await deliver(batch);
    await deliver(batch);
    expect(outcome).toMatchObject({ records: 2, readings: 1, rejected: 1 });
    const kept = quarantine
      .kept()
      .filter((r) => r.source === `readings-7@${batch[0]!.offset}`)
      .map(({ rejectedAt: _at, ...rest }) => rest);
    expect(kept).toEqual([
      { reason: 'undecodable_record', detail: 'record is not JSON', source: `readings-7@${batch[0]!.offset}`, raw: 'not json at all' },
      kept[0],
    ]);
  });
});

describeWithOpenSearch('real-time MSK Lambda handler', () => {
  it('reads its configuration from the environment, closes windows by the partition watermark and keeps its progress', async () => {
    const client = testClient();
    const prefix = uniquePrefix('msk-handler');
    const env = { ...process.env };
    Object.assign(process.env, { ...realtimeHandlerEnvironment(prefix), ALLOWED_LATENESS_SECONDS: '0' });
    try {
      await prepareIndices(client, prefix);
      const { handler } = await import('../../lambdas/realtime/msk-handler.js');
      const readings = [piezometer('H-1', T0 + 1_000, 201), piezometer('H-1', T0 + 2_000, 203), piezometer('H-1', T0 + 10_500, 205)];
      expect(await handler(kafkaEvent(readings.map((r, i) => kafkaRecord(r, i))))).toEqual({ batchItemFailures: [] });
      expect((await documentsById<StatusDocument>(client, `${prefix}-status`)).get('H-1')).toMatchObject({ mean: 202, count: 2 });
      expect(await new OpenSearchPartitionProgress(client, prefix, WINDOW_MS).load('readings-0')).toEqual({
        watermark: T0 + 10_500,
        pending: [{ instrumentId: 'H-1', windowStart: T0 + 10_000 }],
      });
    } finally {
      process.env = env;
      await dropPrefix(client, prefix);
      await client.close();
    }
  });
});
