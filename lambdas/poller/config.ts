import * as z from 'zod/mini';
import { ConfigError, type ConfigProblem } from '../shared/config-error.js';
import {
  finiteNumber,
  httpUrl,
  optionalText,
  parseEnvironment,
  positiveNumber,
  requiredText,
  unsetWhenBlank,
  wholeNumber,
  type Environment,
} from '../shared/environment.js';
import { DEFAULT_SOURCE_PATHS } from '../domain/source-api.js';
import { kafkaConnectionVariables, readKafkaConnection, type KafkaConnection } from '../kafka/connection.js';

export const SOURCE_AUTH_MODES = ['none', 'iam', 'api-key'] as const;

/**
 * Whether the poller reads the source's history mode (`?since=` / `?cursor=` pages):
 * `auto` uses it on every path whose answer carries a `next` cursor and reads snapshots
 * elsewhere; `on` requires it (an answer without `next` is an endpoint failure); `off`
 * reads snapshots only.
 */
export const HISTORY_MODES = ['auto', 'on', 'off'] as const;
export type HistoryMode = (typeof HISTORY_MODES)[number];

/** How far back a first start (no cursor yet) back-fills each path. */
export interface InitialLookback {
  /** Seconds by path. */
  readonly byPath: Readonly<Record<string, number>>;
  /** Seconds for a path not listed. */
  readonly otherSeconds: number;
}

/**
 * The default back-fill: 12 h 10 min of settlement markers (a settlement rate over a trailing
 * day is judged from 12 h of history on), 20 minutes of standpipes, 10 of piezometers, 3 and 2
 * of the fast extensometers and strain gauges: a baseline for every instrument. On the
 * simulator's default site that is about 21,000 readings, which the local pipeline takes in
 * within a default 2-minute run.
 */
export const DEFAULT_INITIAL_LOOKBACK: InitialLookback = {
  byPath: {
    'params/water_standpipe': 1_200,
    'params/pore_pressure': 600,
    'params/settlement/x': 43_800,
    'params/settlement/y': 180,
    'params/settlement/z': 120,
  },
  otherSeconds: 3_600,
};

/** The back-fill of `path` on a first start, milliseconds. */
export function initialLookbackMs(lookback: InitialLookback, path: string): number {
  const key = path.replace(/^\/+|\/+$/g, '');
  return (lookback.byPath[key] ?? lookback.otherSeconds) * 1000;
}

export const DEFAULT_HISTORY_PAGE_LIMIT = 2_000;
/** Longest back-fill a setting may ask for: the simulator's loggers remember 26 h, real ones rarely more than weeks. */
export const MAX_INITIAL_LOOKBACK_SECONDS = 30 * 24 * 3_600;

/** How requests to the source API are authorised. */
export type SourceAuthConfig =
  | { readonly mode: 'none' }
  /** SigV4-signed with the function's credentials, for a Lambda function URL with IAM auth. */
  | { readonly mode: 'iam'; readonly region: string }
  /** An `x-api-key` header holding the secret's value. */
  | { readonly mode: 'api-key'; readonly secretArn: string };

