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

export const SOURCE_AUTH_MODES = ['none', 'iam', 'api-key'] as const;

/** How requests to the source API are authorised. */
export type SourceAuthConfig =
  | { readonly mode: 'none' }
  /** SigV4-signed with the function's credentials, for a Lambda function URL with IAM auth. */
  | { readonly mode: 'iam'; readonly region: string }
  /** An `x-api-key` header holding the secret's value. */
  | { readonly mode: 'api-key'; readonly secretArn: string };

export interface PollerConfig {
  /** Kinesis stream the readings are put to. */
  readonly streamName: string;
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
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 10;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;
export const DEFAULT_REQUEST_MAX_ATTEMPTS = 3;

/** The subject of the poller's configuration errors. */
const SUBJECT = 'poller environment';

const EnvironmentSchema = z.object({
  STREAM_NAME: requiredText('the Kinesis stream name').check(
    z.regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be a Kinesis stream name: 1-128 letters, digits, _ . -'),
  ),
  SOURCE_BASE_URL: httpUrl('the source API base URL'),
  SOURCE_PATHS: unsetWhenBlank(z.optional(z.string())),
  SOURCE_AUTH: unsetWhenBlank(z._default(z.enum(SOURCE_AUTH_MODES, { error: `must be one of ${SOURCE_AUTH_MODES.join(', ')}` }), 'none')),
  SOURCE_API_KEY_SECRET_ARN: optionalText(),
  AWS_REGION: optionalText(),
  POLL_INTERVAL_SECONDS: unsetWhenBlank(z._default(positiveNumber('seconds'), DEFAULT_POLL_INTERVAL_SECONDS)),
  REQUEST_TIMEOUT_MS: unsetWhenBlank(z._default(wholeNumber('milliseconds', 1, 900_000), DEFAULT_REQUEST_TIMEOUT_MS)),
  MAX_FUTURE_SKEW_SECONDS: unsetWhenBlank(
    z._default(finiteNumber('seconds').check(z.nonnegative('must not be negative')), DEFAULT_MAX_FUTURE_SKEW_SECONDS),
  ),
  QUARANTINE_QUEUE_URL: unsetWhenBlank(z.optional(httpUrl('the SQS quarantine queue URL'))),
});

/**
 * The poller's configuration from its environment (the variables the stack sets).
 * Throws {@link ConfigError} naming every variable that is missing or malformed.
 */
export function parsePollerConfig(env: Environment): PollerConfig {
  const e = parseEnvironment(EnvironmentSchema, env, SUBJECT);
  const problems: ConfigProblem[] = [];

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
  if (problems.length > 0) throw new ConfigError(SUBJECT, problems);

  return {
    streamName: e.STREAM_NAME,
    sourceBaseUrl: e.SOURCE_BASE_URL,
    sourcePaths,
    sourceAuth,
    pollIntervalMs: Math.round(e.POLL_INTERVAL_SECONDS * 1000),
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    requestMaxAttempts: DEFAULT_REQUEST_MAX_ATTEMPTS,
    maxFutureSkewMs: Math.round(e.MAX_FUTURE_SKEW_SECONDS * 1000),
    quarantineQueueUrl: e.QUARANTINE_QUEUE_URL,
  };
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
