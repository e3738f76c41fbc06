import * as z from 'zod/mini';
import { MAX_PAGE_SIZE } from '../alarms/alarm-store.js';
import { ALARM_LEVELS, MAX_NOTE_LENGTH, type AlarmState } from '../domain/alarms.js';
import { INSTRUMENT_TYPES } from '../domain/instrument-types.js';
import { localDayStart, nextDate } from '../domain/site-time.js';
import { fail, type FieldProblem } from './problems.js';

/**
 * What the alarm API accepts, as zod/mini schemas (tree-shakable, as the functions'
 * environment schemas): shape and range here; meaning (a plan's limits, whether a note is
 * required) is the domain's.
 */

/** The states an alarm filter takes. */
export const ALARM_STATES = ['open', 'cleared'] as const satisfies readonly AlarmState[];

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An instant in a query: an ISO 8601 date-time with its offset (`2026-11-22T08:30:00Z`,
 * `2026-11-22T19:30:00+11:00`), or a date, read as a day of the site: `from` its first
 * instant, `to` the first instant of the next day (so `to=2026-11-22` includes that day).
 * The store keeps the alarms in force at some time in [from, to).
 */
export function instantParameter(edge: 'from' | 'to', siteTimeZone: string) {
  return z.optional(
    z.pipe(
      z
        .string()
        .check(
          z.refine(
            (text) => (ISO_INSTANT.test(text) && Number.isFinite(Date.parse(text))) || (ISO_DATE.test(text) && dateIsReal(text)),
            'must be an ISO 8601 date-time with its offset (2026-11-22T08:30:00Z) or a date (2026-11-22, a day of the site)',
          ),
        ),
      z.transform((text: string) =>
        ISO_DATE.test(text) ? localDayStart(edge === 'to' ? nextDate(text) : text, siteTimeZone) : Date.parse(text),
      ),
    ),
  );
}

function dateIsReal(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A whole number from `min` to `max` given as query text. */
export const wholeNumberText = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)),
    z.pipe(
      z.transform((text: string) => Number(text)),
      z
        .number()
        .check(z.gte(min, `must be a whole number from ${min} to ${max}`), z.lte(max, `must be a whole number from ${min} to ${max}`)),
    ),
  );

/** The query of `GET /alarms`; times in epoch ms once parsed. */
export function listAlarmsQuerySchema(siteTimeZone: string) {
  return z
    .strictObject(
      {
        state: z.optional(z.enum(ALARM_STATES, { error: `must be one of ${ALARM_STATES.join(', ')}` })),
        level: z.optional(z.enum(ALARM_LEVELS, { error: `must be one of ${ALARM_LEVELS.join(', ')}` })),
        type: z.optional(z.enum(INSTRUMENT_TYPES, { error: `must be one of ${INSTRUMENT_TYPES.join(', ')}` })),
        from: instantParameter('from', siteTimeZone),
        to: instantParameter('to', siteTimeZone),
        instrument: z.optional(
          z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200, 'must be at most 200 characters')),
        ),
        cursor: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(2000, 'must be at most 2000 characters'))),
        limit: z.optional(wholeNumberText(1, MAX_PAGE_SIZE)),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown parameter; the parameters are state, level, type, from, to, instrument, cursor, limit`
            : undefined,
      },
    )
    .check(
      z.refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
        message: 'must be after from',
        path: ['to'],
      }),
    );
}

export type ListAlarmsQuery = z.infer<ReturnType<typeof listAlarmsQuerySchema>>;

/** The body of `POST /alarms/{id}/acknowledge`. Whether the note may be empty is the response plan's call (the domain's). */
export const ACKNOWLEDGE_BODY_SCHEMA = z.strictObject(
  {
    note: z.string({ error: 'is required: a string, saying what was found or done (may be empty where the plan does not require a note)' }),
    response: z.optional(
      z.nullable(
        z
          .string({ error: 'must be a string or null' })
          .check(z.maxLength(MAX_NOTE_LENGTH, `must be at most ${MAX_NOTE_LENGTH} characters`)),
      ),
    ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown field; the fields are note and response'
        : issue.code === 'invalid_type'
          ? 'must be a JSON object such as {"note": "Checked the readings"}'
          : undefined,
  },
);

export type AcknowledgeBody = z.infer<typeof ACKNOWLEDGE_BODY_SCHEMA>;

/** Field problems of a failed parse, each named by where it is (`query.level`, `body.note`). */
export function fieldProblems(error: z.core.$ZodError, where: 'query' | 'body'): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [where, ...issue.path.map(String), key].join('.'), problem: issue.message }));
    }
    return [{ field: [where, ...issue.path.map(String)].join('.'), problem: issue.message }];
  });
}

/** Parses `value` with `schema`, or throws a 400 problem listing every field at fault. */
export function parseInput<T extends z.ZodMiniType>(schema: T, value: unknown, where: 'query' | 'body', what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = fieldProblems(parsed.error, where);
  const summary = errors.map((error) => `${error.field} ${error.problem}`).join('; ');
  throw fail('invalid-request', `${what}: ${summary}`, errors);
}
