import * as z from 'zod/mini';
import { ConfigError, type ConfigProblem } from '../shared/config-error.js';
// Alike the other config modules' imports on purpose: every function reads its environment with the same helpers.
import {
  httpUrl,
  optionalText,
  parseEnvironment,
  unsetWhenBlank,
  wholeNumber,
  windowSecondsVariable,
  type Environment,
} from '../shared/environment.js';
import { allowedLatenessVariable } from '../batch/config.js';

/**
 * Configuration of the real-time path, read from the environment:
 *
 * - `OPENSEARCH_ENDPOINT` (required): the domain endpoint, `https://…` in AWS, `http://127.0.0.1:…` locally.
 * - `OPENSEARCH_AUTH`: `iam` (SigV4-signed requests) or `none`. Default `iam` inside Lambda, `none` elsewhere.
 * - `OPENSEARCH_INDEX_PREFIX`: prefix of every index, template and policy name. Default `geotech`.
 * - `WINDOW_SECONDS`: event-time window length (the domain's window rule). Default 10.
 * - `RETENTION_DAYS`: how long readings and window indices are kept. Default 30.
 * - `QUARANTINE_QUEUE_URL`: the SQS queue rejected records go to (required by the deployed handler).
 * - `ALLOWED_LATENESS_SECONDS`: on an MSK source, how far a partition's watermark must pass a
 *   window's end before the window is closed (the batch processor's rule). Default 30.
 */
export const DEFAULT_INDEX_PREFIX = 'geotech';
export const DEFAULT_WINDOW_SECONDS = 10;
export const DEFAULT_RETENTION_DAYS = 30;

const SUBJECT = 'real-time processor environment';

export type OpenSearchAuth = 'iam' | 'none';

export interface OpenSearchConnectionConfig {
  readonly endpoint: string;
  readonly auth: OpenSearchAuth;
  /** Region the domain is in, for SigV4. */
  readonly region: string | undefined;
}

export interface RealtimeConfig extends OpenSearchConnectionConfig {
  readonly indexPrefix: string;
  readonly windowMs: number;
  /** On an MSK source: how late a reading may arrive and still count for its window, ms. */
  readonly allowedLatenessMs: number;
  readonly quarantineQueueUrl: string | undefined;
}

const ConnectionSchema = z.object({
  OPENSEARCH_ENDPOINT: httpUrl('the OpenSearch endpoint'),
  OPENSEARCH_AUTH: unsetWhenBlank(z.optional(z.enum(['iam', 'none'], { error: 'must be iam or none' }))),
  AWS_LAMBDA_FUNCTION_NAME: optionalText(),
  AWS_REGION: optionalText(),
  AWS_DEFAULT_REGION: optionalText(),
});

const IndexPrefixSchema = z.object({
  OPENSEARCH_INDEX_PREFIX: unsetWhenBlank(
    z._default(
      z
        .string()
        .check(
          z.regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ),
      DEFAULT_INDEX_PREFIX,
    ),
  ),
});

const RetentionSchema = z.object({
  RETENTION_DAYS: unsetWhenBlank(z._default(wholeNumber('days', 1, 36_500), DEFAULT_RETENTION_DAYS)),
});

const ProcessorSchema = z.object({
  WINDOW_SECONDS: windowSecondsVariable(DEFAULT_WINDOW_SECONDS),
  QUARANTINE_QUEUE_URL: unsetWhenBlank(z.optional(httpUrl('the SQS quarantine queue URL'))),
  ALLOWED_LATENESS_SECONDS: allowedLatenessVariable(),
});

/** Where the OpenSearch domain is and how requests to it are authorised. */
export function connectionConfigFrom(env: Environment): OpenSearchConnectionConfig {
  const e = parseEnvironment(ConnectionSchema, env, SUBJECT);
  const auth: OpenSearchAuth = e.OPENSEARCH_AUTH ?? (e.AWS_LAMBDA_FUNCTION_NAME ? 'iam' : 'none');
  const region = e.AWS_REGION ?? e.AWS_DEFAULT_REGION;
  const endpoint = e.OPENSEARCH_ENDPOINT.trim().replace(/\/+$/, '');
  const problems: ConfigProblem[] = [];
  if (auth === 'iam' && !endpoint.startsWith('https://')) {
    problems.push({
      key: 'OPENSEARCH_ENDPOINT',
      message: `must be https with OPENSEARCH_AUTH=iam: SigV4 signing needs an https endpoint (got ${endpoint})`,
    });
  }
  if (auth === 'iam' && !region)
    problems.push({ key: 'AWS_REGION', message: 'is required with OPENSEARCH_AUTH=iam (the Region requests are signed for)' });
  if (problems.length > 0) throw new ConfigError(SUBJECT, problems);
  return { endpoint, auth, region };
}

export function indexPrefixFrom(env: Environment): string {
  return parseEnvironment(IndexPrefixSchema, env, SUBJECT).OPENSEARCH_INDEX_PREFIX;
}

export function retentionDaysFrom(env: Environment): number {
  return parseEnvironment(RetentionSchema, env, SUBJECT).RETENTION_DAYS;
}

/** The real-time processor's configuration; throws {@link ConfigError} naming every variable at fault. */
export function realtimeConfigFrom(env: Environment): RealtimeConfig {
  const processor = parseEnvironment(ProcessorSchema, env, SUBJECT);
  return {
    ...connectionConfigFrom(env),
    indexPrefix: indexPrefixFrom(env),
    windowMs: processor.WINDOW_SECONDS * 1000,
    allowedLatenessMs: processor.ALLOWED_LATENESS_SECONDS * 1000,
    quarantineQueueUrl: processor.QUARANTINE_QUEUE_URL,
  };
}