/** Which stream the readings go to: a Kinesis stream (STREAM_NAME), or a Kafka topic (KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, KAFKA_AUTH). */
export const STREAM_KINDS = ['kinesis', 'kafka'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

export type ReadingStreamConfig = { readonly kind: 'kinesis' } | { readonly kind: 'kafka'; readonly connection: KafkaConnection };

export interface PollerConfig {
  /** The name of the stream the readings are put to: the Kinesis stream, or the Kafka topic. */
  readonly streamName: string;
  /** The kind of stream, and for Kafka where its brokers are. */
  readonly stream: ReadingStreamConfig;
  /** Base URL of the source API; paths are resolved beneath it. */
  readonly sourceBaseUrl: string;
  /** Paths polled on every poll. */
  readonly sourcePaths: readonly string[];
  readonly sourceAuth: SourceAuthConfig;
  /** Time from the start of one poll to the start of the next. */
  readonly pollIntervalMs: number;
  /** Limit on each request to the source, body included. */
  readonly requestTimeoutMs: number;
  /** Requests per endpoint and poll, the first included. */
  readonly requestMaxAttempts: number;
  /** How far in the future a reading's timestamp may lie before it is rejected. */
  readonly maxFutureSkewMs: number;
  /** SQS queue for rejected readings; unset where another quarantine is used. */
  readonly quarantineQueueUrl: string | undefined;
  readonly historyMode: HistoryMode;
  readonly initialLookback: InitialLookback;
  /** Readings asked for per history page. */
  readonly historyPageLimit: number;
  /** DynamoDB table of the history cursors; unset where another store is used (locally a file). */
  readonly cursorTableName: string | undefined;
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 10;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;
export const DEFAULT_REQUEST_MAX_ATTEMPTS = 3;

/** The subject of the poller's configuration errors. */
const SUBJECT = 'poller environment';

/** `STREAM_NAME`: the reading stream, for every function that puts readings on it. */
export const streamNameVariable = () =>
  requiredText('the Kinesis stream name').check(
    z.regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be a Kinesis stream name: 1-128 letters, digits, _ . -'),
  );

/** `MAX_FUTURE_SKEW_SECONDS`: how far ahead of the clock a reading's time may lie. */
export const maxFutureSkewVariable = () =>
  unsetWhenBlank(z._default(finiteNumber('seconds').check(z.nonnegative('must not be negative')), DEFAULT_MAX_FUTURE_SKEW_SECONDS));

const EnvironmentSchema = z.object({
  STREAM_KIND: unsetWhenBlank(z._default(z.enum(STREAM_KINDS, { error: `must be one of ${STREAM_KINDS.join(', ')}` }), 'kinesis')),
  SOURCE_BASE_URL: httpUrl('the source API base URL'),
  SOURCE_PATHS: unsetWhenBlank(z.optional(z.string())),
  SOURCE_AUTH: unsetWhenBlank(z._default(z.enum(SOURCE_AUTH_MODES, { error: `must be one of ${SOURCE_AUTH_MODES.join(', ')}` }), 'none')),
  SOURCE_API_KEY_SECRET_ARN: optionalText(),
  AWS_REGION: optionalText(),
  POLL_INTERVAL_SECONDS: unsetWhenBlank(z._default(positiveNumber('seconds'), DEFAULT_POLL_INTERVAL_SECONDS)),
  REQUEST_TIMEOUT_MS: unsetWhenBlank(z._default(wholeNumber('milliseconds', 1, 900_000), DEFAULT_REQUEST_TIMEOUT_MS)),
  MAX_FUTURE_SKEW_SECONDS: maxFutureSkewVariable(),
  QUARANTINE_QUEUE_URL: unsetWhenBlank(z.optional(httpUrl('the SQS quarantine queue URL'))),
  SOURCE_HISTORY_MODE: unsetWhenBlank(z._default(z.enum(HISTORY_MODES, { error: `must be one of ${HISTORY_MODES.join(', ')}` }), 'auto')),
  INITIAL_LOOKBACK_SECONDS: unsetWhenBlank(z.optional(z.string())),
  HISTORY_PAGE_LIMIT: unsetWhenBlank(z._default(wholeNumber('readings', 1, 10_000), DEFAULT_HISTORY_PAGE_LIMIT)),
  CURSOR_TABLE_NAME: optionalText(),
});

/**
 * The poller's configuration from its environment (the variables the stack sets).
 * Throws {@link ConfigError} naming every variable that is missing or malformed.
 */
export function parsePollerConfig(env: Environment): PollerConfig {
  // The stream's own variables join the schema, so every missing variable is named at once.
  const kafka = env.STREAM_KIND?.trim() === 'kafka';
  const schema = kafka
    ? z.extend(EnvironmentSchema, kafkaConnectionVariables)
    : z.extend(EnvironmentSchema, { STREAM_NAME: streamNameVariable() });
  const e: z.infer<typeof EnvironmentSchema> & { STREAM_NAME?: string } = parseEnvironment(schema, env, SUBJECT);
  const problems: ConfigProblem[] = [];
  const { stream, streamName } = kafka
    ? (() => {
        const connection = readKafkaConnection(env, SUBJECT);
        return { stream: { kind: 'kafka', connection } as const, streamName: connection.topic };
      })()
    : { stream: { kind: 'kinesis' } as const, streamName: e.STREAM_NAME! };

  const sourcePaths = e.SOURCE_PATHS === undefined ? [...DEFAULT_SOURCE_PATHS] : splitPaths(e.SOURCE_PATHS, problems);

  let sourceAuth: SourceAuthConfig = { mode: 'none' };
  if (e.SOURCE_AUTH === 'iam') {
    if (!e.AWS_REGION)
      problems.push({ key: 'AWS_REGION', message: 'is required when SOURCE_AUTH is iam (the region requests are signed for)' });
    else sourceAuth = { mode: 'iam', region: e.AWS_REGION };
  } else if (e.SOURCE_AUTH === 'api-key') {
    if (!e.SOURCE_API_KEY_SECRET_ARN)
      problems.push({ key: 'SOURCE_API_KEY_SECRET_ARN', message: 'is required when SOURCE_AUTH is api-key' });
    else sourceAuth = { mode: 'api-key', secretArn: e.SOURCE_API_KEY_SECRET_ARN };
  }
  const initialLookback =
    e.INITIAL_LOOKBACK_SECONDS === undefined ? DEFAULT_INITIAL_LOOKBACK : parseInitialLookback(e.INITIAL_LOOKBACK_SECONDS, problems);
  if (problems.length > 0) throw new ConfigError(SUBJECT, problems);

  return {
    streamName,
    stream,
    sourceBaseUrl: e.SOURCE_BASE_URL,
    sourcePaths,
    sourceAuth,
    pollIntervalMs: Math.round(e.POLL_INTERVAL_SECONDS * 1000),
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    requestMaxAttempts: DEFAULT_REQUEST_MAX_ATTEMPTS,
    maxFutureSkewMs: Math.round(e.MAX_FUTURE_SKEW_SECONDS * 1000),
    quarantineQueueUrl: e.QUARANTINE_QUEUE_URL,
    historyMode: e.SOURCE_HISTORY_MODE,
    initialLookback,
    historyPageLimit: e.HISTORY_PAGE_LIMIT,
    cursorTableName: e.CURSOR_TABLE_NAME,
  };
}

/**
 * `INITIAL_LOOKBACK_SECONDS`: one number of seconds for every path, or `path=seconds` entries
 * separated by commas, which replace the defaults of the paths they name (`*=seconds` sets the
 * one for paths not named).
 */
export function parseInitialLookback(text: string, problems: ConfigProblem[]): InitialLookback {
  const key = 'INITIAL_LOOKBACK_SECONDS';
  const seconds = (value: string): number | undefined => {
    const number = Number(value.trim());
    if (value.trim() !== '' && Number.isInteger(number) && number >= 0 && number <= MAX_INITIAL_LOOKBACK_SECONDS) return number;
    problems.push({
      key,
      message: `has ${JSON.stringify(value.trim())} where a whole number of seconds from 0 to ${MAX_INITIAL_LOOKBACK_SECONDS} belongs`,
    });
    return undefined;
  };
  if (!text.includes('=')) {
    const all = seconds(text);
    return { byPath: {}, otherSeconds: all ?? DEFAULT_INITIAL_LOOKBACK.otherSeconds };
  }
  const byPath: Record<string, number> = { ...DEFAULT_INITIAL_LOOKBACK.byPath };
  let otherSeconds = DEFAULT_INITIAL_LOOKBACK.otherSeconds;
  for (const entry of text.split(',')) {
    const [path = '', value, ...extra] = entry.split('=');
    if (value === undefined || extra.length > 0 || path.trim() === '') {
      problems.push({ key, message: `has the entry ${JSON.stringify(entry.trim())}; write path=seconds, e.g. params/settlement/x=44100` });
      continue;
    }
    const parsed = seconds(value);
    if (parsed === undefined) continue;
    if (path.trim() === '*') otherSeconds = parsed;
    else byPath[path.trim().replace(/^\/+|\/+$/g, '')] = parsed;
  }
  return { byPath, otherSeconds };
}

function splitPaths(text: string, problems: ConfigProblem[]): string[] {
  const paths = text.split(',').map((path) => path.trim());
  if (paths.some((path) => path === '')) {
    problems.push({
      key: 'SOURCE_PATHS',
      message: `has an empty entry (got ${JSON.stringify(text)}); separate paths with single commas`,
    });
  }
  const duplicates = paths.filter((path, index) => path !== '' && paths.indexOf(path) !== index);
  if (duplicates.length > 0) {
    problems.push({ key: 'SOURCE_PATHS', message: `lists ${[...new Set(duplicates)].join(', ')} more than once` });
  }
  return paths;
}
