import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../lambdas/shared/config-error.js';
import { crossKeyProblems } from './config/cross-key-rules.js';
import { type ConfigKey, CONFIG_KEY_DEFINITIONS } from './config/keys.js';
import { splitList } from './config/values.js';

/**
 * Typed deployment configuration, read from the CDK context (`cdk.json` and `-c key=value`)
 * and validated at synth. Each key is defined once, in ./config/keys.ts, with its check,
 * default and description; the type, the defaults and the key list here are derived from
 * those definitions, and `cdk.json` and lib/README.md repeat the defaults (tests keep them equal).
 */

export { ConfigError, type ConfigProblem } from '../lambdas/shared/config-error.js';
export {
  CONFIG_KEY_DEFINITIONS,
  type ConfigKey,
  STREAM_KINDS,
  STREAM_MODES,
  type StreamKindName,
  type StreamModeName,
} from './config/keys.js';
export {
  AURORA_POSTGRES_VERSIONS,
  AUTO_PAUSE_MINIMUM_VERSIONS,
  DATA_API_MINIMUM_VERSIONS,
  LOG_RETENTION_DAYS,
  OPENSEARCH_VERSIONS,
} from './config/service-options.js';

type Definitions = typeof CONFIG_KEY_DEFINITIONS;

const ConfigSchema = z.object(
  Object.fromEntries(Object.entries(CONFIG_KEY_DEFINITIONS).map(([key, definition]) => [key, definition.schema])) as {
    [K in ConfigKey]: Definitions[K]['schema'];
  },
);

/** The validated configuration: what {@link loadConfig} returns. */
export type PipelineConfig = Readonly<z.output<typeof ConfigSchema>>;

/** Every configuration key, in documentation order. */
export const CONFIG_KEYS = Object.keys(CONFIG_KEY_DEFINITIONS) as ConfigKey[];

/** The configuration when no key is set (`undefined` for the keys that may stay unset). */
export const CONFIG_DEFAULTS = Object.fromEntries(CONFIG_KEYS.map((key) => [key, CONFIG_KEY_DEFINITIONS[key].default])) as {
  readonly [K in ConfigKey]: Definitions[K]['default'];
};

/** What the error names and where it tells the user to change the keys. */
const SUBJECT = 'deployment configuration';
const HINT = 'set keys in cdk.json "context" or with -c key=value';

/** Reads one context value; `undefined` when the key is not set. */
export type ContextReader = (key: string) => unknown;

/**
 * Validates the context and returns the configuration. Throws {@link ConfigError} naming
 * every key that is unknown or invalid, with the values it accepts.
 *
 * @param read reads one context value, e.g. `(key) => app.node.tryGetContext(key)`
 * @param contextKeys every key present in the context; camelCase keys that are not
 *   configuration keys are reported as unknown (CDK's own keys contain `:`, `@` or `-`)
 */
export function loadConfig(read: ContextReader, contextKeys: readonly string[] = []): PipelineConfig {
  const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, read(key)]));
  const problems: ConfigProblem[] = contextKeys
    .filter((key) => /^[a-z][A-Za-z0-9]*$/.test(key) && !(CONFIG_KEYS as string[]).includes(key))
    .map((key) => ({ key, message: `is not a configuration key${suggestion(key)}` }));

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [key = 'context', index] = issue.path.map(String);
      const received = index === undefined ? raw[key] : listItem(raw[key], Number(index));
      const shown = received === undefined ? '' : ` (got ${JSON.stringify(received)})`;
      problems.push({ key: index === undefined ? key : `${key}[${index}]`, message: `${issue.message}${shown}` });
    }
    throw new ConfigError(SUBJECT, problems, HINT);
  }
  problems.push(...crossKeyProblems(parsed.data));
  if (problems.length > 0) throw new ConfigError(SUBJECT, problems, HINT);
  return parsed.data;
}

/** The prefix of every named resource of the stage, e.g. `geotech-dev`. */
export function resourcePrefix(config: Pick<PipelineConfig, 'env'>): string {
  return `geotech-${config.env}`;
}

/** The stack name of the stage, e.g. `GeotechMonitoring-dev`. */
export { stackName } from './config/stack-name.js';

function listItem(value: unknown, index: number): unknown {
  const items = typeof value === 'string' ? splitList(value) : value;
  return Array.isArray(items) ? items[index] : undefined;
}

function suggestion(key: string): string {
  const lower = key.toLowerCase();
  const close = CONFIG_KEYS.find((known) => known.toLowerCase() === lower || editDistance(known.toLowerCase(), lower) <= 2);
  return close ? ` (did you mean ${close}?)` : `; known keys: ${CONFIG_KEYS.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
