import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import { CSV_FIELD_NAMES, parseManualReadingsCsv } from '../../lambdas/domain/manual-readings-csv.js';
import { MAX_NOTE_CHARACTERS } from '../../lambdas/domain/manual-readings.js';
import { isRecordFault, readReadingRecord } from '../../lambdas/domain/reading-codec.js';
import { KinesisWriter } from '../../lambdas/poller/kinesis-writer.js';
import { ManualReadingIntake } from '../../lambdas/readings/manual-intake.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { kinesisClientFor, type KinesisLocal } from '../../local/kinesis-local.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { createActiveStream, injectPutRecordsFailures, readAllRecords, startTestKinesis } from '../support/kinesis.js';
import { deliveredRecord, piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

const WINDOW_SECONDS = 10;

let kinesis: KinesisLocal;
let local: LocalBatchDatabase;
let streamCounter = 0;
const clients: KinesisClient[] = [];

beforeAll(async () => {
  [kinesis, local] = await Promise.all([startTestKinesis({ streamName: 'manual-base', shardCount: 1 }), startLocalBatchDatabase('pglite')]);
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all([kinesis?.stop(), local?.close()]);
});

afterEach(async () => {
  await local.rows(CLEAR_BATCH_STORE);
});

/** A fresh stream with a client of its own (so injected failures stay with one test), and an intake writing to it. */
async function freshIntake(now: () => number = Date.now) {
  streamCounter++;
  const streamName = `manual-${streamCounter}`;
  await createActiveStream(kinesis.client, streamName, 1);
  const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
  clients.push(client);
  const writer = new KinesisWriter({ client, streamName, maxAttempts: 2, sleep: async () => undefined });
  return { streamName, client, intake: new ManualReadingIntake({ db: local.db, writer, now }) };
}

function batchOptions() {
  return {
    store: new AuroraBatchStore(local.db, WINDOW_SECONDS),
    alarms: new AlarmStore(local.db),
    windowSeconds: WINDOW_SECONDS,
    allowedLatenessMs: 0,
  };
}

/** Runs the batch processor over records as one Lambda window: one invocation, then the final one. */
async function processWindow(records: ReturnType<typeof streamRecord>[]): Promise<void> {
  const outcome = await processBatch(windowEvent(records, {}, false), batchOptions());
  expect(outcome.response.batchItemFailures).toEqual([]);
  await processBatch(windowEvent([], (outcome.response as TumblingWindowResponse).state, true), batchOptions());
}

/** The manual readings on the stream, delivered to the batch processor as Lambda would. */
async function processStream(client: KinesisClient, streamName: string): Promise<void> {
  await processWindow((await readAllRecords(client, streamName)).map(deliveredRecord));
}

/** A polled piezometer history that puts BH-1 in the registry, with a baseline of 100 kPa over five windows from `start`. */
async function pollBaseline(instrumentId: string, start: number): Promise<void> {
  const readings = [0, 1, 2, 3, 4].map((k) => piezometerReading(instrumentId, start + k * 10_000 + 1_000, 100));
  await processWindow(readings.map((reading, i) => streamRecord(reading, i)));
}

/** Window starts aligned to the window length, a little before now so nothing is in the future. */
function alignedPast(minutesAgo: number): number {
  const at = Date.now() - minutesAgo * 60_000;
  return at - (at % (WINDOW_SECONDS * 1000));
}

describe('manual readings through the pipeline (kinesis-local, PGlite)', () => {
  it('reach the store with source manual, their author and note, and are averaged and judged like polled readings', async () => {
    const start = alignedPast(5);
    await pollBaseline('BH-1', start);
    const { intake, client, streamName } = await freshIntake();
    // Window 6 after the baseline: one reading of 160 kPa (+60: alarm, not yet confirmed). Window 7: two re-reads,
    // mean 162 kPa (+62), confirming the alarm.
    const at = (window: number, second: number) => new Date(start + window * 10_000 + second * 1000).toISOString();
    const result = await intake.submit(
      {
        rows: [
          { row: 1, instrumentId: 'BH-1', observedAt: at(6, 2), value: 160, note: 'dipped by hand, logger down' },
          { row: 2, instrumentId: 'BH-1', observedAt: at(7, 1), value: '161.5' },
          { row: 3, instrumentId: 'BH-1', observedAt: at(7, 6), value: 162.5 },
        ],
      },
      'engineer@example.com',
    );
    expect(result).toEqual({ received: 3, accepted: 3, rejected: [] });

    const records = await readAllRecords(client, streamName);
    expect(records.map((r) => r.partitionKey)).toEqual(['BH-1', 'BH-1', 'BH-1']);
    const decoded = readReadingRecord(records[0]!.data.toString('base64'));
    if (isRecordFault(decoded)) throw new Error(decoded.fault);
    expect(decoded).toMatchObject({ type: 'piezometer', surfaceLevel: 90, northing: 5_813_000, easting: 320_000, source: 'manual' });

    await processStream(client, streamName);
    expect(
      await local.rows(
        "SELECT value, source, author, note FROM readings WHERE instrument_id = 'BH-1' AND source = 'manual' ORDER BY observed_at",
      ),
    ).toEqual([
      { value: 160, source: 'manual', author: 'engineer@example.com', note: 'dipped by hand, logger down' },
      { value: 161.5, source: 'manual', author: 'engineer@example.com', note: null },
      { value: 162.5, source: 'manual', author: 'engineer@example.com', note: null },
    ]);
    expect(await local.rows("SELECT count(*)::int AS n FROM readings WHERE source = 'poll' AND author IS NULL")).toEqual([{ n: 5 }]);
    const windows = await local.rows<{ k: number; reading_count: number; mean: number; status: string; change_value: number }>(
      `SELECT ((extract(epoch FROM window_start) * 1000 - ${start}) / 10000)::int AS k, reading_count, mean, status, change_value
       FROM window_aggregates WHERE instrument_id = 'BH-1' AND window_start >= '${at(6, 0)}' ORDER BY window_start`,
    );
    expect(windows).toEqual([
      { k: 6, reading_count: 1, mean: 160, status: 'normal', change_value: 60 },
      { k: 7, reading_count: 2, mean: 162, status: 'alarm', change_value: 62 },
    ]);
    expect(await local.rows("SELECT from_status, to_status, window_mean FROM trigger_events WHERE instrument_id = 'BH-1'")).toEqual([
      { from_status: 'normal', to_status: 'alarm', window_mean: 162 },
    ]);
    // And the change opens an alarm, as a polled one would.
    const open = await new AlarmStore(local.db).listAlarms({ state: 'open', instrumentId: 'BH-1' });
    expect(open.alarms.map((alarm) => [alarm.level, alarm.openedAt])).toEqual([['alarm', Date.parse(at(7, 0))]]);
  });

  it('answers every bad row with its reason, field and detail, and puts only the good ones', async () => {
    const start = alignedPast(5);
    await pollBaseline('BH-2', start);
    const now = Date.now();
    const { intake, client, streamName } = await freshIntake(() => now);
    const time = (seconds: number) => new Date(start + seconds * 1000).toISOString();
    const csv = [
      'instrument_id,observed_at,value,note',
      `BH-2,${time(61)},101.5,good`, // 1
      `BH-404,${time(62)},101,`, // 2 unknown instrument
      `BH-2,${time(63)},dry,`, // 3 not a number
      `BH-2,${time(64)},99999,`, // 4 outside the physical range
      `BH-2,${time(65).replace('Z', '')},101,`, // 5 no time zone
      `BH-2,${new Date(now + 10 * 60_000).toISOString()},101,`, // 6 in the future
      `BH-2,${time(61)},101.7,`, // 7 same time as row 1
      `BH-2,${time(1)},100,`, // 8 same time as a stored polled reading
      `BH-2,${time(66)},101,${'n'.repeat(MAX_NOTE_CHARACTERS + 1)}`, // 9 note too long
      `BH-2,${time(67)},101,a,b`, // 10 five fields
      `,${time(68)},101,`, // 11 no instrument
      `BH-2,${time(69)},102,"second good, with a comma"`, // 12
    ].join('\n');
    const parsed = parseManualReadingsCsv(csv);
    if (!parsed.ok) throw new Error(parsed.detail);
    const result = await intake.submit({ rows: parsed.rows, rejected: parsed.rejected, fields: CSV_FIELD_NAMES }, 'engineer');
    expect(result.received).toBe(12);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.row, r.instrumentId, r.reason, r.field])).toEqual([
      [2, 'BH-404', 'unknown_instrument', 'instrument_id'],
      [3, 'BH-2', 'non_numeric_reading', 'value'],
      [4, 'BH-2', 'out_of_range', 'value'],
      [5, 'BH-2', 'invalid_timestamp', 'observed_at'],
      [6, 'BH-2', 'future_timestamp', 'observed_at'],
      [7, 'BH-2', 'duplicate_time', 'observed_at'],
      [8, 'BH-2', 'duplicate_time', 'observed_at'],
      [9, 'BH-2', 'note_too_long', 'note'],
      [10, 'BH-2', 'malformed_item', null],
      [11, null, 'empty_field', 'instrument_id'],
    ]);
    for (const rejection of result.rejected) expect(rejection.detail.length).toBeGreaterThan(10);
    expect(result.rejected.find((r) => r.row === 8)?.detail).toBe(
      `BH-2 already has a stored reading at ${new Date(start + 1000).toISOString()}`,
    );

    await processStream(client, streamName);
    expect(await local.rows("SELECT value, note FROM readings WHERE source = 'manual' ORDER BY observed_at")).toEqual([
      { value: 101.5, note: 'good' },
      { value: 102, note: 'second good, with a comma' },
    ]);
    // The stored polled reading at row 8's time is untouched.
    expect(await local.rows(`SELECT value, source FROM readings WHERE observed_at = '${time(1)}'`)).toEqual([
      { value: 100, source: 'poll' },
    ]);
  });

  it('answers a reading the stream refuses on every attempt as put_failed for its row', async () => {
    const start = alignedPast(5);
    await pollBaseline('BH-3', start);
    const { intake, client, streamName } = await freshIntake();
    const refusedAt = new Date(start + 62_000).toISOString();
    injectPutRecordsFailures(client, (entry) =>
      Buffer.from(entry.Data ?? new Uint8Array())
        .toString()
        .includes(`"t":${Date.parse(refusedAt)}`),
    );
    const result = await intake.submit(
      {
        rows: [
          { row: 1, instrumentId: 'BH-3', observedAt: new Date(start + 61_000).toISOString(), value: 100 },
          { row: 2, instrumentId: 'BH-3', observedAt: refusedAt, value: 100 },
        ],
      },
      'engineer',
    );
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      {
        row: 2,
        instrumentId: 'BH-3',
        reason: 'put_failed',
        field: null,
        detail: expect.stringMatching(/refused the reading 2 times: ProvisionedThroughputExceededException: .*send the row again/),
      },
    ]);
    expect(await readAllRecords(client, streamName)).toHaveLength(1);
  });
});
