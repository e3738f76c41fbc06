import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quantise, toMicroUnits } from '../../lambdas/domain/reading.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { AuroraPartitionProgress } from '../../lambdas/batch/aurora-partition-progress.js';
import { BATCH_CONSUMER, processBatch, processBatchKafka, type BatchProcessorDeps } from '../../lambdas/batch/batch-processor.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { kafkaEvent, kafkaRecord } from '../support/kafka-events.js';
import { piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

const WINDOW_SECONDS = 10;
const T0 = Date.parse('2026-02-01T00:00:00Z');

let local: LocalBatchDatabase;

function withEngine(engine: Engine) {
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
  });
  afterAll(async () => {
    await local?.close();
  });
  afterEach(async () => {
    await local.rows(CLEAR_BATCH_STORE);
  });
}

function options() {
  return {
    store: new AuroraBatchStore(local.db, WINDOW_SECONDS),
    alarms: new AlarmStore(local.db),
    windowSeconds: WINDOW_SECONDS,
    allowedLatenessMs: 0,
  };
}

/** Every alarm step, as `<instrument>:<kind>:<level after>` in order, with the alarm it belongs to. */
async function alarmSteps() {
  const rows = await local.rows<{ alarm_id: string; instrument_id: string; kind: string; level_after: string }>(
    'SELECT t.alarm_id, a.instrument_id, t.kind, t.level_after FROM alarm_steps t JOIN alarms a USING (alarm_id) ORDER BY a.instrument_id, a.opened_at, t.step_no',
  );
  return rows.map((r) => `${r.instrument_id}:${r.kind}:${r.level_after}`);
}

/** Runs a Lambda window over `batches` of records: each batch one invocation, then the final one. */
async function runWindow(batches: ReturnType<typeof streamRecord>[][]): Promise<void> {
  let state: unknown = {};
  for (const records of batches) {
    const outcome = await processBatch(windowEvent(records, state, false), options());
    state = (outcome.response as TumblingWindowResponse).state;
  }
  await processBatch(windowEvent([], state, true), options());
}

/** A record in either stream: its payload, its position (sequence or offset) and when it reached the stream. */
interface Rec {
  readonly payload: Reading | string;
  readonly seq: number;
  readonly arrivalMs?: number;
}

function rec(payload: Reading | string, seq: number, arrivalMs?: number): Rec {
  return { payload, seq, arrivalMs };
}

interface Delivered {
  readonly rejected: number;
  readonly response: { readonly batchItemFailures: readonly unknown[] };
}

/**
 * A reading of another instrument at `observedAt`, later than the readings before it: on Kafka it
 * moves the partition's watermark on, completing their windows (on Kinesis the final invocation does).
 */
function tail(observedAt: number, seq = 1_000_000): Rec {
  return rec(piezometerReading('BH-TAIL', observedAt, 1), seq);
}

/** How the records reach the batch processor: the same expectations hold on both stream kinds. */
interface StreamKind {
  readonly name: string;
  /** Delivers `batches`, each one invocation, and completes what the stream completes at the end of such a run. */
  run(batches: readonly Rec[][], deps?: BatchProcessorDeps): Promise<void>;
  /** One invocation with `records`, nothing more. */
  deliver(records: readonly Rec[], deps?: BatchProcessorDeps): Promise<Delivered>;
  /** The id a poison record is quarantined under. */
  readonly quarantineId: RegExp;
  /**
   * Whether a run writes the aggregates of windows that are not yet complete: Kinesis writes every
   * touched window at the Lambda window's close; Kafka writes a window once its partition's watermark completes it.
   */
  readonly writesIncompleteWindows: boolean;
}

const KINESIS: StreamKind = {
  name: 'Kinesis (tumbling windows)',
  async run(batches, deps = options()) {
    let state: unknown = {};
    for (const records of batches) {
      const outcome = await processBatch(windowEvent(records.map(toStreamRecord), state, false), deps);
      state = outcome.response.state;
    }
    await processBatch(windowEvent([], state, true), deps);
  },
  deliver: (records, deps = options()) => processBatch(windowEvent(records.map(toStreamRecord), {}, false), deps),
  quarantineId: /^shardId-000000000000\/\d+$/,
  writesIncompleteWindows: true,
};

