import { z } from 'zod';
import { timeZoneProblem } from '../../lambdas/domain/site-time.js';
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

/** An IPv4 or IPv6 CIDR block, e.g. `203.0.113.0/24` or `2001:db8::/32`. */
export function cidr(): ValueKind<string> {
  return {
    schema: z.union([z.cidrv4(), z.cidrv6()], { error: 'must be an IPv4 or IPv6 CIDR block such as 203.0.113.0/24' }),
    accepts: 'CIDR block',
  };
}

export function email(): ValueKind<string> {
  return { schema: z.email({ error: 'must be an email address' }), accepts: 'email address' };
}

/** A list from a JSON array in cdk.json or a comma-separated string from `-c`; `what` names the items. */
export function list(item: ValueKind<string>, what: string, accepts: string = what): ValueKind<readonly string[]> {
  return {
    schema: z.preprocess(
      (value) => (typeof value === 'string' ? splitList(value) : value),
      z.array(item.schema, { error: `must be a list of ${what} (a JSON array, or comma-separated with -c)` }).readonly(),
    ),
    accepts,
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
