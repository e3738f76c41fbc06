import * as z from 'zod/mini';
import type { InstrumentType } from '../domain/instrument-types.js';
import { defaultTriggerRule, triggerRuleProblems, type RuleProblem, type TriggerRule } from '../domain/trigger-rules.js';

/**
 * A trigger rule as stored in the registry (`instruments.trigger_rule`) and sent by the
 * registry API: the domain's `TriggerRule` as JSON. Shape is checked here, meaning (level
 * order, physical range, rate period, confirmation) by the domain.
 */
const levels = z.object({ alert: z.number(), alarm: z.number(), action: z.number() });
const direction = z.enum(['rise', 'fall']);

export const TRIGGER_RULE_SCHEMA = z.object({
  bands: z.array(z.object({ direction, quantity: z.enum(['absolute', 'change']), levels })),
  rateBands: z.array(z.object({ direction, levels, periodHours: z.number() })),
  confirmation: z.object({ alert: z.number(), alarm: z.number(), action: z.number() }),
  hysteresisFraction: z.number(),
  baselineReadings: z.number(),
});

export type RuleParse = { readonly ok: true; readonly rule: TriggerRule } | { readonly ok: false; readonly problems: RuleProblem[] };

/** Parses and checks a rule for an instrument type, naming each bad field. */
export function parseTriggerRule(value: unknown, type: InstrumentType): RuleParse {
  const shape = TRIGGER_RULE_SCHEMA.safeParse(value);
  if (!shape.success)
    return {
      ok: false,
      problems: shape.error.issues.map((issue) => ({ field: issue.path.join('.') || '(rule)', message: issue.message })),
    };
  const problems = triggerRuleProblems(shape.data, type);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rule: shape.data };
}

/**
 * The rule an instrument is judged by: its own when the registry holds a valid one, else
 * its type's default. A stored rule that no longer passes the checks (it was checked when
 * written) falls back to the default and is reported through `onInvalid`.
 */
export function ruleInForce(
  stored: unknown,
  type: InstrumentType,
  surfaceLevel: number | null,
  onInvalid?: (problems: RuleProblem[]) => void,
): TriggerRule {
  if (stored === null || stored === undefined) return defaultTriggerRule(type, surfaceLevel);
  let value: unknown = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch {
      onInvalid?.([{ field: '(rule)', message: 'the stored rule is not JSON' }]);
      return defaultTriggerRule(type, surfaceLevel);
    }
  }
  const parsed = parseTriggerRule(value, type);
  if (parsed.ok) return parsed.rule;
  onInvalid?.(parsed.problems);
  return defaultTriggerRule(type, surfaceLevel);
}