const KAFKA: StreamKind = {
  name: 'Kafka (partition watermarks)',
  async run(batches, deps) {
    for (const records of batches) await KAFKA.deliver(records, deps);
  },
  deliver: (records, deps = options()) => processBatchKafka(kafkaEvent(records.map(toKafkaRecord)), { ...deps, progress: progress() }),
  quarantineId: /^readings-0@\d+$/,
  writesIncompleteWindows: false,
};

function toStreamRecord(r: Rec) {
  return streamRecord(r.payload, r.seq, r.arrivalMs);
}

function toKafkaRecord(r: Rec) {
  return kafkaRecord(r.payload, r.seq, r.arrivalMs);
}

function progress() {
  return new AuroraPartitionProgress(local.db, BATCH_CONSUMER, WINDOW_SECONDS);
}

async function aggregates() {
  return local.rows<{
    instrument_id: string;
    window_start: Date;
    reading_count: number;
    sum_micro: string;
    mean: number;
    min_value: number;
    max_value: number;
  }>(
    'SELECT instrument_id, window_start, reading_count, sum_micro::text AS sum_micro, mean, min_value, max_value, first_observed_at, last_observed_at, evaluated FROM window_aggregates ORDER BY instrument_id, window_start',
  );
}

async function snapshot() {
  return {
    instruments: await local.rows('SELECT * FROM instruments ORDER BY instrument_id'),
    readings: await local.rows('SELECT instrument_id, observed_at, value_micro FROM readings ORDER BY instrument_id, observed_at'),
    windows: await aggregates(),
    status: await local.rows('SELECT * FROM instrument_status ORDER BY instrument_id'),
    events: await local.rows(
      'SELECT instrument_id, window_start, from_status, to_status, window_mean FROM trigger_events ORDER BY instrument_id, window_start',
    ),
  };
}

/** Brute force: group the readings by instrument and window, exact sums in BigInt. */
function expectedAggregates(readings: readonly Reading[]) {
  const groups = new Map<string, { id: string; start: number; count: number; sum: bigint; min: number; max: number }>();
  for (const r of readings) {
    const start = r.observedAt - (r.observedAt % (WINDOW_SECONDS * 1000));
    const key = `${r.instrumentId}|${start}`;
    const g = groups.get(key) ?? { id: r.instrumentId, start, count: 0, sum: 0n, min: Infinity, max: -Infinity };
    g.count += 1;
    g.sum += BigInt(toMicroUnits(r.value));
    g.min = Math.min(g.min, r.value);
    g.max = Math.max(g.max, r.value);
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.id.localeCompare(b.id) || a.start - b.start)
    .map((g) => ({
      instrument_id: g.id,
      window_start: new Date(g.start),
      reading_count: g.count,
      sum_micro: g.sum.toString(),
      min_value: g.min,
      max_value: g.max,
      trueMean: Number(g.sum) / 1e6 / g.count,
    }));
}

