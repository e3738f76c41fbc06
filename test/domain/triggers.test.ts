import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateWindows } from '../../lambdas/domain/status-tracking.js';
import { classify, deadBand, nextStatus, type TriggerPolicy } from '../../lambdas/domain/trigger-evaluation.js';
import { defaultTriggerLevels, statusRank, triggerLevelsFault, type TriggerStatus } from '../../lambdas/domain/trigger-levels.js';

const rising: TriggerPolicy = { levels: { alert: 150, alarm: 175, action: 200 }, mode: 'rising' };
const twoSided: TriggerPolicy = { levels: { alert: 10, alarm: 15, action: 20 }, mode: 'magnitude' };

function run(policy: TriggerPolicy, values: number[], start: TriggerStatus = 'normal') {
  const changes: string[] = [];
  let status = start;
  for (const value of values) {
    const next = nextStatus(status, value, policy);
    if (next !== status) {
      changes.push(`${status}->${next}`);
      status = next;
    }
  }
  return { status, changes };
}

describe('trigger evaluation', () => {
  it('classifies by the highest level reached', () => {
    expect([100, 150, 174.9, 175, 250].map((v) => classify(v, rising.levels, 'rising'))).toEqual([
      'normal',
      'alert',
      'alert',
      'alarm',
      'action',
    ]);
  });

  it('compares two-sided quantities on their magnitude', () => {
    expect([-9, -10, -16, 16, -25].map((v) => classify(v, twoSided.levels, 'magnitude'))).toEqual([
      'normal',
      'alert',
      'alarm',
      'alarm',
      'action',
    ]);
  });

  it('walks normal -> alert -> alarm -> action and back, one notification per change', () => {
    expect(run(rising, [100, 160, 160, 180, 210, 210, 120]).changes).toEqual([
      'normal->alert',
      'alert->alarm',
      'alarm->action',
      'action->normal',
    ]);
  });

  it('does not repeat a notification while a level persists', () => {
    expect(run(rising, [160, 161, 170, 155, 152]).changes).toEqual(['normal->alert']);
  });

  it('holds a status inside the dead band so a value hovering on a level does not flap', () => {
    expect(deadBand(rising)).toBe(5);
    const hovering = [176, 174, 176, 173, 175.5, 171];
    expect(run(rising, hovering).changes).toEqual(['normal->alarm']);
    expect(run(rising, [...hovering, 169.9]).changes).toEqual(['normal->alarm', 'alarm->alert']);
  });

  it('applies the dead band on the hazardous side of a negative displacement', () => {
    expect(nextStatus('alarm', -14, twoSided)).toBe('alarm');
    expect(nextStatus('alarm', -13.9, twoSided)).toBe('alert');
    expect(nextStatus('alarm', -2, twoSided)).toBe('normal');
  });

  it('never reports a status above what the value reaches, and settles after one change on a constant value', () => {
    const status = fc.constantFrom<TriggerStatus>('normal', 'alert', 'alarm', 'action');
    fc.assert(
      fc.property(status, fc.double({ min: -300, max: 300, noNaN: true }), (previous, value) => {
        for (const policy of [rising, twoSided]) {
          const next = nextStatus(previous, value, policy);
          expect(statusRank(next)).toBeLessThanOrEqual(
            Math.max(statusRank(previous), statusRank(classify(value, policy.levels, policy.mode))),
          );
          expect(nextStatus(next, value, policy)).toBe(next);
        }
      }),
    );
  });
});

describe('trigger levels', () => {
  it('sets groundwater levels relative to the surface and refuses to guess without one', () => {
    expect(defaultTriggerLevels('water_standpipe', 85.4)).toEqual({ alert: 82.4, alarm: 83.4, action: 84.4 });
    expect(defaultTriggerLevels('water_standpipe', null)).toBeNull();
    expect(defaultTriggerLevels('strain_gauge', null)).toEqual({ alert: 1000, alarm: 1500, action: 2000 });
  });

  it('names the fault in levels that do not ascend', () => {
    expect(triggerLevelsFault({ alert: 10, alarm: 10, action: 20 }, 'rising')).toMatch(/ascend/);
    expect(triggerLevelsFault({ alert: -1, alarm: 5, action: 20 }, 'magnitude')).toMatch(/positive/);
    expect(triggerLevelsFault({ alert: 1, alarm: 5, action: 20 }, 'magnitude')).toBeNull();
  });
});

describe('evaluateWindows', () => {
  const w = (i: number, mean: number) => ({ windowStart: i * 10_000, windowEnd: (i + 1) * 10_000, mean });

  it('reports transitions in event-time order whatever order windows come in', () => {
    const windows = [w(3, 180), w(1, 100), w(2, 160), w(4, 120)];
    const { status, transitions } = evaluateWindows(null, windows, rising);
    expect(transitions.map((t) => [t.windowStart, t.from, t.to])).toEqual([
      [20_000, 'normal', 'alert'],
      [30_000, 'alert', 'alarm'],
      [40_000, 'alarm', 'normal'],
    ]);
    expect(status).toEqual({ status: 'normal', since: 40_000, lastWindowStart: 40_000, lastMean: 120 });
  });

  it('changes nothing when the same windows are evaluated again', () => {
    const first = evaluateWindows(null, [w(1, 160), w(2, 165)], rising);
    const again = evaluateWindows(first.status, [w(1, 160), w(2, 165)], rising);
    expect(again.transitions).toEqual([]);
    expect(again.status).toEqual(first.status);
  });

  it('gives the same outcome when windows are evaluated in one go or in slices', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 260, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.nat(), (means, cut) => {
        const windows = means.map((mean, i) => w(i, mean));
        const whole = evaluateWindows(null, windows, rising);
        const at = cut % (windows.length + 1);
        const head = evaluateWindows(null, windows.slice(0, at), rising);
        const tail = evaluateWindows(head.status, windows.slice(at), rising);
        expect([...head.transitions, ...tail.transitions]).toEqual(whole.transitions);
        expect(tail.status).toEqual(whole.status);
      }),
    );
  });
});
