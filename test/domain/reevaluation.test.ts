import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beyondLateHorizon, changeKey, reevaluate, spikeKey } from '../../lambdas/domain/reevaluation.js';
import {
  judgeWindows,
  type StatusChange,
  type StatusMachineState,
  type UnconfirmedSpike,
  type WindowFacts,
} from '../../lambdas/domain/status-machine.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';

const MINUTE = 60_000;
const rule = { ...defaultTriggerRule('settlement_marker', null), rateBands: [], baselineReadings: 1 };

function w(minute: number, mean: number): WindowFacts {
  const sumMicro = Math.round(mean * 1e6);
  return {
    windowStart: minute * MINUTE,
    windowEnd: minute * MINUTE + 10_000,
    count: 1,
    sumMicro,
    mean: sumMicro / 1e6,
    min: mean,
    max: mean,
  };
}

/**
 * One instrument's store, kept the way the batch store and the real-time view keep it:
 * windows, the latest state and hourly checkpoints, the changes and spikes recorded, and
 * the changes notified (each once).
 */
class MemoryTimeline {
  readonly windows = new Map<number, WindowFacts>();
  checkpoints: StatusMachineState[] = [];
  changes: StatusChange[] = [];
  spikes: UnconfirmedSpike[] = [];
  readonly notified: string[] = [];
  judgedUpTo: number | null = null;

  arrive(batch: readonly WindowFacts[], now: number): void {
    for (const window of batch) this.windows.set(window.windowStart, window);
    const earliest = Math.min(...batch.map((window) => window.windowStart));
    const from = [...this.checkpoints].reverse().find((state) => state.windowStart < earliest) ?? null;
    const after = (t: number) => from === null || t > from.windowStart;
    const result = reevaluate({
      from,
      windows: [...this.windows.values()].filter((window) => after(window.windowStart)),
      rule,
      baselines: [],
      recorded: { changes: this.changes.filter((c) => after(c.windowStart)), spikes: this.spikes.filter((s) => after(s.until)) },
      judgedUpTo: this.judgedUpTo,
      now,
    });
    const withdrawn = new Set(result.withdrawnChanges.map(changeKey));
    const withdrawnSpikes = new Set(result.withdrawnSpikes.map(spikeKey));
    this.changes = [...this.changes.filter((c) => !withdrawn.has(changeKey(c))), ...result.addedChanges].sort(
      (a, b) => a.windowStart - b.windowStart,
    );
    this.spikes = [...this.spikes.filter((s) => !withdrawnSpikes.has(spikeKey(s))), ...result.addedSpikes].sort(
      (a, b) => a.since - b.since,
    );
    this.checkpoints = [
      ...this.checkpoints.filter((state) => !after(state.windowStart)),
      ...result.checkpoints,
      ...(result.state ? [result.state] : []),
    ];
    for (const change of result.addedChanges) if (!this.notified.includes(changeKey(change))) this.notified.push(changeKey(change));
    this.judgedUpTo = result.state?.windowStart ?? this.judgedUpTo;
  }
}

const strip = ({ windowStart, from, to, mean, cause }: StatusChange) => ({ windowStart, from, to, mean, cause });

describe('evaluation in event time', () => {
  it('judges a back-filled alarm late, once, against the state before it', () => {
    const timeline = new MemoryTimeline();
    // Judged up to minute 120 with nothing in 60..90 (a comms outage); the back-fill 70..80 settles -16 mm: alarm.
    const onTime = [0, 30, 50, 95, 100, 110, 120].map((m) => w(m, -2));
    timeline.arrive(onTime, 120 * MINUTE);
    expect(timeline.changes).toEqual([]);
    timeline.arrive([w(70, -18), w(75, -18), w(80, -18)], 125 * MINUTE);
    expect(timeline.changes.map((c) => [c.windowStart / MINUTE, c.from, c.to, (c as { late?: boolean }).late])).toEqual([
      [75, 'normal', 'alarm', true],
      [95, 'alarm', 'normal', true],
    ]);
    expect((timeline.changes[0] as { delayMs?: number }).delayMs).toBe(125 * MINUTE - (75 * MINUTE + 10_000));
    // The same back-fill again (a replay) changes nothing and notifies nothing more.
    timeline.arrive([w(70, -18), w(75, -18), w(80, -18)], 130 * MINUTE);
    expect(timeline.notified).toEqual([`${75 * MINUTE}|normal|alarm`, `${95 * MINUTE}|alarm|normal`]);
  });

  it('withdraws a change that later data shows did not happen', () => {
    const timeline = new MemoryTimeline();
    timeline.arrive([w(0, -2), w(10, -14), w(20, -14)], 20 * MINUTE);
    expect(timeline.changes.map((c) => `${c.windowStart / MINUTE}:${c.to}`)).toEqual(['20:alert']);
    // A late window at minute 15 back to -2 breaks the run: the alert at 20 is no longer confirmed.
    timeline.arrive([w(15, -2)], 21 * MINUTE);
    expect(timeline.changes).toEqual([]);
    expect(timeline.spikes.map((s) => [s.since / MINUTE, s.peak])).toEqual([[10, 'alert']]);
  });

  it('gives the same statuses whatever the arrival order, batching and duplicates', () => {
    const windows = fc.array(fc.double({ min: -30, max: 15, noNaN: true }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(windows, fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), (means, shuffle) => {
        // Windows 20 minutes apart, so the hourly checkpoints are exercised.
        const all = means.map((mean, i) => w(i * 20, Math.round(mean * 100) / 100));
        const expected = judgeWindows(null, all, rule, []);
        // Arrival: a shuffled sequence of every window, some twice, cut into batches.
        const arrivals = [...all, ...all.filter((_, i) => shuffle[i]! % 3 === 0)]
          .map((window, i) => ({ window, key: shuffle[i % shuffle.length]! * 1000 + i }))
          .sort((a, b) => a.key - b.key)
          .map((a) => a.window);
        const timeline = new MemoryTimeline();
        for (let i = 0; i < arrivals.length;) {
          const size = 1 + (shuffle[i % shuffle.length]! % 4);
          timeline.arrive(arrivals.slice(i, i + size), 10 ** 9);
          i += size;
        }
        expect(timeline.changes.map(strip)).toEqual(expected.changes.map(strip));
        expect(timeline.spikes).toEqual(expected.spikes);
        // Each notified change notified once; every final change was notified.
        expect(new Set(timeline.notified).size).toBe(timeline.notified.length);
        for (const change of expected.changes) expect(timeline.notified).toContain(changeKey(change));
      }),
    );
  });

  it('does not judge windows older than the horizon before the latest judged', () => {
    expect(beyondLateHorizon(0, null, 1000)).toBe(false);
    expect(beyondLateHorizon(0, 1000, 1000)).toBe(false);
    expect(beyondLateHorizon(0, 1001, 1000)).toBe(true);
  });
});

describe('late changes by arrival', () => {
  it('flags a change found from data that arrived more than 15 minutes after its window, with the delay', () => {
    const windows = [w(0, -2), w(10, -14), w(20, -14)];
    const run = (now: number) =>
      reevaluate({ from: null, windows, rule, baselines: [], recorded: { changes: [], spikes: [] }, judgedUpTo: null, now }).addedChanges;
    // The alert at minute 20 (window end 20:10): found at 30:10 it is on time, at 40:11 it is 20 min 1 s late.
    expect(run(30 * MINUTE + 10_000).map((c) => c.late)).toEqual([false]);
    expect(run(40 * MINUTE + 11_000).map((c) => [c.late, c.delayMs])).toEqual([[true, 20 * MINUTE + 1_000]]);
  });
});
