import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import type { CheckpointDocument, StatusDocument, WindowDocument } from '../../lambdas/realtime/documents.js';
import { processRealtimeEvent, type RealtimeProcessorDeps } from '../../lambdas/realtime/realtime-processor.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { streamRecord as batchRecord, windowEvent } from '../support/tumbling-events.js';
import { piezometer, streamRecord, tumblingEvent } from './events.js';
import { describeWithOpenSearch, documentsById, fileQuarantine, useSuiteIndices } from './support.js';

const WINDOW_MS = 10_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-06T09:00:00Z');

describeWithOpenSearch("real-time judgement on the domain's status machine, against OpenSearch", () => {
  const { prefix, client } = useSuiteIndices('judgement');
  let quarantine: ReturnType<typeof fileQuarantine>;
  let sequence = 0;
  beforeAll(() => {
    quarantine = fileQuarantine();
  });
  afterAll(() => quarantine.remove());

  const deps = (overrides: Partial<RealtimeProcessorDeps> = {}): RealtimeProcessorDeps => ({
    client,
    indexPrefix: prefix,
    windowMs: WINDOW_MS,
    quarantine: quarantine.sink,
    ...overrides,
  });
  async function lambdaWindow(readings: readonly Reading[], use: RealtimeProcessorDeps = deps()) {
    const records = readings.map((reading) => streamRecord(reading, ++sequence));
    const first = await processRealtimeEvent(tumblingEvent(records, {}), use);
    const final = await processRealtimeEvent(tumblingEvent([], { state: first.response.state, final: true }), use);
    expect(final.closed?.refused).toBe(0);
    return final.closed!;
  }
  const windows = () => documentsById<WindowDocument>(client, `${prefix}-windows-*`);
  const statuses = () => documentsById<StatusDocument>(client, `${prefix}-status`);
  const checkpoints = () => documentsById<CheckpointDocument>(client, `${prefix}-status-checkpoints`);
  const judged = (docs: Map<string, WindowDocument>, id: string) =>
    [...docs.values()]
      .filter((w) => w.instrument_id === id)
      .sort((a, b) => a.window_start - b.window_start)
      .map((w) => [new Date(w.window_start).toISOString().slice(11, 19), w.status, w.raw_status, w.change]);
  const withoutTimes = <D extends object>(docs: Map<string, D>) =>
    new Map(
      [...docs].map(([id, doc]) => {
        const { computed_at: _c, updated_at: _u, ...rest } = doc as D & { computed_at?: number; updated_at?: number };
        return [id, rest];
      }),
    );

  it('judges a late back-filled window again from the checkpoint before it, with the windows after it, and a replay changes nothing', async () => {
    // Piezometer, default rule (+30/+50/+70 kPa from baseline, two windows to confirm; dead band 4 kPa).
    // On time: baseline 100 kPa from windows 09:00:00-09:00:40; 10:00:00 and 10:00:20 at 100; 11:00:00 at 145 (+45, raw
    // Alert, unconfirmed); 11:00:10 at 100. Checkpoints after 09:00:00, 10:00:00 and 11:00:00.
    const at = (time: string, value: number) => piezometer('P-800', Date.parse(`2026-03-06T${time}Z`) + 1_000, value);
    const onTime = [
      ...['09:00:00', '09:00:10', '09:00:20', '09:00:30', '09:00:40', '10:00:00', '10:00:20'].map((t) => at(t, 100)),
      at('11:00:00', 145),
      at('11:00:10', 100),
    ];
    await lambdaWindow(onTime);
    expect((await statuses()).get('P-800')).toMatchObject({ status: 'normal', previous_status: null, status_since: T0 });
    expect([...(await checkpoints()).values()].filter((c) => c.instrument_id === 'P-800').map((c) => c.window_start - T0)).toEqual([
      0,
      HOUR,
      2 * HOUR,
    ]);
    expect(judged(await windows(), 'P-800').slice(-2)).toEqual([
      ['11:00:00', 'normal', 'alert', 45],
      ['11:00:10', 'normal', 'normal', 0],
    ]);

    // The back-fill: 10:30:00 and 10:30:10 at 160 (+60): Alarm, confirmed at 10:30:10. Restarted from the 10:00:00
    // checkpoint, 11:00:00 (+45) now falls from Alarm to Alert at once (the dead band holds it above Alert), and
    // 11:00:10 back to normal.
    const backFill = [at('10:30:00', 160), at('10:30:10', 160)];
    const closed = await lambdaWindow(backFill);
    expect(closed).toMatchObject({ windowsWritten: 2, windowsRejudged: 1, statusesWritten: 1 });
    expect(judged(await windows(), 'P-800').slice(5)).toEqual([
      ['10:00:00', 'normal', 'normal', 0],
      ['10:00:20', 'normal', 'normal', 0],
      ['10:30:00', 'normal', 'alarm', 60],
      ['10:30:10', 'alarm', 'alarm', 60],
      ['11:00:00', 'alert', 'alert', 45],
      ['11:00:10', 'normal', 'normal', 0],
    ]);
    expect((await statuses()).get('P-800')).toMatchObject({
      status: 'normal',
      previous_status: 'alert',
      status_since: T0 + 2 * HOUR + 10_000,
      window_start: T0 + 2 * HOUR + 10_000,
      basis: { status: 'alert', status_since: T0 + 2 * HOUR, previous_status: 'alarm' },
    });
    const hourly = [...(await checkpoints()).values()]
      .filter((c) => c.instrument_id === 'P-800')
      .sort((a, b) => a.window_start - b.window_start);
    expect(hourly.map((c) => [c.window_start - T0, c.status, c.previous_status])).toEqual([
      [0, 'normal', null],
      [HOUR, 'normal', null],
      [2 * HOUR, 'alert', 'alarm'],
    ]);

    // The same back-fill again: every document as it was.
    const before = { w: withoutTimes(await windows()), s: withoutTimes(await statuses()), c: await checkpoints() };
    const replay = await lambdaWindow(backFill);
    expect(replay).toMatchObject({ windowsWritten: 2, windowsRejudged: 0, statusChanges: 0 });
    expect({ w: withoutTimes(await windows()), s: withoutTimes(await statuses()), c: await checkpoints() }).toEqual(before);
  });

  it('restarts from the state before the latest window when a late window falls between the two', async () => {
    // Baseline 100 from five windows; 09:05:00 at 100 and 09:05:30 at 100 judged; then 09:05:10 and 09:05:20 arrive at
    // 135 (+35): Alert, confirmed at 09:05:20; 09:05:30 (+0) drops it back to normal.
    const at = (offsetMs: number, value: number) => piezometer('P-810', T0 + offsetMs + 1_000, value);
    await lambdaWindow([...[0, 1, 2, 3, 4].map((k) => at(k * 10_000, 100)), at(5 * MINUTE, 100), at(5 * MINUTE + 30_000, 100)]);
    const closed = await lambdaWindow([at(5 * MINUTE + 10_000, 135), at(5 * MINUTE + 20_000, 135)]);
    expect(closed).toMatchObject({ windowsWritten: 2, windowsRejudged: 0 });
    expect(judged(await windows(), 'P-810').slice(5)).toEqual([
      ['09:05:00', 'normal', 'normal', 0],
      ['09:05:10', 'normal', 'alert', 35],
      ['09:05:20', 'alert', 'alert', 35],
      ['09:05:30', 'normal', 'normal', 0],
    ]);
    expect((await statuses()).get('P-810')).toMatchObject({
      status: 'normal',
      previous_status: 'alert',
      status_since: T0 + 5 * MINUTE + 30_000,
    });
  });

  it('judges an instrument again from its windows when its status document holds no machine state (written before it was kept)', async () => {
    const at = (k: number, value: number) => piezometer('P-830', T0 + k * 10_000 + 1_000, value);
    await lambdaWindow([0, 1, 2, 3, 4].map((k) => at(k, 100)).concat([at(5, 160), at(6, 160)]));
    const current = (await statuses()).get('P-830')!;
    expect(current).toMatchObject({ status: 'alarm', status_since: T0 + 60_000 });
    // The status document as the earlier real-time path wrote it: its own status, no machine state.
    const { machine_state: _m, basis, ...older } = current;
    const { machine_state: _b, ...olderBasis } = basis;
    await client.index({
      index: `${prefix}-status`,
      id: 'P-830',
      body: { ...older, status: 'normal', status_rank: 0, basis: olderBasis } as never,
      refresh: true,
    });
    await lambdaWindow([at(7, 100)]);
    // Judged from the first window again: Alarm from window 6, back to normal at 7 (+0 kPa).
    expect((await statuses()).get('P-830')).toMatchObject({
      status: 'normal',
      previous_status: 'alarm',
      status_since: T0 + 70_000,
      basis: { status: 'alarm', status_since: T0 + 60_000, previous_status: 'normal' },
    });
    expect((await statuses()).get('P-830')?.machine_state.windowStart).toBe(T0 + 70_000);
  });

  it('reads the status document again and judges again when another writer changed it in between (a real version conflict)', async () => {
    const at = (k: number, value: number) => piezometer('P-840', T0 + k * 10_000 + 1_000, value);
    await lambdaWindow([0, 1, 2, 3, 4].map((k) => at(k, 100)).concat([at(5, 160)]));
    // A client whose first status read is followed, before it returns, by another write of the status document.
    let reads = 0;
    const racing = new Proxy(client, {
      get(target, property) {
        if (property === 'mget')
          return async (params: Parameters<typeof client.mget>[0]) => {
            const response = await target.mget(params);
            if ((reads += 1) === 1) {
              const stored = (await statuses()).get('P-840')!;
              await target.index({ index: `${prefix}-status`, id: 'P-840', body: stored as never, refresh: true });
            }
            return response;
          };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const closed = await lambdaWindow([at(6, 160)], deps({ client: racing }));
    expect(reads).toBe(2);
    expect(closed).toMatchObject({ statusesWritten: 1, statusChanges: 1 });
    expect((await statuses()).get('P-840')).toMatchObject({ status: 'alarm', previous_status: 'normal', status_since: T0 + 60_000 });
  });

  it('writes a window older than the late horizon without judging it, and leaves the status as it was', async () => {
    const at = (offsetMs: number, value: number) => piezometer('P-820', T0 + offsetMs + 1_000, value);
    await lambdaWindow([...[0, 1, 2, 3, 4].map((k) => at(k * 10_000, 100)), at(2 * HOUR, 100)]);
    const before = withoutTimes(await statuses()).get('P-820');
    const closed = await lambdaWindow([at(30 * MINUTE, 190)], deps({ lateHorizonMs: HOUR }));
    expect(closed).toMatchObject({ windowsWritten: 1, windowsBeyondHorizon: 1, statusesWritten: 0 });
    expect((await windows()).get(`P-820@${T0 + 30 * MINUTE}`)).toMatchObject({
      mean: 190,
      count: 1,
      status: null,
      change: null,
      trigger_alert: null,
    });
    expect(withoutTimes(await statuses()).get('P-820')).toEqual(before);
  });
});

describeWithOpenSearch('real-time and batch statuses for the same windows', () => {
  const { prefix, client } = useSuiteIndices('parity');
  let local: LocalBatchDatabase;
  let quarantine: ReturnType<typeof fileQuarantine>;
  beforeAll(async () => {
    quarantine = fileQuarantine();
    local = await startLocalBatchDatabase('pglite');
  });
  afterAll(async () => {
    quarantine.remove();
    await local?.close();
  });

  /** Windows 20 minutes apart over 16 hours, so the settlement rate (over 24 h) is judged after 12 hours. */
  const STEP = 20 * MINUTE;
  const WINDOWS = 48;
  const instruments: ReadonlyArray<{
    id: string;
    type: InstrumentType;
    surfaceLevel: number | null;
    value: (k: number) => number;
    rereads?: boolean;
  }> = [
    // Baseline 0, then settling 0.2 mm a window (14.4 mm/day): Action on the rate once it is judged.
    { id: 'SM-1', type: 'settlement_marker', surfaceLevel: null, value: (k) => (k < 5 ? 0 : -0.2 * (k - 4)) },
    { id: 'P-1', type: 'piezometer', surfaceLevel: 31, value: (k) => (k < 5 ? 100 : 100 + (((k * 37) % 23) - 11) * 5) },
    { id: 'WS-1', type: 'water_standpipe', surfaceLevel: 30, value: (k) => (k < 5 ? 25 : 25 + (((k * 13) % 17) - 8) * 0.4) },
    { id: 'WS-2', type: 'water_standpipe', surfaceLevel: null, value: (k) => (k < 5 ? 25 : 25 - ((k * 7) % 11) * 0.25) },
    { id: 'G-1', type: 'strain_gauge', surfaceLevel: null, value: (k) => (k < 5 ? 0 : ((k * 29) % 31) * 100 - 1500), rereads: true },
  ];
  const readings: Reading[] = instruments.flatMap((instrument, index) =>
    Array.from({ length: WINDOWS }, (_, k) => k).flatMap((k) =>
      [1_000, ...(instrument.rereads ? [6_000] : [])].map((offset, r) => ({
        instrumentId: instrument.id,
        type: instrument.type,
        value: Math.round((instrument.value(k) + r * 0.01) * 1e6) / 1e6,
        observedAt: T0 + k * STEP + offset,
        surfaceLevel: instrument.surfaceLevel,
        northing: 5_813_000 + index * 100,
        easting: 320_000,
      })),
    ),
  );
  // A reading an hour after the rest, so the batch store's watermark passes every window above.
  const tail: Reading = { ...readings[0]!, instrumentId: 'TAIL', observedAt: T0 + WINDOWS * STEP + HOUR };

  it('gives every window the same judgement and every instrument the same status, whatever the arrival order in real time', async () => {
    const batch = {
      store: new AuroraBatchStore(local.db, WINDOW_MS / 1000),
      alarms: new AlarmStore(local.db),
      windowSeconds: WINDOW_MS / 1000,
      allowedLatenessMs: 0,
    };
    const all = [...readings, tail];
    const first = await processBatch(
      windowEvent(
        all.map((r, i) => batchRecord(r, i)),
        {},
        false,
      ),
      batch,
    );
    await processBatch(windowEvent([], (first.response as TumblingWindowResponse).state, true), batch);

    // Real time: a few hours of P-1 and SM-1 arrive a Lambda window late, so they are judged from checkpoints.
    const late = (r: Reading) => ['P-1', 'SM-1'].includes(r.instrumentId) && r.observedAt >= T0 + 6 * HOUR && r.observedAt < T0 + 9 * HOUR;
    const use = { client, indexPrefix: prefix, windowMs: WINDOW_MS, quarantine: quarantine.sink };
    let sequence = 0;
    const closes = [];
    for (const part of [all.filter((r) => !late(r)), all.filter(late)]) {
      const records: KinesisStreamRecord[] = part.map((r) => streamRecord(r, ++sequence));
      const opened = await processRealtimeEvent(tumblingEvent(records, {}), use);
      closes.push((await processRealtimeEvent(tumblingEvent([], { state: opened.response.state, final: true }), use)).closed);
    }
    expect(quarantine.kept()).toEqual([]);
    // The late hours (two instruments, three hours of windows 20 minutes apart) came after windows up to 16:00 were
    // judged, so they were judged from the checkpoints before them, with every window after them again.
    expect(closes[1]).toMatchObject({ windowsWritten: 2 * 3 * 3, statusesWritten: 2 });

    const batchWindows = await local.rows<{
      instrument_id: string;
      window_start: Date;
      status: string;
      raw_status: string;
      change_value: number | null;
      rate_per_day: number | null;
      baseline_id: string | null;
    }>(
      `SELECT instrument_id, window_start, status, raw_status, change_value, rate_per_day, baseline_id FROM window_aggregates
       WHERE instrument_id <> 'TAIL' ORDER BY instrument_id, window_start`,
    );
    expect(batchWindows).toHaveLength(WINDOWS * instruments.length);
    const realtime = await documentsById<WindowDocument>(client, `${prefix}-windows-*`);
    const fromRealtime = batchWindows.map((row) => {
      const doc = realtime.get(`${row.instrument_id}@${row.window_start.getTime()}`);
      return [row.instrument_id, row.window_start.getTime(), doc?.status, doc?.raw_status, doc?.change, doc?.rate, doc?.baseline_id];
    });
    const fromBatch = batchWindows.map((row) => [
      row.instrument_id,
      row.window_start.getTime(),
      row.status,
      row.raw_status,
      row.change_value,
      row.rate_per_day,
      row.baseline_id,
    ]);
    expect(fromRealtime).toEqual(fromBatch);
    // The series reach every status and the rate is judged, so the comparison covers all of the machine.
    expect(new Set(fromBatch.map((w) => w[2]))).toEqual(new Set(['normal', 'alert', 'alarm', 'action']));
    expect(fromBatch.some((w) => w[0] === 'SM-1' && w[5] !== null)).toBe(true);

    const batchStatus = await local.rows<{ instrument_id: string; status: string; status_since: Date; last_window_start: Date }>(
      "SELECT instrument_id, status, status_since, last_window_start FROM instrument_status WHERE instrument_id <> 'TAIL' ORDER BY instrument_id",
    );
    const realtimeStatus = await documentsById<StatusDocument>(client, `${prefix}-status`);
    expect(
      batchStatus.map((s) => [
        s.instrument_id,
        realtimeStatus.get(s.instrument_id)?.status,
        realtimeStatus.get(s.instrument_id)?.status_since,
      ]),
    ).toEqual(batchStatus.map((s) => [s.instrument_id, s.status, s.status_since.getTime()]));
    expect(batchStatus.map((s) => s.last_window_start.getTime())).toEqual(instruments.map(() => T0 + (WINDOWS - 1) * STEP));
  });
});