const readingsArb = fc
  .array(
    fc.record({
      id: fc.constantFrom('BH-1', 'BH-2', 'BH-3'),
      offset: fc.integer({ min: 0, max: 45_000 }),
      micro: fc.integer({ min: 20_000_000, max: 140_000_000 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((rows) => {
    const unique = new Map(rows.map((r) => [`${r.id}@${r.offset}`, piezometerReading(r.id, T0 + r.offset, r.micro / 1e6)]));
    return [...unique.values()].sort((a, b) => a.observedAt - b.observedAt);
  });

/** The expectations that hold on both stream kinds, for the same readings. */
function streamSuite(kind: StreamKind) {
  it('stores window aggregates equal to a brute-force recomputation, with the exact mean', async () => {
    const readings = [1, 2, 3, 4, 5, 6, 7].map((k) => piezometerReading('BH-9', T0 + k * 2_100, quantise(50 + k / 3)));
    await kind.run([readings.map((r, i) => rec(r, i))]);
    // Kafka closes a window once its partition's watermark (the latest reading time) passes its end: not the last one.
    const watermark = readings.at(-1)!.observedAt;
    const expected = expectedAggregates(readings).filter(
      (w) => kind.writesIncompleteWindows || w.window_start.getTime() + WINDOW_SECONDS * 1000 <= watermark,
    );
    expect(expected.length).toBeGreaterThan(0);
    const stored = await aggregates();
    expect(stored.map(({ mean: _m, ...rest }) => rest)).toMatchObject(expected.map(({ trueMean: _t, ...rest }) => rest));
    stored.forEach((row, i) => expect(row.mean).toBeCloseTo(expected[i]!.trueMean, 9));
  });

  it('gives identical tables whether records come in one batch, many, across two Lambda windows, twice, or retried', async () => {
    await fc.assert(
      fc.asyncProperty(readingsArb, fc.array(fc.nat(), { maxLength: 5 }), async (readings, cuts) => {
        const records = readings.map((r, i) => rec(r, i));
        await kind.run([records]);
        const baseline = await snapshot();
        await local.rows(CLEAR_BATCH_STORE);

        const boundaries = [...new Set(cuts.map((c) => c % (records.length + 1)))].sort((a, b) => a - b);
        const batches: Rec[][] = [];
        let from = 0;
        for (const to of [...boundaries, records.length]) {
          batches.push(records.slice(from, to));
          from = to;
        }
        const middle = Math.floor(batches.length / 2);
        await kind.run(batches.slice(0, middle));
        await kind.run(batches.slice(middle));
        // Redelivery of everything, and a retried invocation of the last batch.
        await kind.run([records]);
        const last = batches.at(-1)!;
        await kind.deliver(last);
        expect(await snapshot()).toEqual(baseline);
        await local.rows(CLEAR_BATCH_STORE);
      }),
      { numRuns: 12 },
    );
  });

  it('quarantines a poison record with its reason and keeps the rest of the batch moving', async () => {
    const good = piezometerReading('BH-5', T0 + 1_000, 80);
    const poison = JSON.stringify({ v: 1, id: 'BH-6', type: 'piezometer', value: 1e7, t: T0 + 1_000 });
    const outcome = await kind.deliver([rec(good, 1), rec(poison, 2), rec('not json', 3)]);
    expect(outcome.response.batchItemFailures).toEqual([]);
    expect(outcome.rejected).toBe(2);
    expect(await local.rows('SELECT instrument_id FROM readings')).toEqual([{ instrument_id: 'BH-5' }]);
    const quarantined = await local.rows<{ quarantine_id: string; reason: string; detail: string; raw: string }>(
      'SELECT quarantine_id, reason, detail, raw FROM quarantined_readings ORDER BY quarantine_id',
    );
    expect(quarantined.map((q) => q.reason)).toEqual(['undecodable_record', 'undecodable_record']);
    expect(quarantined[0]!.detail).toMatch(/outside -100..3000/);
    expect(quarantined[0]!.quarantine_id).toMatch(kind.quarantineId);
    expect(quarantined[1]!.raw).toBe('not json');
    await kind.deliver([rec(poison, 2)]);
    expect(await local.rows('SELECT count(*)::int AS n FROM quarantined_readings')).toEqual([{ n: 2 }]);
  });

  it('fails the invocation during a database outage and loses nothing once the retry succeeds', async () => {
    const readings = [1, 2, 3].map((k) => piezometerReading('BH-7', T0 + k * 1_000, 60 + k));
    const records = [...readings.map((r, i) => rec(r, i)), tail(T0 + 10_000, 3)];
    await local.stopEndpoint();
    await expect(kind.deliver(records)).rejects.toThrow();
    await local.restartEndpoint();
    await kind.run([records]);
    expect((await aggregates()).filter((w) => w.instrument_id === 'BH-7')).toMatchObject([
      { instrument_id: 'BH-7', reading_count: 3, mean: 62 },
    ]);
  });

  it('records each trigger-status change once and applies it to its alarm once, in event-time order', async () => {
    // Piezometer, default rule: change from baseline, alert +30, alarm +50, action +70 kPa, two windows to confirm.
    // Windows 0-4 at 100 kPa set the baseline (mean of the first 5 readings) = 100. Windows 5-6 at 135 (+35): alert,
    // confirmed at 6. Windows 7-8 at 155 (+55): alarm, confirmed at 8. Window 9 at 110 (+10): normal at once.
    const means = [100, 100, 100, 100, 100, 135, 135, 155, 155, 110];
    const readings = means.map((mean, k) => piezometerReading('BH-8', T0 + k * 10_000 + 1_000, mean));
    const tail = piezometerReading('BH-8', T0 + means.length * 10_000 + 1_000, 110);
    const records = [...readings, tail].map((r, i) => rec(r, i));
    await kind.run([records.slice(0, 6), records.slice(6)]);
    const events = await local.rows<{ window_start: Date; from_status: string; to_status: string }>(
      'SELECT window_start, from_status, to_status FROM trigger_events ORDER BY window_start',
    );
    expect(events.map((e) => `${(e.window_start.getTime() - T0) / 10_000}:${e.from_status}->${e.to_status}`)).toEqual([
      '6:normal->alert',
      '8:alert->alarm',
      '9:alarm->normal',
    ]);
    expect(await alarmSteps()).toEqual(['BH-8:opened:alert', 'BH-8:escalated:alarm', 'BH-8:cleared:normal']);
    const page = await new AlarmStore(local.db).listAlarms({ instrumentId: 'BH-8' });
    expect(page.alarms).toHaveLength(1);
    const [alarm] = page.alarms;
    expect(alarm).toMatchObject({
      alarmId: `BH-8@${new Date(T0 + 60_000).toISOString()}`,
      state: 'cleared',
      level: 'alarm',
      peakLevel: 'alarm',
      openedAt: T0 + 60_000,
      clearedAt: T0 + 90_000,
      instrumentType: 'piezometer',
      unit: 'kPa',
    });
    expect(alarm!.history[1]!.change).toMatchObject({
      changeKey: `BH-8@${T0 + 80_000}:alert-alarm`,
      mean: 155,
      change: 55,
      baseline: { id: 'initial', value: 100 },
      cause: 'level:rise',
      late: false,
      levels: { alert: 30, alarm: 50, action: 70 },
    });
    expect(await local.rows('SELECT count(*)::int AS n FROM trigger_events WHERE notified_at IS NULL')).toEqual([{ n: 0 }]);
    expect(await local.rows('SELECT baseline_id, source, value FROM instrument_baselines')).toEqual([
      { baseline_id: 'initial', source: 'initial', value: 100 },
    ]);
    const judged = await local.rows<{ status: string | null; change_value: number | null }>(
      'SELECT status, change_value FROM window_aggregates ORDER BY window_start',
    );
    expect(judged.map((w) => [w.status, w.change_value])).toEqual([
      ['normal', null],
      ['normal', null],
      ['normal', null],
      ['normal', null],
      ['normal', null],
      ['normal', 35],
      ['alert', 35],
      ['alert', 55],
      ['alarm', 55],
      ['normal', 10],
      // The tail's window is not complete by the watermark: written unjudged on Kinesis, not yet written on Kafka.
      ...(kind.writesIncompleteWindows ? [[null, null]] : []),
    ]);

    await kind.run([records]);
    expect(await alarmSteps()).toEqual(['BH-8:opened:alert', 'BH-8:escalated:alarm', 'BH-8:cleared:normal']);
    expect(await local.rows('SELECT status FROM instrument_status')).toEqual([{ status: 'normal' }]);
  });

  it('records a one-window excursion as an unconfirmed spike and notifies nothing', async () => {
    const means = [100, 100, 100, 100, 100, 190, 100, 100];
    const records = means.map((mean, k) => rec(piezometerReading('BH-S', T0 + k * 10_000 + 1_000, mean), k));
    await kind.run([records]);
    expect(await local.rows('SELECT * FROM trigger_events')).toEqual([]);
    expect(await local.rows('SELECT * FROM alarms')).toEqual([]);
    const spikes = await local.rows<{ since: Date; until: Date; peak_status: string; cause: string }>(
      'SELECT since, until, peak_status, cause FROM unconfirmed_spikes',
    );
    expect(spikes).toEqual([{ since: new Date(T0 + 50_000), until: new Date(T0 + 60_000), peak_status: 'action', cause: 'level:rise' }]);
  });

  it('judges a back-filled alarm late, in event time, and applies it to an alarm once even when replayed', async () => {
    // Windows 0-9 and 12-14 at 100 kPa arrive and are judged; windows 10-11 (a comms outage) arrive later at 160 (+60).
    const at = (k: number, mean: number, seq: number) =>
      rec(piezometerReading('BH-L', T0 + k * 10_000 + 1_000, mean), seq, T0 + (seq < 20 ? k * 10_000 + 2_000 : 300_000));
    const onTime = [...Array.from({ length: 10 }, (_, k) => at(k, 100, k)), ...[12, 13, 14, 15].map((k) => at(k, 100, k))];
    await kind.run([onTime]);
    expect(await alarmSteps()).toEqual([]);
    const backFill = [at(10, 160, 20), at(11, 160, 21)];
    await kind.run([backFill]);
    const [alarm] = (await new AlarmStore(local.db).listAlarms({ instrumentId: 'BH-L' })).alarms;
    expect(alarm!.history.map((step) => [(step.change.windowStart - T0) / 10_000, step.kind, step.change.late])).toEqual([
      [11, 'opened', true],
      [12, 'cleared', true],
    ]);
    expect(await local.rows('SELECT delay_seconds > 0 AS delayed FROM trigger_events ORDER BY window_start LIMIT 1')).toEqual([
      { delayed: true },
    ]);
    await kind.run([backFill]);
    expect(await alarmSteps()).toEqual(['BH-L:opened:alarm', 'BH-L:cleared:normal']);
    const late = await local.rows<{ correction: string; to_status: string }>(
      'SELECT correction, to_status FROM report_late_corrections ORDER BY changed_at',
    );
    expect(late).toEqual([
      { correction: 'late', to_status: 'alarm' },
      { correction: 'late', to_status: 'normal' },
    ]);
  });

  it('evaluates more pending windows than one Data API response can carry, in order across pages', async () => {
    // 3 instruments x 900 windows = 2 700 pending windows: over 1 MiB as one response, so it takes pages.
    // Each goes to alarm at window 601 (two windows at +60 kPa), back to normal at 602, and to alarm again at 899.
    const ids = ['BH-P1', 'BH-P2', 'BH-P3'];
    const high = new Set([600, 601, 898, 899]);
    const readings = ids.flatMap((id) =>
      Array.from({ length: 900 }, (_, k) => piezometerReading(id, T0 + k * 10_000 + 500, high.has(k) ? 160 : 100)),
    );
    const records = [...readings.map((r, i) => rec(r, i, T0 + 10_000_000)), tail(T0 + 9_000_500)];
    await kind.run([records.slice(0, 1_400), records.slice(1_400)]);
    expect(await local.rows('SELECT count(*)::int AS n FROM window_aggregates WHERE NOT evaluated')).toEqual([{ n: 0 }]);
    const events = await local.rows<{ instrument_id: string; n: number }>(
      'SELECT instrument_id, count(*)::int AS n FROM trigger_events GROUP BY 1 ORDER BY 1',
    );
    expect(events).toEqual(ids.map((id) => ({ instrument_id: id, n: 3 })));
    // Per instrument: an alarm opened at 601 and cleared at 602, and another opened at 899.
    expect(await alarmSteps()).toEqual(ids.flatMap((id) => [`${id}:opened:alarm`, `${id}:cleared:normal`, `${id}:opened:alarm`]));
  });
}

/** Lambda's tumbling windows on Kinesis: their state, early ends, and the arrival-time watermark. */
function kinesisSuite() {
  it('counts a window named twice in one close once', async () => {
    const store = new AuroraBatchStore(local.db, WINDOW_SECONDS);
    const key = { instrumentId: 'BH-D', windowStart: T0 };
    const sourced = (offset: number, value: number, sequence: number) => ({
      reading: piezometerReading('BH-D', T0 + offset, value),
      shardId: 'shardId-000000000000',
      sequenceNumber: String(sequence),
      arrivedAt: T0 + offset + 500,
    });
    await store.writeBatch([sourced(1_000, 60, 1), sourced(4_000, 62, 2)], []);
    await store.finaliseWindows([key, key], 'shardId-000000000000', T0 + 60_000);
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-D', reading_count: 2, sum_micro: '122000000', mean: 61 }]);
  });

  it('completes the touched windows when Lambda ends the window early', async () => {
    const reading = piezometerReading('BH-E', T0 + 1_000, 70);
    const event = { ...windowEvent([streamRecord(reading, 1)], {}, false), isWindowTerminatedEarly: true };
    const outcome = await processBatch(event, options());
    expect(outcome.response.state).toEqual({});
    expect(outcome.closed?.windowsWritten).toBe(1);
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-E', reading_count: 1, mean: 70 }]);
  });

  it('completes the windows carried in the state at an empty final invocation', async () => {
    const first = await processBatch(windowEvent([streamRecord(piezometerReading('BH-F', T0 + 2_000, 71), 1)], {}, false), options());
    expect(await aggregates()).toEqual([]);
    const final = await processBatch(windowEvent([], first.response.state, true), options());
    expect(final).toMatchObject({ records: 0, closed: { windowsWritten: 1 } });
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-F', reading_count: 1, mean: 71 }]);
  });

  it('quarantines a state it cannot restore, keeps the shard moving and still completes the windows it names', async () => {
    const stale = {
      windows: { v: 1, w: 30, p: [['BH-G', T0 / 1000, 1, 72_000_000, 72_000_000, 72_000_000, 4_000, 4_000]] },
      arrivedUpTo: 0,
    };
    // The reading the stale state names was stored when it arrived, by an invocation of the previous deployment.
    await processBatch(windowEvent([streamRecord(piezometerReading('BH-G', T0 + 4_000, 72), 1)], {}, false), options());
    const outcome = await processBatch(windowEvent([streamRecord(piezometerReading('BH-G', T0 + 5_000, 74), 2)], stale, true), options());
    expect(outcome.rejected).toBe(1);
    const [row] = await local.rows<{ reason: string; detail: string; source: string }>(
      'SELECT reason, detail, source FROM quarantined_readings',
    );
    expect(row).toMatchObject({ reason: 'undecodable_record', source: expect.stringMatching(/^shardId-000000000000\/state /) });
    expect(row!.detail).toMatch(/built with 30 s windows/);
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-G', reading_count: 2, mean: 73 }]);
  });

  it('stores a batch of only poison records as rejections and writes no window', async () => {
    const outcome = await processBatch(windowEvent([streamRecord('garbage', 1), streamRecord('{"v":1}', 2)], {}, true), options());
    expect(outcome).toMatchObject({ readings: 0, rejected: 2, closed: { windowsWritten: 0, alarmStepsApplied: 0 } });
    expect(await local.rows('SELECT count(*)::int AS n FROM quarantined_readings')).toEqual([{ n: 2 }]);
    expect(await aggregates()).toEqual([]);
  });

  it("judges again, never drops, the windows judged beyond a late batch's watermark", async () => {
    // Windows 0-9 arrive on time (baseline 100 kPa, +60 in windows 5-6) and are judged: an alarm opens and clears.
    const means = [100, 100, 100, 100, 100, 160, 160, 100, 100, 100];
    await runWindow([
      means.map((mean, k) => streamRecord(piezometerReading('BH-W', T0 + k * 10_000 + 1_000, mean), k, T0 + k * 10_000 + 2_000)),
    ]);
    const judged = await local.rows('SELECT window_start, from_status, to_status, withdrawn_at FROM trigger_events ORDER BY window_start');
    expect(judged).toHaveLength(2);
    // Window 9 waits for a watermark past its end (100 s); the rest are judged.
    const pending = `SELECT ((extract(epoch FROM window_start) * 1000 - ${T0}) / 1000)::int AS at FROM window_aggregates WHERE NOT evaluated`;
    expect(await local.rows(pending)).toEqual([{ at: 90 }]);
    // A batch delivered late (a retry of an old one) re-reads window 1: its arrivals, and so its watermark (21 s), are
    // behind windows 2-9, judged already. Judging window 1 again must judge them too, not withdraw their changes.
    await runWindow([[streamRecord(piezometerReading('BH-W', T0 + 11_500, 100), 10, T0 + 21_000)]]);
    expect(await local.rows(pending)).toEqual([{ at: 90 }]);
    expect(await local.rows('SELECT window_start, from_status, to_status, withdrawn_at FROM trigger_events ORDER BY window_start')).toEqual(
      judged,
    );
    expect(await alarmSteps()).toEqual(['BH-W:opened:alarm', 'BH-W:cleared:normal']);
  });

  it('waits for a window to be complete by the watermark before judging it', async () => {
    const late = { ...options(), allowedLatenessMs: 30_000 };
    const run = (records: ReturnType<typeof streamRecord>[]) =>
      processBatch(windowEvent(records, {}, false), late).then((o) => processBatch(windowEvent([], o.response.state, true), late));
    // Baseline 100 kPa from windows 0-4, then +60 in windows 5-6: alarm once window 6 is judged.
    const means = [100, 100, 100, 100, 100, 160, 160];
    await run(means.map((mean, k) => streamRecord(piezometerReading('BH-4', T0 + k * 10_000 + 1_000, mean), k)));
    // Arrivals reached 61 s: the watermark is 31 s, so only windows 0-2 are judged.
    expect(await local.rows('SELECT count(*)::int AS n FROM window_aggregates WHERE evaluated')).toEqual([{ n: 3 }]);
    expect(await local.rows('SELECT * FROM trigger_events')).toEqual([]);
    await run([streamRecord(piezometerReading('BH-4', T0 + 105_000, 100), 9)]);
    expect(await local.rows<{ to_status: string }>('SELECT to_status FROM trigger_events ORDER BY window_start')).toEqual([
      { to_status: 'alarm' },
    ]);
  });
}

/** Window completion from the records themselves on Kafka: per-partition watermarks, persisted pending windows. */
function kafkaSuite() {
  const pendingWindows = () =>
    local.rows<{ topic_partition: string; instrument_id: string; at: number }>(
      `SELECT topic_partition, instrument_id, ((extract(epoch FROM window_start) * 1000 - ${T0}) / 1000)::int AS at
       FROM stream_pending_windows ORDER BY 1, 2, 3`,
    );
  const watermarks = () =>
    local.rows<{ topic_partition: string; at: number }>(
      `SELECT topic_partition, ((extract(epoch FROM watermark) * 1000 - ${T0}))::int AS at FROM stream_partition_progress ORDER BY 1`,
    );

  it("closes a window only once its partition's watermark is the allowed lateness past its end, across invocations", async () => {
    const late = { ...options(), allowedLatenessMs: 30_000 };
    await KAFKA.deliver([rec(piezometerReading('BH-K', T0 + 1_000, 60), 0)], late);
    // The window [0, 10 s) needs a reading at 10 + 30 = 40 s; 39.999 s is not enough.
    await KAFKA.deliver([rec(piezometerReading('BH-K', T0 + 5_000, 64), 1), rec(piezometerReading('BH-K', T0 + 39_999, 70), 2)], late);
    expect(await aggregates()).toEqual([]);
    expect(await pendingWindows()).toEqual([
      { topic_partition: 'readings-0', instrument_id: 'BH-K', at: 0 },
      { topic_partition: 'readings-0', instrument_id: 'BH-K', at: 30 },
    ]);
    expect(await watermarks()).toEqual([{ topic_partition: 'readings-0', at: 39_999 }]);

    const outcome = await KAFKA.deliver([rec(piezometerReading('BH-K', T0 + 40_000, 71), 3)], late);
    expect(outcome.response.batchItemFailures).toEqual([]);
    // The readings of both invocations count towards it, and it is judged (complete by the watermark).
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-K', reading_count: 2, mean: 62, evaluated: true }]);
    expect((await pendingWindows()).map((w) => w.at)).toEqual([30, 40]);
  });

  it("keeps each partition's watermark to itself", async () => {
    const deps = { ...options(), progress: progress() };
    await processBatchKafka(
      kafkaEvent([
        kafkaRecord(piezometerReading('BH-A', T0 + 1_000, 50), 0, undefined, 0),
        kafkaRecord(piezometerReading('BH-B', T0 + 100_000, 55), 0, undefined, 1),
      ]),
      deps,
    );
    // Partition 1 has seen 100 s, but BH-A's window is on partition 0, whose watermark is 1 s.
    expect(await aggregates()).toEqual([]);
    expect(await watermarks()).toEqual([
      { topic_partition: 'readings-0', at: 1_000 },
      { topic_partition: 'readings-1', at: 100_000 },
    ]);
    await processBatchKafka(kafkaEvent([kafkaRecord(piezometerReading('BH-A', T0 + 20_000, 52), 1, undefined, 0)]), deps);
    expect(await aggregates()).toMatchObject([{ instrument_id: 'BH-A', reading_count: 1, mean: 50 }]);
  });

  it('changes nothing when an event is delivered again or the partition is replayed from offset 0', async () => {
    const means = [100, 100, 100, 100, 100, 135, 135, 155, 155, 110, 110];
    const records = means.map((mean, k) => rec(piezometerReading('BH-R', T0 + k * 10_000 + 1_000, mean), k));
    const events = [records.slice(0, 4), records.slice(4, 8), records.slice(8)];
    await KAFKA.run(events);
    const state = async () => ({
      tables: await snapshot(),
      steps: await alarmSteps(),
      notifications: await local.rows('SELECT count(*)::int AS n FROM alarm_notifications'),
      pending: await pendingWindows(),
      watermarks: await watermarks(),
    });
    const before = await state();
    expect(before.steps).toEqual(['BH-R:opened:alert', 'BH-R:escalated:alarm', 'BH-R:cleared:normal']);
    expect(before.pending.map((w) => w.at)).toEqual([100]);

    await KAFKA.deliver(events[1]!);
    await KAFKA.deliver(records);
    expect(await state()).toEqual(before);
  });

  it('closes the windows a failed invocation left pending, even when that batch never comes again (a store whose close fails)', async () => {
    const store = new AuroraBatchStore(local.db, WINDOW_SECONDS);
    const failing = {
      ...options(),
      store: {
        writeBatch: store.writeBatch.bind(store),
        finaliseWindows: () => Promise.reject(new Error('database unavailable at close')),
      },
    };
    const first = [rec(piezometerReading('BH-F', T0 + 1_000, 40), 0), rec(piezometerReading('BH-F', T0 + 12_000, 42), 1)];
    await expect(KAFKA.deliver(first, failing)).rejects.toThrow('database unavailable at close');
    expect((await pendingWindows()).map((w) => w.at)).toEqual([0, 10]);
    // The event source mapping gives the batch up (on-failure destination); a later record still closes its windows.
    await KAFKA.deliver([rec(piezometerReading('BH-Z', T0 + 25_000, 10), 2)]);
    expect((await aggregates()).map((w) => [w.instrument_id, w.reading_count])).toEqual([
      ['BH-F', 1],
      ['BH-F', 1],
    ]);
    expect((await pendingWindows()).map((w) => `${w.instrument_id}@${w.at}`)).toEqual(['BH-Z@20']);
  });
}

function batchProcessorSuite(engine: Engine) {
  withEngine(engine);
  describe.each([KINESIS, KAFKA])('on $name', (kind) => streamSuite(kind));
  describe('on Kinesis only', kinesisSuite);
  describe('on Kafka only', kafkaSuite);
}

describe('batch processor into Aurora PostgreSQL (local Data API over PGlite)', () => batchProcessorSuite('pglite'));
describeWithPostgres('batch processor into Aurora PostgreSQL (local Data API over a real PostgreSQL server)', () =>
  batchProcessorSuite('postgres'),
);
