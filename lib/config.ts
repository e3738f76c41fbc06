import { AuroraPostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import { EngineVersion } from 'aws-cdk-lib/aws-opensearchservice';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { compareVersions } from '../lambdas/shared/versions.js';

/**
 * Typed deployment configuration, read from the CDK context (`cdk.json` and `-c key=value`)
 * and validated at synth. Every key has a default here; `cdk.json` repeats the documented
 * defaults so they are visible where they are changed.
 */

export const STREAM_MODES = ['on-demand', 'provisioned'] as const;
export type StreamModeName = (typeof STREAM_MODES)[number];

/** Aurora PostgreSQL versions the CDK knows, as `major.minor`, oldest first. */
export const AURORA_POSTGRES_VERSIONS: readonly string[] = Object.getOwnPropertyNames(AuroraPostgresEngineVersion)
  .filter((name) => /^VER_\d+_\d+$/.test(name))
  .map((name) => name.slice(4).replace('_', '.'))
  .sort(compareVersions);

/** OpenSearch versions the CDK knows, as `major.minor`, oldest first. */
export const OPENSEARCH_VERSIONS: readonly string[] = Object.getOwnPropertyNames(EngineVersion)
  .filter((name) => /^OPENSEARCH_\d+_\d+$/.test(name))
  .map((name) => name.slice('OPENSEARCH_'.length).replace('_', '.'))
  .sort(compareVersions);

/**
 * The first version of each Aurora PostgreSQL major with the RDS Data API on Serverless v2
 * and provisioned clusters.
 */
export const DATA_API_MINIMUM_VERSIONS: Readonly<Record<number, string>> = {
  13: '13.11',
  14: '14.8',
  15: '15.3',
  16: '16.1',
  17: '17.4',
  18: '18.3',
};

/** The first version of each Aurora PostgreSQL major that can scale to 0 ACU (auto-pause). */
export const AUTO_PAUSE_MINIMUM_VERSIONS: Readonly<Record<number, string>> = {
  13: '13.15',
  14: '14.12',
  15: '15.7',
  16: '16.3',
  17: '17.4',
  18: '18.3',
};

/** Log retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays)
  .filter((value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE)
  .sort((a, b) => a - b);

export interface PipelineConfig {
  /** Stage name; names the stack and prefixes every named resource. */
  readonly env: string;
  /** Account to deploy to; unset for an environment-agnostic stack. */
  readonly account?: string;
  /** Region to deploy to; unset for an environment-agnostic stack. */
  readonly region?: string;

  /** Base URL of a real source API; unset when the simulator is the source. */
  readonly sourceBaseUrl?: string;
  /** Name of an existing Secrets Manager secret holding the source API key; unset for no key. */
  readonly sourceApiKeySecretName?: string;
  readonly pollIntervalSeconds: number;

  readonly streamMode: StreamModeName;
  /** Shards of a provisioned stream; unset for an on-demand stream. */
  readonly shardCount?: number;
  readonly streamRetentionHours: number;

  /** Event-time window the readings of an instrument are averaged over (the processors' WINDOW_SECONDS). */
  readonly windowSeconds: number;
  /** Lambda tumbling window of the event source mappings: how long state is carried between invocations. */
  readonly tumblingWindowSeconds: number;
  /** How late a reading may arrive and still count for its window's trigger evaluation. */
  readonly allowedLatenessSeconds: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;

  readonly auroraEngineVersion: string;
  readonly auroraMinCapacity: number;
  readonly auroraMaxCapacity: number;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;

  readonly openSearchEngineVersion: string;
  readonly openSearchInstanceType: string;
  readonly openSearchInstanceCount: number;
  readonly openSearchVolumeSizeGiB: number;
  readonly openSearchRetentionDays: number;
  readonly openSearchIndexPrefix: string;
  /** Prefix of the Cognito hosted sign-in domain; unset to derive it from the stage and account. */
  readonly dashboardsDomainPrefix?: string;

  readonly alertEmails: readonly string[];
  readonly alertSms: readonly string[];
  readonly opsEmails: readonly string[];

  readonly simulator: boolean;
  readonly simulatorSeed: string;

  readonly metricsNamespace: string;
  readonly logRetentionDays: number;

  /**
   * QuickSight users or groups (ARNs) the batch store's reports are shared with; any turns on
   * the QuickSight reporting (VPC connection, data source, datasets and dashboard).
   */
  readonly quicksightPrincipals: readonly string[];
  /**
   * The account's QuickSight identity Region, where its users and groups live and which the
   * principals' ARNs name; unset for the stack's Region. The reporting assets themselves are
   * always created in the stack's Region, beside the database.
   */
  readonly quicksightRegion?: string;
}

