import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, deadBand, nextStatus } from '../../lambdas/domain/trigger-evaluation.js';
import { statusRank, type TriggerLevels, type TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { defaultTriggerRule, triggerRuleProblems, type TriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { judgeWindows, type WindowFacts } from '../../lambdas/domain/status-machine.js';
import { advanceRate } from '../../lambdas/domain/rate-of-change.js';
import { baselineInForce, INITIAL_BASELINE_ID } from '../../lambdas/domain/baselines.js';

const ascending: TriggerLevels = { alert: 150, alarm: 175, action: 200 };
const WINDOW = 10_000;

/** A window of readings `values` starting at window number `i`. */
function w(i: number, ...values: number[]): WindowFacts {
  const micros = values.map((v) => Math.round(v * 1e6));
  const sumMicro = micros.reduce((a, b) => a + b, 0);
  return {
    windowStart: i * WINDOW,
    windowEnd: (i + 1) * WINDOW,
    count: values.length,
    sumMicro,
    mean: sumMicro / (values.length * 1e6),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** A rule with no confirmation delay, one rise band. */
function rule(overrides: Partial<TriggerRule> = {}): TriggerRule {
  return {
    bands: [{ direction: 'rise', quantity: 'absolute', levels: ascending }],
    rateBands: [],
    confirmation: { alert: 1, alarm: 1, action: 1 },
    hysteresisFraction: 0.2,
    baselineReadings: 1,
    ...overrides,
  };
}

function changes(windows: WindowFacts[], r: TriggerRule, baselines = []) {
  return judgeWindows(null, windows, r, baselines).changes.map((c) => `${c.windowStart / WINDOW}:${c.from}->${c.to}`);
}

describe('level comparison and hysteresis', () => {
  it('classifies by the highest level reached', () => {
    expect([100, 150, 174.9, 175, 250].map((v) => classify(v, ascending))).toEqual(['normal', 'alert', 'alert', 'alarm', 'action']);
  });

  it('holds a status inside the dead band so a value hovering on a level does not flap', () => {
    expect(deadBand(ascending, 0.2)).toBe(5);
    expect(nextStatus('alarm', 171, ascending, 0.2)).toBe('alarm');
    expect(nextStatus('alarm', 169.9, ascending, 0.2)).toBe('alert');
    expect(changes([w(0, 176), w(1, 174), w(2, 176), w(3, 171), w(4, 169.9)], rule())).toEqual(['0:normal->alarm', '4:alarm->alert']);
  });

  it('never reports a status above what the value reaches, and settles on a constant value', () => {
    const status = fc.constantFrom<TriggerStatus>('normal', 'alert', 'alarm', 'action');
    fc.assert(
      fc.property(status, fc.double({ min: -300, max: 300, noNaN: true }), (previous, value) => {
        const next = nextStatus(previous, value, ascending, 0.2);
        expect(statusRank(next)).toBeLessThanOrEqual(Math.max(statusRank(previous), statusRank(classify(value, ascending))));
        expect(nextStatus(next, value, ascending, 0.2)).toBe(next);
      }),
    );
  });
});

describe('baselines and change from baseline', () => {
  const change = rule({
    bands: [{ direction: 'rise', quantity: 'change', levels: { alert: 10, alarm: 15, action: 20 } }],
    baselineReadings: 3,
  });

  it('sets the initial baseline from the mean of the first readings and judges later windows on their change', () => {
    // Windows 0 and 1 hold 2 + 2 readings: the baseline is their mean, (100+102+104+98)/4 = 101,
    // in force from the end of window 1. Window 2 (mean 112) is +11: alert. Window 3 (mean 117) +16: alarm.
    const run = judgeWindows(null, [w(0, 100, 102), w(1, 104, 98), w(2, 112), w(3, 117)], change, []);
    expect(run.judgements.map((j) => j.baseline?.value ?? null)).toEqual([null, null, 101, 101]);
    expect(run.judgements.map((j) => j.change)).toEqual([null, null, 11, 16]);
    expect(run.changes.map((c) => [c.windowStart / WINDOW, c.to, c.baseline?.id])).toEqual([
      [2, 'alert', INITIAL_BASELINE_ID],
      [3, 'alarm', INITIAL_BASELINE_ID],
    ]);
  });

  it('a deep piezometer tip is not in alarm on its first readings by default', () => {
    // 196 kPa at a tip 20 m below the water table: the change is 0, normal.
    const piezometer = defaultTriggerRule('piezometer', null);
    const run = judgeWindows(null, [w(0, 196, 196.2), w(1, 195.9, 196.1, 196), w(2, 196.3), w(3, 196.1)], piezometer, []);
    expect(run.judgements.map((j) => j.status)).toEqual(['normal', 'normal', 'normal', 'normal']);
    expect(run.judgements[3]!.change).toBeCloseTo(196.1 - 196.04, 9);
  });

  it('re-baselining judges windows from its effective time against the new baseline and leaves earlier windows as they were', () => {
    const windows = [w(0, 100), w(1, 112), w(2, 112), w(3, 113)];
    const before = judgeWindows(null, windows, { ...change, baselineReadings: 1 }, []);
    const rebaselined = judgeWindows(null, windows, { ...change, baselineReadings: 1 }, [
      { id: 'b2', value: 112, effectiveFrom: 2 * WINDOW },
    ]);
    expect(before.judgements.map((j) => j.status)).toEqual(['normal', 'alert', 'alert', 'alert']);
    expect(rebaselined.judgements.slice(0, 2)).toEqual(before.judgements.slice(0, 2));
    expect(rebaselined.judgements.map((j) => [j.baseline?.id, j.change])).toEqual([
      [undefined, null],
      ['initial', 12],
      ['b2', 0],
      ['b2', 1],
    ]);
    expect(rebaselined.changes.map((c) => `${c.windowStart / WINDOW}:${c.to}`)).toEqual(['1:alert', '2:normal']);
  });

  it('picks the latest baseline at or before the window', () => {
    const a = { id: 'a', value: 1, effectiveFrom: 100 };
    const b = { id: 'b', value: 2, effectiveFrom: 200 };
    expect(baselineInForce([a, b], 99)).toBeNull();
    expect(baselineInForce([a, b], 199)).toBe(a);
    expect(baselineInForce([b, a], 200)).toBe(b);
  });
});

describe('direction', () => {
  it('a settlement marker alarms on settlement and on heave with separate levels', () => {
    // Default marker rule: settlement -10/-15/-20 mm, heave +5/+8/+10 mm from baseline; baseline -2.0 mm.
    const marker = { ...defaultTriggerRule('settlement_marker', null), confirmation: { alert: 1, alarm: 1, action: 1 }, rateBands: [] };
    const run = judgeWindows(null, [w(0, -2, -2, -2, -2, -2), w(1, -12.5), w(2, -18), w(3, -3), w(4, 4), w(5, 6.5)], marker, []);
    // -12.5 is -10.5 from baseline: alert; -18 is -16: alarm; -3 is -1: normal; +4 is +6: alert (heave); +6.5 is +8.5: alarm.
    expect(run.changes.map((c) => `${c.windowStart / WINDOW}:${c.to}:${c.cause}`)).toEqual([
      '1:alert:level:fall',
      '2:alarm:level:fall',
      '3:normal:null',
      '4:alert:level:rise',
      '5:alarm:level:rise',
    ]);
  });

  it('a standpipe alarms on drawdown as well as on a rise towards the surface', () => {
    const standpipe = { ...defaultTriggerRule('water_standpipe', 85), confirmation: { alert: 1, alarm: 1, action: 1 } };
    // Rise levels 82/83/84 m; drawdown -1/-1.5/-2 m from the baseline 78 m.
    const run = judgeWindows(null, [w(0, 78, 78, 78, 78, 78), w(1, 76.4), w(2, 78), w(3, 83.2)], standpipe, []);
    expect(run.judgements.map((j) => j.status)).toEqual(['normal', 'alarm', 'normal', 'alarm']);
    expect(run.judgements.map((j) => j.cause)).toEqual([null, 'level:fall', null, 'level:rise']);
  });
});

describe('rate of change', () => {
  it('follows the worked example: -4.5 mm at 20:00 against -2.0 mm at 00:00 is -3 mm/day', () => {
    const hour = 3_600_000;
    let samples: ReturnType<typeof advanceRate>['samples'] = [];
    let last = advanceRate(samples, 0, -2, 24);
    for (let h = 0; h <= 20; h++) {
      last = advanceRate(samples, h * hour, h === 20 ? -4.5 : -2 - h * 0.1, 24);
      samples = last.samples;
    }
    expect(last.rate).toBeCloseTo(-3, 12);
  });

  it('is not judged until the samples cover half the period', () => {
    const hour = 3_600_000;
    expect(advanceRate([[0, 0]], 11.9 * hour, -10, 24).rate).toBeNull();
    expect(advanceRate([[0, 0]], 12 * hour, -1, 24).rate).toBe(-2);
  });

  it('keeps at most 49 samples over the period', () => {
    let samples: ReturnType<typeof advanceRate>['samples'] = [];
    for (let t = 0; t < 48 * 3_600_000; t += 10_000) samples = advanceRate(samples, t, 0, 24).samples;
    expect(samples.length).toBeLessThanOrEqual(49);
  });

  it('raises a settlement-rate alarm on a marker settling 6 mm/day though its settlement is within limits', () => {
    const hour = 3_600_000;
    const marker = {
      ...defaultTriggerRule('settlement_marker', null),
      confirmation: { alert: 1, alarm: 1, action: 1 },
      baselineReadings: 1,
    };
    // One window an hour, settling 0.25 mm/hour = 6 mm/day; after 12 h the change is -3 mm (normal), the rate -6 mm/day (alarm).
    const windows = Array.from({ length: 13 }, (_, h) => ({ ...w(0, -0.25 * h), windowStart: h * hour, windowEnd: h * hour + WINDOW }));
    const run = judgeWindows(null, windows, marker, []);
    expect(run.judgements.slice(0, 12).every((j) => j.rate === null)).toBe(true);
    expect(run.judgements[12]!.rate).toBeCloseTo(-6, 9);
    expect(run.changes.map((c) => [c.to, c.cause])).toEqual([['alarm', 'rate:fall']]);
  });
});

describe('confirmation', () => {
  const confirmed = rule({ confirmation: { alert: 2, alarm: 2, action: 2 } });

  it('records a one-window excursion as an unconfirmed spike and notifies nothing', () => {
    const run = judgeWindows(null, [w(0, 100), w(1, 230), w(2, 100)], confirmed, []);
    expect(run.changes).toEqual([]);
    expect(run.spikes).toEqual([{ since: WINDOW, until: 2 * WINDOW, peak: 'action', cause: 'level:rise' }]);
    expect(run.judgements.map((j) => [j.rawStatus, j.status])).toEqual([
      ['normal', 'normal'],
      ['action', 'normal'],
      ['normal', 'normal'],
    ]);
  });

  it('confirms a rise that holds for two windows, so an Action is at most one window late', () => {
    expect(changes([w(0, 100), w(1, 230), w(2, 210)], confirmed)).toEqual(['2:normal->action']);
  });

  it('confirms at once when the window re-reads confirm it, but not when one re-read disagrees', () => {
    expect(changes([w(0, 100), w(1, 205, 210, 203)], confirmed)).toEqual(['1:normal->action']);
    // A stray 230 beside two normal readings: mean 143.3 normal, and the re-reads do not all reach a level.
    expect(changes([w(0, 100), w(1, 230, 100, 100)], confirmed)).toEqual([]);
    // 210 and 180: the mean 195 is alarm, and both readings reach alarm: confirmed at alarm.
    expect(changes([w(0, 100), w(1, 210, 180)], confirmed)).toEqual(['1:normal->alarm']);
  });

  it('confirms the level that held when a higher one did not, recording the unconfirmed peak', () => {
    const run = judgeWindows(null, [w(0, 100), w(1, 230), w(2, 180), w(3, 180)], confirmed, []);
    expect(run.changes.map((c) => `${c.windowStart / WINDOW}:${c.to}`)).toEqual(['2:alarm']);
    expect(run.spikes.map((s) => [s.since / WINDOW, s.until / WINDOW, s.peak])).toEqual([[1, 2, 'action']]);
  });

  it('falls at once', () => {
    expect(changes([w(0, 100), w(1, 230), w(2, 230), w(3, 100)], confirmed)).toEqual(['2:normal->action', '3:action->normal']);
  });
});

describe('the status sequence depends only on the windows', () => {
  it('judged in one go or from any intermediate state, it is the same', () => {
    const marker = defaultTriggerRule('settlement_marker', null);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -30, max: 15, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.nat(), (means, cut) => {
        const windows = means.map((mean, i) => w(i, Math.round(mean * 100) / 100));
        const whole = judgeWindows(null, windows, marker, []);
        const at = cut % (windows.length + 1);
        const head = judgeWindows(null, windows.slice(0, at), marker, []);
        const tail = judgeWindows(head.state, windows, marker, []);
        expect([...head.changes, ...tail.changes]).toEqual(whole.changes);
        expect([...head.judgements, ...tail.judgements]).toEqual(whole.judgements);
        expect(JSON.parse(JSON.stringify(tail.state))).toEqual(JSON.parse(JSON.stringify(whole.state)));
      }),
    );
  });
});

describe('re-baselining', () => {
  it('never changes how windows before its effective time were judged', () => {
    const marker = defaultTriggerRule('settlement_marker', null);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 15, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 40 }),
        fc.double({ min: -20, max: 10, noNaN: true }),
        (means, at, value) => {
          const windows = means.map((mean, i) => w(i, Math.round(mean * 100) / 100));
          const effectiveFrom = at * WINDOW;
          const without = judgeWindows(null, windows, marker, []);
          const withBaseline = judgeWindows(null, windows, marker, [{ id: 'b', value, effectiveFrom }]);
          const before = (run: typeof without) => run.judgements.filter((j) => j.windowStart < effectiveFrom);
          expect(before(withBaseline)).toEqual(before(without));
          expect(withBaseline.changes.filter((c) => c.windowStart < effectiveFrom)).toEqual(
            without.changes.filter((c) => c.windowStart < effectiveFrom),
          );
        },
      ),
    );
  });
});

