import { z } from 'zod';
import { timeZoneProblem } from '../../lambdas/domain/site-time.js';
import { TRIGGER_STATUSES, type TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import { WINDOW_SECONDS_RANGE, windowSecondsProblem } from '../../lambdas/domain/window-rules.js';
import { AURORA_POSTGRES_VERSIONS, DATA_API_MINIMUM_VERSIONS, LOG_RETENTION_DAYS, major, OPENSEARCH_VERSIONS } from './service-options.js';

/**
 * The kinds of value a configuration key takes. Context values arrive as JSON from
 * `cdk.json` or as strings from `-c key=value`, so each kind reads both (`"5"` is 5, `"false"`
 * is false, `"a,b"` is a list). Each kind also says, for the documentation, what it accepts,
 * derived from the same bounds its check uses.
 */
export interface ValueKind<T> {
  /** Reads and checks a value that is set; unset and blank values never reach it. */
  readonly schema: z.ZodType<T>;
  /** What the key accepts, in Markdown. */
  readonly accepts: string;
}

/** Blank strings (`-c key=`) count as unset, so the key takes its default. */
export const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const numberLike = (value: unknown): unknown => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value);

/** Versions written as numbers in cdk.json (`16.13`) are the same as the strings. */
const numberAsString = (value: unknown): unknown => (typeof value === 'number' ? String(value) : value);

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): ValueKind<number> {
  const message = `must be a whole number from ${min} to ${max}`;
  return {
    schema: z.preprocess(
      numberLike,
      z.number({ error: message }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: message }),
    ),
    accepts: `${min}–${max}`,
  };
}

/** A number from `min` to `max` in steps of 0.5 (Aurora capacity units). */
export function halfSteps(min: number, max: number): ValueKind<number> {
  const message = `must be a number from ${min} to ${max} in steps of 0.5`;
  return {
    schema: z.preprocess(
      numberLike,
      z.number({ error: message }).refine((n) => n >= min && n <= max && Number.isInteger(n * 2), { error: message }),
    ),
    accepts: `${min}–${max} in steps of 0.5`,
  };
}

/** The event-time averaging window, by the domain's rule (shared with the processors' `WINDOW_SECONDS`). */
export function averagingWindowSeconds(): ValueKind<number> {
  const { min, max } = WINDOW_SECONDS_RANGE;
  return {
    schema: z.preprocess(
      numberLike,
      // Not a number at all gets the rule's own message for an out-of-range value.
      z.number({ error: windowSecondsProblem(Number.NaN) }).check((ctx) => {
        const problem = windowSecondsProblem(ctx.value);
        if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
      }),
    ),
    accepts: `${min}–${max}, dividing 86400`,
  };
}

/** An IANA time zone name, by the domain's rule (the names `Intl` knows, as written, and `UTC`). */
export function timeZone(): ValueKind<string> {
  return {
    schema: z.string({ error: 'must be an IANA time zone name such as Australia/Melbourne or UTC' }).check((ctx) => {
      const problem = timeZoneProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    }),
    accepts: 'IANA time zone name, e.g. `Australia/Sydney`, `UTC`',
  };
}

export function boolean(): ValueKind<boolean> {
  return {
    schema: z.preprocess(
      (value) => (value === 'true' ? true : value === 'false' ? false : value),
      z.boolean({ error: 'must be true or false' }),
    ),
    accepts: '`true`, `false`',
  };
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): ValueKind<T[number]> {
  return {
    schema: z.enum(values, { error: `must be one of ${values.join(', ')}` }),
    accepts: values.map((value) => `\`${value}\``).join(', '),
  };
}

/** A string matching `pattern`; `message` says what it must be, `accepts` the same for the documentation. */
export function text(pattern: RegExp, message: string, accepts: string): ValueKind<string> {
  return { schema: textSchema(pattern, message), accepts };
}

/** Like {@link text}, and numbers in cdk.json count as their digits (a seed of `42`). */
export function textOrNumber(pattern: RegExp, message: string, accepts: string): ValueKind<string> {
  return { schema: z.preprocess(numberAsString, textSchema(pattern, message)), accepts };
}

/** `kind` with one more check, which fails with `message`. */
export function refined(kind: ValueKind<string>, check: (value: string) => boolean, message: string): ValueKind<string> {
  return { ...kind, schema: kind.schema.refine(check, { error: message }) };
}

export function httpsUrl(): ValueKind<string> {
  return { schema: z.url({ protocol: /^https$/, error: 'must be an https URL' }), accepts: 'https URL' };
}

export function email(): ValueKind<string> {
  return { schema: z.email({ error: 'must be an email address' }), accepts: 'email address' };
}

/** A list from a JSON array in cdk.json or a comma-separated string from `-c`; `what` names the items. */
export function list<T>(item: ValueKind<T>, what: string, accepts: string = what): ValueKind<readonly T[]> {
  return {
    schema: z.preprocess(
      (value) => (typeof value === 'string' ? splitList(value) : value),
      z.array(item.schema, { error: `must be a list of ${what} (a JSON array, or comma-separated with -c)` }).readonly(),
    ),
    accepts,
  };
}

/** A phone number in E.164 form: `+`, the country code and the number, 8 to 15 digits in all. */
export const E164_NUMBER = /^\+[1-9]\d{6,14}$/;