/** The configuration when no key is set. */
export const CONFIG_DEFAULTS = {
  env: 'dev',
  account: undefined,
  region: undefined,
  sourceBaseUrl: undefined,
  sourceApiKeySecretName: undefined,
  pollIntervalSeconds: 10,
  streamMode: 'on-demand',
  shardCount: undefined,
  streamRetentionHours: 24,
  windowSeconds: 10,
  tumblingWindowSeconds: 60,
  allowedLatenessSeconds: 30,
  batchSize: 500,
  maxBatchingWindowSeconds: 5,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  auroraEngineVersion: '16.13',
  auroraMinCapacity: 0.5,
  auroraMaxCapacity: 4,
  backupRetentionDays: 7,
  deletionProtection: true,
  openSearchEngineVersion: '2.19',
  openSearchInstanceType: 't3.medium.search',
  openSearchInstanceCount: 2,
  openSearchVolumeSizeGiB: 20,
  openSearchRetentionDays: 30,
  openSearchIndexPrefix: 'geotech',
  dashboardsDomainPrefix: undefined,
  alertEmails: [],
  alertSms: [],
  opsEmails: [],
  simulator: true,
  simulatorSeed: 'geotech',
  metricsNamespace: 'GeotechMonitoring',
  logRetentionDays: 30,
  quicksightPrincipals: [],
  quicksightRegion: undefined,
} as const satisfies PipelineConfig;

/** Every configuration key, in documentation order. */
export const CONFIG_KEYS = Object.keys(CONFIG_DEFAULTS) as (keyof PipelineConfig)[];

/** One key that failed validation. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

/** The configuration is unusable; the message lists every key at fault and what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      [
        'Invalid deployment configuration (set keys in cdk.json "context" or with -c key=value):',
        ...problems.map((problem) => `  - ${problem.key}: ${problem.message}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads one context value; `undefined` when the key is not set. */
export type ContextReader = (key: string) => unknown;

const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const numberLike = (value: unknown): unknown => {
  const blank = blankToUndefined(value);
  return typeof blank === 'string' && /^-?\d+(\.\d+)?$/.test(blank.trim()) ? Number(blank) : blank;
};

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.number({ error: message }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: message });
};

const integer = (min: number, max: number, fallback: number) => z.preprocess(numberLike, wholeNumber(min, max).default(fallback));

const optionalInteger = (min: number, max: number) => z.preprocess(numberLike, wholeNumber(min, max).optional());

const halfSteps = (min: number, max: number, fallback: number) => {
  const message = `must be a number from ${min} to ${max} in steps of 0.5`;
  return z.preprocess(
    numberLike,
    z
      .number({ error: message })
      .refine((n) => n >= min && n <= max && Number.isInteger(n * 2), { error: message })
      .default(fallback),
  );
};

const boolean = (fallback: boolean) =>
  z.preprocess(
    (value) => {
      const blank = blankToUndefined(value);
      return blank === 'true' ? true : blank === 'false' ? false : blank;
    },
    z.boolean({ error: 'must be true or false' }).default(fallback),
  );

const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(blankToUndefined, z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(fallback));

const text = (pattern: RegExp, message: string) => z.string({ error: message }).regex(pattern, { error: message });

const optionalText = (pattern: RegExp, message: string) => z.preprocess(blankToUndefined, text(pattern, message).optional());

