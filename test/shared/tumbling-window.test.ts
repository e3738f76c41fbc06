import { describe, expect, it } from 'vitest';
import { decodeWindowState, encodeWindowState, salvageWindowKeys } from '../../lambdas/domain/window-state.js';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import {
  processTumblingWindow,
  type DecodedBatch,
  type WindowClose,
  type WindowProgressState,
  type WindowSink,
} from '../../lambdas/shared/tumbling-window.js';
import { piezometerReading, SHARD, streamRecord, windowEvent } from '../support/tumbling-events.js';

const WINDOW_MS = 10_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');

/** The contract itself, over a sink that records what it is given (the consumers' own sinks are tested on real stores). */
function recordingSink(): WindowSink<WindowClose> & { stored: DecodedBatch[]; closes: WindowClose[] } {
  const stored: DecodedBatch[] = [];
  const closes: WindowClose[] = [];
  return {
    stored,
    closes,
    async store(batch) {
      stored.push(batch);
      return { stored: batch.readings, redeliver: [] };
    },
    async close(close) {
      closes.push(close);
      return close;
    },
  };
}

const touchedOf = (close: WindowClose | undefined) =>
  (close?.touched ?? []).map((k) => `${k.instrumentId}@${(k.windowStart - T0) / 1000}`).sort();

describe('the tumbling-window contract both consumers run on', () => {
  it('carries touched windows in the state and closes them at the final invocation, even one with no records', async () => {
    const sink = recordingSink();
    const first = await processTumblingWindow(
      windowEvent(
        [streamRecord(piezometerReading('P-1', T0 + 1_000, 100), 1), streamRecord(piezometerReading('P-2', T0 + 12_000, 90), 2)],
        {},
        false,
      ),
      sink,
      { windowMs: WINDOW_MS },
    );
    expect(first.closed).toBeUndefined();
    expect(sink.closes).toEqual([]);
    const final = await processTumblingWindow(windowEvent([], first.response.state, true), sink, { windowMs: WINDOW_MS });
    expect(touchedOf(final.closed)).toEqual(['P-1@0', 'P-2@10']);
    expect(final.response.state).toEqual({});
    expect(final.records).toBe(0);
  });

  it('closes the window when Lambda terminates it early', async () => {
    const sink = recordingSink();
    const event = {
      ...windowEvent([streamRecord(piezometerReading('P-3', T0 + 2_000, 100), 1)], {}, false),
      isWindowTerminatedEarly: true,
    };
    const outcome = await processTumblingWindow(event, sink, { windowMs: WINDOW_MS });
    expect(touchedOf(outcome.closed)).toEqual(['P-3@0']);
    expect(outcome.response.state).toEqual({});
  });

  it('hands a batch of only poison records to the sink as rejections with deterministic ids, and touches nothing', async () => {
    const sink = recordingSink();
    const outcome = await processTumblingWindow(windowEvent([streamRecord('not json', 7), streamRecord('{"v":9}', 8)], {}, true), sink, {
      windowMs: WINDOW_MS,
      now: () => 42,
    });
    expect(outcome).toMatchObject({ records: 2, readings: 0, rejected: 2 });
    expect(sink.stored[0]!.rejections.map((r) => [r.id.startsWith(`${SHARD}/`), r.rejection.reason, r.rejection.rejectedAt])).toEqual([
      [true, 'undecodable_record', 42],
      [true, 'undecodable_record', 42],
    ]);
    expect(touchedOf(outcome.closed)).toEqual([]);
  });

  it('quarantines a state built with another window length and still closes the windows it touched', async () => {
    const old = new WindowAccumulator(30_000);
    old.add('P-4', 100, T0 + 31_000);
    old.add('P-4', 101, T0 + 52_000);
    const state: WindowProgressState = { windows: encodeWindowState(old), arrivedUpTo: T0 + 53_000 };
    const sink = recordingSink();
    const outcome = await processTumblingWindow(windowEvent([], state, true), sink, { windowMs: WINDOW_MS });
    expect(outcome.rejected).toBe(1);
    const [discarded] = sink.stored[0]!.rejections;
    expect(discarded!.rejection.reason).toBe('undecodable_record');
    expect(discarded!.rejection.detail).toMatch(/built with 30 s windows.*3 touched window\(s\) recovered/);
    expect(touchedOf(outcome.closed)).toEqual(['P-4@30', 'P-4@40', 'P-4@50']);
    expect(outcome.closed?.arrivedUpTo).toBe(T0 + 53_000);
  });

  it('quarantines a damaged state and goes on with the batch', async () => {
    const sink = recordingSink();
    const outcome = await processTumblingWindow(
      windowEvent([streamRecord(piezometerReading('P-5', T0 + 3_000, 100), 1)], { windows: { v: 1, w: 10, p: [['P-5', 'x']] } }, false),
      sink,
      { windowMs: WINDOW_MS },
    );
    expect(outcome).toMatchObject({ readings: 1, rejected: 1 });
    const carried = decodeWindowState((outcome.response.state as WindowProgressState).windows, WINDOW_MS);
    expect([...carried.keys()]).toEqual([{ instrumentId: 'P-5', windowStart: T0 }]);
  });

  it('carries recovered windows through later invocations of the same Lambda window', async () => {
    const keys = salvageWindowKeys({ v: 1, w: 60, p: [], k: [['P-6', T0 / 1000]] }, 30_000);
    expect(keys.map((k) => (k.windowStart - T0) / 1000)).toEqual([0, 30]);
    const accumulator = new WindowAccumulator(30_000);
    for (const key of keys) accumulator.touch(key.instrumentId, key.windowStart);
    const round = decodeWindowState(JSON.parse(JSON.stringify(encodeWindowState(accumulator))), 30_000);
    expect([...round.keys()].length).toBe(2);
    expect([...round.entries()]).toEqual([]);
  });
});
