import type { AlarmLevel } from './alarms.js';
import { INSTRUMENT_TYPES, type InstrumentType } from './instrument-types.js';
import type { RuleProblem } from './trigger-rules.js';

/**
 * Response plans (trigger action response plans): at each alarm level, what is expected
 * of whoever is notified and how soon it must be acknowledged. A plan is a list of rules,
 * each for one level and one scope: the whole site (`default`), an instrument type, or one
 * instrument. The most specific rule for an instrument and level wins; a level no rule
 * covers takes {@link DEFAULT_RESPONSE_PLAN}.
 */

export interface ResponsePlanEntry {
  /** What is expected, e.g. "Stop the works in the zone; notify the designer". */
  readonly response: string;
  /** Acknowledge within this many minutes ({@link MIN_LIMIT_MINUTES}..{@link MAX_LIMIT_MINUTES}). */
  readonly limitMinutes: number;
  /** Whether an acknowledgement must carry a note. */
  readonly noteRequired: boolean;
}

export type ResponsePlanScope =
  | { readonly kind: 'default' }
  | { readonly kind: 'type'; readonly instrumentType: InstrumentType }
  | { readonly kind: 'instrument'; readonly instrumentId: string };

export interface ResponsePlanRule {
  readonly scope: ResponsePlanScope;
  readonly level: AlarmLevel;
  readonly entry: ResponsePlanEntry;
}

export type ResponsePlanSource = ResponsePlanScope['kind'];

/** A plan entry as it applies to one instrument and level, with the scope of the rule it came from. */
export type PlanInForce = ResponsePlanEntry & { readonly source: ResponsePlanSource };

export const MIN_LIMIT_MINUTES = 1;
/** One week. */
export const MAX_LIMIT_MINUTES = 10_080;
export const MAX_RESPONSE_LENGTH = 1000;

/** The plan where no rule is set. */
export const DEFAULT_RESPONSE_PLAN: Readonly<Record<AlarmLevel, ResponsePlanEntry>> = {
  alert: {
    response: 'Review the readings and the instrument; record the finding',
    limitMinutes: 1440,
    noteRequired: false,
  },
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
};

/** The entry in force for an instrument at a level: its own rule, else its type's, else the site's, else the default. */
export function planFor(
  rules: readonly ResponsePlanRule[],
  instrumentType: InstrumentType,
  instrumentId: string,
  level: AlarmLevel,
): PlanInForce {
  const atLevel = rules.filter((rule) => rule.level === level);
  const own = atLevel.find((rule) => rule.scope.kind === 'instrument' && rule.scope.instrumentId === instrumentId);
  if (own) return { ...own.entry, source: 'instrument' };
  const type = atLevel.find((rule) => rule.scope.kind === 'type' && rule.scope.instrumentType === instrumentType);
  if (type) return { ...type.entry, source: 'type' };
  const site = atLevel.find((rule) => rule.scope.kind === 'default');
  return { ...(site?.entry ?? DEFAULT_RESPONSE_PLAN[level]), source: 'default' };
}

/** The plan of one instrument as a function of the level, as escalation and messages take it. */
export function planOf(
  rules: readonly ResponsePlanRule[],
  instrumentType: InstrumentType,
  instrumentId: string,
): (level: AlarmLevel) => PlanInForce {
  return (level) => planFor(rules, instrumentType, instrumentId, level);
}

/** A scope in words: `every instrument`, `type piezometer`, `instrument P-101`. */
export function describeScope(scope: ResponsePlanScope): string {
  if (scope.kind === 'default') return 'every instrument';
  return scope.kind === 'type' ? `type ${scope.instrumentType}` : `instrument ${scope.instrumentId}`;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(INSTRUMENT_TYPES);

/**
 * Checks a rule list, naming the field of each fault (`[2].entry.limitMinutes`): a response
 * given (at most {@link MAX_RESPONSE_LENGTH} characters), a limit of whole minutes from one
 * minute to one week, a known instrument type, an instrument id given, and at most one rule
 * per scope and level.
 */
export function responsePlanProblems(rules: readonly ResponsePlanRule[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const at = (field: string) => `[${i}].${field}`;
    const { response, limitMinutes } = rule.entry;
    if (response.trim() === '') problems.push({ field: at('entry.response'), message: 'must say what is expected' });
    else if (response.length > MAX_RESPONSE_LENGTH)
      problems.push({ field: at('entry.response'), message: `must be at most ${MAX_RESPONSE_LENGTH} characters (got ${response.length})` });
    if (!Number.isInteger(limitMinutes) || limitMinutes < MIN_LIMIT_MINUTES || limitMinutes > MAX_LIMIT_MINUTES)
      problems.push({
        field: at('entry.limitMinutes'),
        message: `must be whole minutes from ${MIN_LIMIT_MINUTES} to ${MAX_LIMIT_MINUTES} (one week) (got ${limitMinutes})`,
      });
    const { scope } = rule;
    if (scope.kind === 'type' && !KNOWN_TYPES.has(scope.instrumentType))
      problems.push({ field: at('scope.instrumentType'), message: `must be one of ${INSTRUMENT_TYPES.join(', ')}` });
    if (scope.kind === 'instrument' && scope.instrumentId.trim() === '')
      problems.push({ field: at('scope.instrumentId'), message: 'must name an instrument' });
    const key = `${describeScope(scope)}/${rule.level}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else problems.push({ field: at('level'), message: `repeats the rule at [${first}] for ${describeScope(scope)} at ${rule.level}` });
  });
  return problems;
}