/** A list from a JSON array in cdk.json or a comma-separated string from `-c`. */
const list = (item: z.ZodType<string>, what: string) =>
  z.preprocess(
    (value) => {
      const blank = blankToUndefined(value);
      if (blank === undefined) return [];
      if (typeof blank === 'string')
        return blank
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '');
      return blank;
    },
    z.array(item, { error: `must be a list of ${what} (a JSON array, or comma-separated with -c)` }),
  );

const EMAIL = z.email({ error: 'must be an email address' });
const E164 = text(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, e.g. +61400000000');
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** A QuickSight user or group: `arn:<partition>:quicksight:<identity Region>:<account>:(user|group)/<namespace>/<name>`. */
const QUICKSIGHT_PRINCIPAL = /^arn:aws(-[a-z]+)*:quicksight:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):(user|group)\/[\w.-]+\/[\w+=,.@/-]+$/;
const PRINCIPAL_ARN = text(
  QUICKSIGHT_PRINCIPAL,
  'must be a QuickSight user or group ARN, arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> or …:group/<namespace>/<name> (IAM ARNs are not QuickSight principals)',
);

const ConfigSchema = z.object({
  env: z.preprocess(
    blankToUndefined,
    text(
      /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/,
      'must be 1-16 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen',
    ).default(CONFIG_DEFAULTS.env),
  ),
  account: optionalText(/^\d{12}$/, 'must be a 12-digit AWS account ID'),
  region: optionalText(REGION, 'must be an AWS Region code such as ap-southeast-2'),

  sourceBaseUrl: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional()),
  sourceApiKeySecretName: optionalText(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)'),
  pollIntervalSeconds: integer(1, 30, CONFIG_DEFAULTS.pollIntervalSeconds),

  streamMode: oneOf(STREAM_MODES, CONFIG_DEFAULTS.streamMode),
  shardCount: optionalInteger(1, 1000),
  streamRetentionHours: integer(24, 8760, CONFIG_DEFAULTS.streamRetentionHours),

  windowSeconds: z.preprocess(
    numberLike,
    wholeNumber(1, 900)
      .refine((seconds) => 86_400 % seconds === 0, {
        error: 'must divide a day (86400 s) so that no window spans two days, e.g. 10, 30, 60, 300 or 900',
      })
      .default(CONFIG_DEFAULTS.windowSeconds),
  ),
  tumblingWindowSeconds: integer(1, 900, CONFIG_DEFAULTS.tumblingWindowSeconds),
  allowedLatenessSeconds: integer(0, 3600, CONFIG_DEFAULTS.allowedLatenessSeconds),
  batchSize: integer(1, 10_000, CONFIG_DEFAULTS.batchSize),
  maxBatchingWindowSeconds: integer(0, 300, CONFIG_DEFAULTS.maxBatchingWindowSeconds),
  retryAttempts: integer(0, 10_000, CONFIG_DEFAULTS.retryAttempts),
  maxRecordAgeSeconds: integer(60, 604_800, CONFIG_DEFAULTS.maxRecordAgeSeconds),

  auroraEngineVersion: z.preprocess(
    (value) => {
      const blank = blankToUndefined(value);
      return typeof blank === 'number' ? String(blank) : blank;
    },
    z
      .enum(AURORA_POSTGRES_VERSIONS as [string, ...string[]], {
        error: `must be an Aurora PostgreSQL version known to aws-cdk-lib: ${AURORA_POSTGRES_VERSIONS.filter((v) => major(v) >= 13).join(', ')}`,
      })
      .default(CONFIG_DEFAULTS.auroraEngineVersion),
  ),
  auroraMinCapacity: halfSteps(0, 256, CONFIG_DEFAULTS.auroraMinCapacity),
  auroraMaxCapacity: halfSteps(1, 256, CONFIG_DEFAULTS.auroraMaxCapacity),
  backupRetentionDays: integer(1, 35, CONFIG_DEFAULTS.backupRetentionDays),
  deletionProtection: boolean(CONFIG_DEFAULTS.deletionProtection),

  openSearchEngineVersion: z.preprocess(
    (value) => {
      const blank = blankToUndefined(value);
      if (typeof blank === 'number') return String(blank);
      return typeof blank === 'string' ? blank.replace(/^OpenSearch_/, '') : blank;
    },
    z
      .enum(OPENSEARCH_VERSIONS as [string, ...string[]], {
        error: `must be an OpenSearch version known to aws-cdk-lib: ${OPENSEARCH_VERSIONS.join(', ')}`,
      })
      .default(CONFIG_DEFAULTS.openSearchEngineVersion),
  ),
  openSearchInstanceType: z.preprocess(
    blankToUndefined,
    text(/^[a-z][a-z0-9-]*\.[a-z0-9]+\.search$/, 'must be an OpenSearch instance type such as t3.medium.search or m7g.large.search')
      .refine((type) => !type.startsWith('t2.'), {
        error: 't2 instances do not support encryption at rest; choose t3 or a current generation',
      })
      .default(CONFIG_DEFAULTS.openSearchInstanceType),
  ),
  openSearchInstanceCount: integer(1, 80, CONFIG_DEFAULTS.openSearchInstanceCount),
  openSearchVolumeSizeGiB: integer(10, 16_384, CONFIG_DEFAULTS.openSearchVolumeSizeGiB),
  openSearchRetentionDays: integer(1, 3650, CONFIG_DEFAULTS.openSearchRetentionDays),
  openSearchIndexPrefix: z.preprocess(
    blankToUndefined,
    text(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or hyphens, starting with a letter').default(
      CONFIG_DEFAULTS.openSearchIndexPrefix,
    ),
  ),
  dashboardsDomainPrefix: optionalText(
    /^(?!.*(aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be 1-63 lowercase letters, digits or hyphens, not containing "aws", "amazon" or "cognito"',
  ),

  alertEmails: list(EMAIL, 'email addresses'),
  alertSms: list(E164, 'E.164 phone numbers'),
  opsEmails: list(EMAIL, 'email addresses'),

  simulator: boolean(CONFIG_DEFAULTS.simulator),
  simulatorSeed: z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : blankToUndefined(value)),
    text(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits or _.-').default(CONFIG_DEFAULTS.simulatorSeed),
  ),

  metricsNamespace: z.preprocess(
    blankToUndefined,
    text(/^[\w.#:/-]{1,255}$/, 'must be a CloudWatch namespace: 1-255 letters, digits or .-_/#:').default(CONFIG_DEFAULTS.metricsNamespace),
  ),
  logRetentionDays: z.preprocess(
    numberLike,
    z
      .number({ error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` })
      .refine((days) => LOG_RETENTION_DAYS.includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` })
      .default(CONFIG_DEFAULTS.logRetentionDays),
  ),

  quicksightPrincipals: list(PRINCIPAL_ARN, 'QuickSight user or group ARNs'),
  quicksightRegion: optionalText(REGION, 'must be an AWS Region code such as us-east-1'),
});

/** Problems that involve more than one key; checked once every key is valid on its own. */
function crossKeyProblems(config: PipelineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (key: keyof PipelineConfig, message: string) => problems.push({ key, message });
  if (config.streamMode === 'on-demand' && config.shardCount !== undefined) {
    problem('shardCount', 'applies only to a provisioned stream; also set streamMode=provisioned, or leave shardCount unset');
  }
  if (config.maxRecordAgeSeconds > config.streamRetentionHours * 3600) {
    problem(
      'maxRecordAgeSeconds',
      `must not exceed the stream retention (streamRetentionHours=${config.streamRetentionHours}, i.e. ${config.streamRetentionHours * 3600} s)`,
    );
  }
  if (config.auroraMinCapacity > config.auroraMaxCapacity) {
    problem('auroraMinCapacity', `must not exceed auroraMaxCapacity (${config.auroraMaxCapacity})`);
  }
  const dataApiMinimum = DATA_API_MINIMUM_VERSIONS[major(config.auroraEngineVersion)];
  if (dataApiMinimum === undefined || compareVersions(config.auroraEngineVersion, dataApiMinimum) < 0) {
    problem(
      'auroraEngineVersion',
      `${config.auroraEngineVersion} has no RDS Data API on Aurora Serverless v2; use at least ${Object.values(DATA_API_MINIMUM_VERSIONS).join(', ')} of its major version`,
    );
  }
  const autoPauseMinimum = AUTO_PAUSE_MINIMUM_VERSIONS[major(config.auroraEngineVersion)];
  if (
    config.auroraMinCapacity === 0 &&
    (autoPauseMinimum === undefined || compareVersions(config.auroraEngineVersion, autoPauseMinimum) < 0)
  ) {
    problem(
      'auroraMinCapacity',
      `0 (auto-pause) needs Aurora PostgreSQL ${Object.values(AUTO_PAUSE_MINIMUM_VERSIONS).join(', ')} or later of its major version; auroraEngineVersion is ${config.auroraEngineVersion}`,
    );
  }
  if (config.sourceBaseUrl !== undefined && config.simulator) {
    problem('sourceBaseUrl', 'is set while simulator=true; the simulator is the source when it is on, so also set simulator=false');
  }
  if (config.sourceBaseUrl === undefined && !config.simulator) {
    problem('sourceBaseUrl', 'is required when simulator=false (the poller needs a source API)');
  }
  if (config.dashboardsDomainPrefix === undefined && /aws|amazon|cognito/.test(config.env)) {
    problem(
      'dashboardsDomainPrefix',
      `is required when env contains "aws", "amazon" or "cognito" (env=${config.env}): the default geotech-<env>-<account> would be refused by Cognito`,
    );
  }
  if (config.sourceApiKeySecretName !== undefined && config.simulator) {
    problem('sourceApiKeySecretName', 'applies only to a real source; the simulator is reached with IAM (SigV4) auth');
  }
  problems.push(...quicksightProblems(config));
  return problems;
}

/**
 * The QuickSight principals must live where QuickSight keeps the account's users: in the
 * identity Region (quicksightRegion, else the stack's Region when it is bound to one) and in
 * the stack's account.
 */
function quicksightProblems(config: PipelineConfig): ConfigProblem[] {
  if (config.quicksightPrincipals.length === 0) {
    return config.quicksightRegion === undefined
      ? []
      : [
          {
            key: 'quicksightRegion',
            message: 'applies only to QuickSight reporting; also set quicksightPrincipals, or leave quicksightRegion unset',
          },
        ];
  }
  const identityRegion = config.quicksightRegion ?? config.region;
  const regionSource = config.quicksightRegion !== undefined ? 'quicksightRegion' : 'region';
  const problems: ConfigProblem[] = [];
  config.quicksightPrincipals.forEach((arn, index) => {
    const [, , region, , account] = QUICKSIGHT_PRINCIPAL.exec(arn) ?? [];
    const key = `quicksightPrincipals[${index}]`;
    if (identityRegion !== undefined && region !== identityRegion) {
      problems.push({
        key,
        message: `names Region ${region} but ${regionSource} is ${identityRegion}; QuickSight principals live in the account's QuickSight identity Region (set quicksightRegion to it)`,
      });
    }
    if (config.account !== undefined && account !== config.account) {
      problems.push({ key, message: `names account ${account} but the stack deploys to account ${config.account}` });
    }
  });
  return problems;
}

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
    throw new ConfigError(problems);
  }
  problems.push(...crossKeyProblems(parsed.data));
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** The prefix of every named resource of the stage, e.g. `geotech-dev`. */
export function resourcePrefix(config: Pick<PipelineConfig, 'env'>): string {
  return `geotech-${config.env}`;
}

/** The stack name of the stage, e.g. `GeotechMonitoring-dev`. */
export function stackName(config: Pick<PipelineConfig, 'env'>): string {
  return `GeotechMonitoring-${config.env}`;
}

function listItem(value: unknown, index: number): unknown {
  const items =
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '')
      : value;
  return Array.isArray(items) ? items[index] : undefined;
}

function major(version: string): number {
  return Number(version.split('.')[0]);
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
