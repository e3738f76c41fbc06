import * as z from 'zod/mini';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { windowSecondsProblem } from '../domain/window-rules.js';

/**
 * The one way a function reads its environment: a zod/mini schema (tree-shakable, so the
 * bundles stay small) parsed once at module init, every problem reported together as a
 * {@link ConfigError} naming the variable and the value it had.
 */

/** The environment as Lambda (or the local runtime) gives it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Blank values count as unset, so an empty variable takes its default. */
export const unsetWhenBlank = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value)),
    schema,
  );

/** A required, non-blank string; `what` says what it names. */
export const requiredText = (what: string) =>
  z.string({ error: `is required (${what})` }).check(z.trim(), z.minLength(1, `is required (${what})`));

/** An optional string, trimmed; blank is unset. */
export const optionalText = () => unsetWhenBlank(z.optional(z.string().check(z.trim())));

export const finiteNumber = (unit: string) =>
  z.coerce.number({ error: `must be a number of ${unit}` }).check(z.refine(Number.isFinite, `must be a finite number of ${unit}`));

export const positiveNumber = (unit: string) => finiteNumber(unit).check(z.positive(`must be a positive number of ${unit}`));

/** A whole number from `min` to `max`, in `unit`. */
export const wholeNumber = (unit: string, min: number, max: number) =>
  finiteNumber(unit).check(
    z.refine((n) => Number.isInteger(n) && n >= min && n <= max, `must be a whole number of ${unit} from ${min} to ${max}`),
  );

/**
 * DB_CLUSTER_ARN, DB_SECRET_ARN and DB_NAME (default `geotech`): the Data API target the
 * stack gives every function that uses the batch store (`BatchStore.dataApiEnvironment`).
 */
export const dataApiTargetVariables = {
  DB_CLUSTER_ARN: requiredText('the Aurora cluster ARN'),
  DB_SECRET_ARN: requiredText('the database secret ARN'),
  DB_NAME: unsetWhenBlank(z._default(z.string().check(z.trim(), z.minLength(1)), 'geotech')),
};

export const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http or https URL (${what})` });

/**
 * Parses `env` with `schema`; throws {@link ConfigError} for `subject` naming every
 * variable at fault and the value it had.
 */
export function parseEnvironment<T extends z.ZodMiniType>(schema: T, env: Environment, subject: string): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    subject,
    parsed.error.issues.map((issue): ConfigProblem => {
      const key = String(issue.path[0] ?? 'environment');
      const got = env[key];
      return { key, message: got === undefined || got.trim() === '' ? issue.message : `${issue.message} (got ${JSON.stringify(got)})` };
    }),
  );
}

/** `WINDOW_SECONDS`: the event-time averaging window, checked by the domain's window rule. */
export const windowSecondsVariable = (fallback: number) =>
  unsetWhenBlank(
    z._default(
      finiteNumber('seconds').check(
        z.check((ctx) => {
          const problem = windowSecondsProblem(ctx.value);
          if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
        }),
      ),
      fallback,
    ),
  );