describe('rule validation', () => {
  const base = defaultTriggerRule('settlement_marker', null);

  it('accepts every default rule', () => {
    for (const type of ['water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge'] as const)
      expect(triggerRuleProblems(defaultTriggerRule(type, 85), type)).toEqual([]);
  });

  it('names the field of levels out of order, out of the physical range, a zero rate period and a bad confirmation', () => {
    const bad: TriggerRule = {
      ...base,
      bands: [
        { direction: 'rise', quantity: 'change', levels: { alert: 8, alarm: 5, action: 10 } },
        { direction: 'fall', quantity: 'absolute', levels: { alert: -10, alarm: -15, action: -2000 } },
      ],
      rateBands: [{ direction: 'fall', levels: { alert: -2, alarm: -5, action: -10 }, periodHours: 0 }],
      confirmation: { alert: 0, alarm: 2, action: 2 },
    };
    expect(triggerRuleProblems(bad, 'settlement_marker')).toEqual([
      { field: 'bands[0].levels', message: 'rise levels must ascend (alert 8 < alarm 5 < action 10)' },
      { field: 'bands[1].levels', message: '-2000 is outside the absolute range -1000..1000 of a settlement_marker' },
      { field: 'rateBands[0].periodHours', message: 'the rate period must be a positive number of hours (got 0)' },
      { field: 'confirmation.alert', message: 'must be a whole number of windows from 1 to 100 (got 0)' },
    ]);
  });

  it('refuses two bands in one direction and fall levels that ascend', () => {
    const twice: TriggerRule = {
      ...base,
      bands: [
        { direction: 'fall', quantity: 'change', levels: { alert: -10, alarm: -15, action: -20 } },
        { direction: 'fall', quantity: 'change', levels: { alert: -20, alarm: -15, action: -10 } },
      ],
    };
    expect(triggerRuleProblems(twice, 'settlement_marker').map((p) => p.field)).toEqual(['bands[1].direction', 'bands[1].levels']);
  });
});
