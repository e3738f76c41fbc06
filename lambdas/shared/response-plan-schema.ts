import * as z from 'zod/mini';
import { ALARM_LEVELS } from '../domain/alarms.js';
import { INSTRUMENT_TYPES } from '../domain/instrument-types.js';
import { responsePlanProblems, type ResponsePlanRule } from '../domain/response-plans.js';
import type { RuleProblem } from '../domain/trigger-rules.js';

/**
 * A response plan as the API takes and gives it: the full list of the domain's
 * `ResponsePlanRule`s as JSON. Shape is checked here, meaning (limits, lengths, one rule per
 * scope and level) by the domain.
 */
const scope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default') }),
  z.object({ kind: z.literal('type'), instrumentType: z.enum(INSTRUMENT_TYPES) }),
  z.object({ kind: z.literal('instrument'), instrumentId: z.string() }),
]);

export const RESPONSE_PLAN_RULE_SCHEMA = z.object({
  scope,
  level: z.enum(ALARM_LEVELS),
  entry: z.object({ response: z.string(), limitMinutes: z.number(), noteRequired: z.boolean() }),
});

export const RESPONSE_PLAN_RULES_SCHEMA = z.array(RESPONSE_PLAN_RULE_SCHEMA);

export type ResponsePlanParse =
  { readonly ok: true; readonly rules: ResponsePlanRule[] } | { readonly ok: false; readonly problems: RuleProblem[] };

/** Parses and checks a full rule list, naming each bad field (`[0].entry.limitMinutes`). */
export function parseResponsePlanRules(value: unknown): ResponsePlanParse {
  const shape = RESPONSE_PLAN_RULES_SCHEMA.safeParse(value);
  if (!shape.success)
    return { ok: false, problems: shape.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })) };
  const problems = responsePlanProblems(shape.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules: shape.data };
}

/** A zod path as the domain names fields: `[0].entry.limitMinutes`, `(rules)` for the list itself. */
function fieldOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(rules)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
