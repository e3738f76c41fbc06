import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALARM_LEVELS } from '../../lambdas/domain/alarms.js';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import {
  DEFAULT_RESPONSE_PLAN,
  planFor,
  planOf,
  responsePlanProblems,
  type ResponsePlanEntry,
  type ResponsePlanRule,
} from '../../lambdas/domain/response-plans.js';
import { parseResponsePlanRules } from '../../lambdas/shared/response-plan-schema.js';

const entry = (response: string, limitMinutes: number, noteRequired = true): ResponsePlanEntry => ({
  response,
  limitMinutes,
  noteRequired,
});

const rules: ResponsePlanRule[] = [
  { scope: { kind: 'default' }, level: 'alarm', entry: entry('Site: notify the designer', 45) },
  { scope: { kind: 'type', instrumentType: 'piezometer' }, level: 'alarm', entry: entry('Piezometers: check the dewatering', 30) },
  { scope: { kind: 'instrument', instrumentId: 'P-101' }, level: 'alarm', entry: entry('P-101: check the diaphragm wall joint', 20) },
  { scope: { kind: 'type', instrumentType: 'piezometer' }, level: 'action', entry: entry('Piezometers: stop the excavation', 10) },
];

describe('the plan in force', () => {
  it('has the defaults: alert within a day, alarm within an hour, action within 15 minutes', () => {
    expect(DEFAULT_RESPONSE_PLAN).toEqual({
      alert: { response: 'Review the readings and the instrument; record the finding', limitMinutes: 1440, noteRequired: false },
      alarm: {
        response: 'Notify the designer and the construction manager; review the works near the instrument',
        limitMinutes: 60,
        noteRequired: true,
      },
      action: {
        response: 'Stop the works affecting the instrument; make the area safe; notify the designer',
        limitMinutes: 15,
        noteRequired: true,
      },
    });
  });

  it('takes the instrument rule over the type rule over the site rule over the default', () => {
    expect(planFor(rules, 'piezometer', 'P-101', 'alarm')).toEqual({ ...rules[2]!.entry, source: 'instrument' });
    expect(planFor(rules, 'piezometer', 'P-102', 'alarm')).toEqual({ ...rules[1]!.entry, source: 'type' });
    expect(planFor(rules, 'extensometer', 'E-1', 'alarm')).toEqual({ ...rules[0]!.entry, source: 'default' });
    expect(planFor(rules, 'piezometer', 'P-101', 'action')).toEqual({ ...rules[3]!.entry, source: 'type' });
    expect(planFor(rules, 'piezometer', 'P-101', 'alert')).toEqual({ ...DEFAULT_RESPONSE_PLAN.alert, source: 'default' });
    expect(planFor([], 'strain_gauge', 'S-1', 'action')).toEqual({ ...DEFAULT_RESPONSE_PLAN.action, source: 'default' });
    expect(planOf(rules, 'piezometer', 'P-101')('alarm').limitMinutes).toBe(20);
  });
});

describe('checking a rule list', () => {
  it('accepts the rules above', () => {
    expect(responsePlanProblems(rules)).toEqual([]);
    expect(parseResponsePlanRules(JSON.parse(JSON.stringify(rules)))).toEqual({ ok: true, rules });
  });

  it('names each field at fault', () => {
    const bad: ResponsePlanRule[] = [
      { scope: { kind: 'default' }, level: 'alarm', entry: entry('  ', 0) },
      { scope: { kind: 'instrument', instrumentId: '' }, level: 'action', entry: entry('Stop', 10_081) },
      { scope: { kind: 'type', instrumentType: 'piezometer' }, level: 'alert', entry: entry('x'.repeat(1001), 1.5) },
      { scope: { kind: 'default' }, level: 'alarm', entry: entry('Again', 60) },
    ];
    expect(responsePlanProblems(bad)).toEqual([
      { field: '[0].entry.response', message: 'must say what is expected' },
      { field: '[0].entry.limitMinutes', message: 'must be whole minutes from 1 to 10080 (one week) (got 0)' },
      { field: '[1].entry.limitMinutes', message: 'must be whole minutes from 1 to 10080 (one week) (got 10081)' },
      { field: '[1].scope.instrumentId', message: 'must name an instrument' },
      { field: '[2].entry.response', message: 'must be at most 1000 characters (got 1001)' },
      { field: '[2].entry.limitMinutes', message: 'must be whole minutes from 1 to 10080 (one week) (got 1.5)' },
      { field: '[3].level', message: 'repeats the rule at [0] for every instrument at alarm' },
    ]);
  });

  it('refuses a wrong shape before the meaning, with the path of each fault', () => {
    const parsed = parseResponsePlanRules([
      {
        scope: { kind: 'type', instrumentType: 'inclinometer' },
        level: 'alarm',
        entry: { response: 'x', limitMinutes: 5, noteRequired: true },
      },
      { scope: { kind: 'default' }, level: 'severe', entry: { response: 'x', limitMinutes: '5', noteRequired: true } },
    ]);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field)).toEqual(['[0].scope.instrumentType', '[1].level', '[1].entry.limitMinutes']);
    expect(parseResponsePlanRules({ rules: [] })).toMatchObject({ ok: false, problems: [{ field: '(rules)' }] });
  });

  it('accepts any well-formed list with one rule per scope and level, and finds every rule it holds', () => {
    const scope = fc.oneof(
      fc.constant({ kind: 'default' as const }),
      fc.constantFrom(...INSTRUMENT_TYPES).map((instrumentType) => ({ kind: 'type' as const, instrumentType })),
      fc.constantFrom('P-101', 'SM-7', 'E-3').map((instrumentId) => ({ kind: 'instrument' as const, instrumentId })),
    );
    const rule = fc.record({
      scope,
      level: fc.constantFrom(...ALARM_LEVELS),
      entry: fc.record({
        response: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
        limitMinutes: fc.integer({ min: 1, max: 10_080 }),
        noteRequired: fc.boolean(),
      }),
    });
    const list = fc.uniqueArray(rule, { selector: (r) => `${JSON.stringify(r.scope)}/${r.level}`, maxLength: 30 });
    fc.assert(
      fc.property(list, (generated) => {
        expect(parseResponsePlanRules(generated)).toEqual({ ok: true, rules: generated });
        for (const r of generated) {
          if (r.scope.kind !== 'instrument') continue;
          expect(planFor(generated, 'piezometer', r.scope.instrumentId, r.level)).toEqual({ ...r.entry, source: 'instrument' });
        }
      }),
    );
  });
});
