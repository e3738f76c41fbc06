import type { KinesisStreamRecord } from 'aws-lambda';
import { encodeReading } from '../lambdas/domain/reading-codec.js';
import { WindowAccumulator } from '../lambdas/domain/window-accumulator.js';
import { encodeWindowState } from '../lambdas/domain/window-state.js';
import { decodeBatch } from '../lambdas/shared/tumbling-window.js';
import { judgeWindows, type StatusMachineState, type WindowFacts } from '../lambdas/domain/status-machine.js';
import { defaultTriggerRule } from '../lambdas/domain/trigger-rules.js';
import { maxOf, meanOf, minOf } from '../lambdas/domain/window-aggregate.js';
import { medianMs, type Metric } from './metric.js';
import { SITE_INSTRUMENTS, syntheticReading } from './synthetic.js';

const BATCH = 10_000;
const WINDOW_MS = 10_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');

/** A full Kinesis batch (Lambda's largest, 10 000 records) of realistic readings. */
export function syntheticBatch(size = BATCH): KinesisStreamRecord[] {
  return Array.from({ length: size }, (_, i) => {
    const reading = syntheticReading(i);
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: reading.instrumentId,
        sequenceNumber: String(49_000_000_000_000n + BigInt(i)),
        data: Buffer.from(encodeReading(reading)).toString('base64'),
        approximateArrivalTimestamp: (T0 + i) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    };
  });
}

/** Our path: decode and validate every record, fold into exact mergeable partials. */
function foldBatch(records: readonly KinesisStreamRecord[]): WindowAccumulator {
  const batch = decodeBatch(records, 'shardId-000000000000', T0);
  const accumulator = new WindowAccumulator(WINDOW_MS);
  for (const { reading } of batch.readings) accumulator.add(reading.instrumentId, reading.value, reading.observedAt);
  return accumulator;
}

/**
 * The naive way, as the original job did it: state kept as a JSON document and read and
 * written for every record, with the mean folded pairwise as (a + b) / 2.
 */
function naiveFold(records: readonly KinesisStreamRecord[]): string {
  let state = '{}';
  for (const record of records) {
    const reading = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { id: string; value: number; t: number };
    const windows = JSON.parse(state) as Record<
      string,
      { mean: number; count: number; min: number; max: number; first: string; last: string }
    >;
    const key = `${reading.id}|${new Date(reading.t - (reading.t % WINDOW_MS)).toISOString()}`;
    const held = windows[key];
    const at = new Date(reading.t).toISOString();
    windows[key] = held
      ? {
          mean: (held.mean + reading.value) / 2,
          count: held.count + 1,
          min: Math.min(held.min, reading.value),
          max: Math.max(held.max, reading.value),
          first: held.first < at ? held.first : at,
          last: held.last > at ? held.last : at,
        }
      : { mean: reading.value, count: 1, min: reading.value, max: reading.value, first: at, last: at };
    state = JSON.stringify(windows);
  }
  return state;
}

/** Each instrument's completed windows, in the shape the status machine judges. */
function completedWindows(accumulator: WindowAccumulator): Map<string, WindowFacts[]> {
  const byInstrument = new Map<string, WindowFacts[]>();
  for (const { instrumentId, windowStart, aggregate } of accumulator.entries()) {
    const windows = byInstrument.get(instrumentId) ?? [];
    windows.push({
      windowStart,
      windowEnd: windowStart + WINDOW_MS,
      count: aggregate.count,
      sumMicro: aggregate.sumMicro,
      mean: meanOf(aggregate),
      min: minOf(aggregate),
      max: maxOf(aggregate),
    });
    byInstrument.set(instrumentId, windows);
  }
  return byInstrument;
}

/**
 * The trigger evaluation a close adds: every instrument's windows judged by its type's
 * default rule (baseline, two bands, confirmation), from the state after its earlier
 * windows (the steady state, baseline set), as the batch store runs it.
 */
function judgeAll(windows: Map<string, WindowFacts[]>, states: Map<string, StatusMachineState | null>): number {
  const rule = defaultTriggerRule('piezometer', null);
  let judged = 0;
  for (const [instrumentId, list] of windows) judged += judgeWindows(states.get(instrumentId) ?? null, list, rule, []).judgements.length;
  return judged;
}

/** The foldBatch path plus trigger evaluation of every window it completes. */
function foldAndJudge(records: readonly KinesisStreamRecord[], states: Map<string, StatusMachineState | null>): number {
  return judgeAll(completedWindows(foldBatch(records)), states);
}

export async function benchProcessor(): Promise<Metric[]> {
  const records = syntheticBatch();
  for (let i = 0; i < 5; i += 1) foldBatch(records);
  const oursMs = await medianMs(15, () => foldBatch(records));
  const naiveRecords = records.slice(0, 2_000);
  const naiveMs = (await medianMs(3, () => naiveFold(naiveRecords))) * (records.length / naiveRecords.length);
  const recordsPerSecond = Math.round(records.length / (oursMs / 1000));

  const accumulator = foldBatch(records);
  const stateBytes = Buffer.byteLength(JSON.stringify(encodeWindowState(accumulator))) / accumulator.size;
  const naiveState = naiveFold(records.slice(0, SITE_INSTRUMENTS * 4));
  const naiveStateBytes = Buffer.byteLength(naiveState) / Object.keys(JSON.parse(naiveState) as object).length;

  // Warm states: each instrument judged over an hour of earlier windows, so its baseline is set.
  const earlier = completedWindows(foldBatch(syntheticBatch()));
  const rule = defaultTriggerRule('piezometer', null);
  const states = new Map<string, StatusMachineState | null>();
  for (const [instrumentId, list] of earlier)
    states.set(
      instrumentId,
      judgeWindows(
        null,
        list.map((w) => ({ ...w, windowStart: w.windowStart - 3_600_000, windowEnd: w.windowEnd - 3_600_000 })),
        rule,
        [],
      ).state,
    );
  const windows = completedWindows(accumulator);
  const windowCount = [...windows.values()].reduce((n, list) => n + list.length, 0);
  const judgeMs = await medianMs(15, () => judgeAll(windows, states));
  const withJudgingMs = await medianMs(15, () => foldAndJudge(records, states));

  return [
    {
      name: 'processor decode + validate + aggregate (10 000-record batch, one core)',
      value: recordsPerSecond,
      unit: 'records/s',
      target: '>= 250000',
      baselineRatio: round(naiveMs / oursMs),
      baseline: 'JSON state round trip per record, pairwise mean',
    },
    {
      name: 'processor decode + validate + aggregate + trigger evaluation (10 000-record batch, one core)',
      value: Math.round(records.length / (withJudgingMs / 1000)),
      unit: 'records/s',
      target: '>= 250000',
    },
    {
      name: 'trigger evaluation per window (status machine, default piezometer rule)',
      value: round((judgeMs * 1000) / windowCount),
      unit: 'µs/window',
      target: '<= 20',
    },
    {
      name: 'tumbling-window state per instrument-window',
      value: round(stateBytes),
      unit: 'bytes',
      target: '<= 100',
      baselineRatio: round(naiveStateBytes / stateBytes),
      baseline: 'JSON object per window with named fields and ISO times',
    },
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