/** The levels an alarm can be at (every trigger status above normal), lowest first. */
export type AlarmLevelName = Exclude<TriggerStatus, 'normal'>;
export const ALARM_LEVEL_NAMES = TRIGGER_STATUSES.filter((status): status is AlarmLevelName => status !== 'normal');

/** Most escalation tiers a stage may have. */
export const MAX_ESCALATION_TIERS = 5;

/** One contact of an escalation tier: who is notified, how, and of which levels. */
export interface EscalationContact {
  /** 1 to {@link MAX_ESCALATION_TIERS}. */
  readonly tier: number;
  /** The alarm levels the contact is notified of, lowest first. */
  readonly levels: readonly AlarmLevelName[];
  readonly protocol: 'email' | 'sms';
  /** The email address or the E.164 phone number. */
  readonly endpoint: string;
}

const CONTACT_FORM = '<tier>:<levels joined by +>:<email or +E.164 number>, e.g. 2:alarm+action:lead@example.com';

/**
 * An escalation contact written `<tier>:<levels joined by +>:<address>`, e.g.
 * `2:alarm+action:lead@example.com` or `3:action:+61400000000`; the address is an email
 * address or an E.164 phone number (SMS).
 */
export function escalationContact(): ValueKind<EscalationContact> {
  const emailSchema = z.email();
  return {
    schema: z.string({ error: `must be ${CONTACT_FORM}` }).transform((value, ctx): EscalationContact => {
      const fail = (message: string): never => {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      };
      const parts = value.trim().split(':');
      if (parts.length !== 3) return fail(`must be ${CONTACT_FORM}`);
      const [tierText, levelsText, address] = parts.map((part) => part.trim()) as [string, string, string];
      const tier = Number(tierText);
      if (!/^\d+$/.test(tierText) || tier < 1 || tier > MAX_ESCALATION_TIERS) {
        return fail(`tier "${tierText}" must be a whole number from 1 to ${MAX_ESCALATION_TIERS}`);
      }
      const named = levelsText.split('+').map((level) => level.trim().toLowerCase());
      const unknown = named.find((level) => !(ALARM_LEVEL_NAMES as readonly string[]).includes(level));
      if (unknown !== undefined) {
        return fail(
          unknown === ''
            ? `names no level; give one or more of ${ALARM_LEVEL_NAMES.join(', ')} joined by +`
            : `level "${unknown}" is not one of ${ALARM_LEVEL_NAMES.join(', ')}`,
        );
      }
      const levels = ALARM_LEVEL_NAMES.filter((level) => named.includes(level));
      if (E164_NUMBER.test(address)) return { tier, levels, protocol: 'sms', endpoint: address };
      if (emailSchema.safeParse(address).success) return { tier, levels, protocol: 'email', endpoint: address };
      return fail(`address "${address}" must be an email address or a phone number in E.164 form, e.g. +61400000000`);
    }),
    accepts: '`<tier>:<levels joined by +>:<email or +E.164>`, e.g. `2:alarm+action:lead@example.com`',
  };
}

/** An Aurora PostgreSQL version aws-cdk-lib knows. */
export function auroraPostgresVersion(): ValueKind<string> {
  const offered = AURORA_POSTGRES_VERSIONS.filter((version) => major(version) >= 13).join(', ');
  return {
    schema: z.preprocess(
      numberAsString,
      z.enum(AURORA_POSTGRES_VERSIONS as [string, ...string[]], {
        error: `must be an Aurora PostgreSQL version known to aws-cdk-lib: ${offered}`,
      }),
    ),
    accepts: `an Aurora PostgreSQL version aws-cdk-lib knows with the Data API (${Object.values(DATA_API_MINIMUM_VERSIONS)
      .map((version) => `${version}+`)
      .join(', ')})`,
  };
}

/** An OpenSearch version aws-cdk-lib knows, with or without the `OpenSearch_` of the engine names. */
export function openSearchVersion(): ValueKind<string> {
  return {
    schema: z.preprocess(
      (value) => {
        const version = numberAsString(value);
        return typeof version === 'string' ? version.replace(/^OpenSearch_/, '') : version;
      },
      z.enum(OPENSEARCH_VERSIONS as [string, ...string[]], {
        error: `must be an OpenSearch version known to aws-cdk-lib: ${OPENSEARCH_VERSIONS.join(', ')}`,
      }),
    ),
    accepts: `an OpenSearch version aws-cdk-lib knows (\`${OPENSEARCH_VERSIONS.at(0)}\` to \`${OPENSEARCH_VERSIONS.at(-1)}\`, with or without \`OpenSearch_\`)`,
  };
}

/** A retention period CloudWatch Logs accepts, in days. */
export function logRetentionDays(): ValueKind<number> {
  const message = `must be one of ${LOG_RETENTION_DAYS.join(', ')}`;
  return {
    schema: z.preprocess(
      numberLike,
      z.number({ error: message }).refine((days) => LOG_RETENTION_DAYS.includes(days), { error: message }),
    ),
    accepts: `a CloudWatch Logs retention (${LOG_RETENTION_DAYS.slice(0, 8).join(', ')}, …)`,
  };
}

/** The entries of a comma-separated `-c` list, trimmed, without empty ones. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function textSchema(pattern: RegExp, message: string): z.ZodType<string> {
  return z.string({ error: message }).regex(pattern, { error: message });
}
