/**
 * Configuration of the real-time path, read from the environment:
 *
 * - `OPENSEARCH_ENDPOINT` (required): the domain endpoint, `https://…` in AWS, `http://127.0.0.1:…` locally.
 * - `OPENSEARCH_AUTH`: `iam` (SigV4-signed requests) or `none`. Default `iam` inside Lambda, `none` elsewhere.
 * - `OPENSEARCH_INDEX_PREFIX`: prefix of every index, template and policy name. Default `geotech`.
 * - `WINDOW_SECONDS`: event-time window length; must divide a day. Default 10.
 * - `RETENTION_DAYS`: how long readings and window indices are kept. Default 30.
 * - `QUARANTINE_QUEUE_URL`: the SQS queue rejected records go to.
 */
export const DEFAULT_INDEX_PREFIX = 'geotech';
export const DEFAULT_WINDOW_SECONDS = 10;
export const DEFAULT_RETENTION_DAYS = 30;

export type OpenSearchAuth = 'iam' | 'none';

export class RealtimeConfigError extends Error {
  override readonly name = 'RealtimeConfigError';
}

export interface OpenSearchConnectionConfig {
  readonly endpoint: string;
  readonly auth: OpenSearchAuth;
  /** Region the domain is in, for SigV4. */
  readonly region: string | undefined;
}

export interface RealtimeConfig extends OpenSearchConnectionConfig {
  readonly indexPrefix: string;
  readonly windowMs: number;
  readonly quarantineQueueUrl: string | undefined;
}

const SECONDS_PER_DAY = 86_400;
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

export function connectionConfigFrom(env: NodeJS.ProcessEnv): OpenSearchConnectionConfig {
  const endpoint = text(env.OPENSEARCH_ENDPOINT);
  if (!endpoint) throw new RealtimeConfigError('OPENSEARCH_ENDPOINT is not set');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RealtimeConfigError(`OPENSEARCH_ENDPOINT ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RealtimeConfigError(`OPENSEARCH_ENDPOINT must be http or https, got ${url.protocol}`);
  }
  const authText = text(env.OPENSEARCH_AUTH) ?? (text(env.AWS_LAMBDA_FUNCTION_NAME) ? 'iam' : 'none');
  if (authText !== 'iam' && authText !== 'none')
    throw new RealtimeConfigError(`OPENSEARCH_AUTH must be iam or none, got ${JSON.stringify(authText)}`);
  if (authText === 'iam' && url.protocol !== 'https:') {
    throw new RealtimeConfigError(`OPENSEARCH_AUTH=iam signs requests with SigV4, which needs an https endpoint (got ${endpoint})`);
  }
  const region = text(env.AWS_REGION) ?? text(env.AWS_DEFAULT_REGION);
  if (authText === 'iam' && !region) throw new RealtimeConfigError('OPENSEARCH_AUTH=iam needs AWS_REGION');
  return { endpoint: endpoint.replace(/\/+$/, ''), auth: authText, region };
}

export function indexPrefixFrom(env: NodeJS.ProcessEnv): string {
  const prefix = text(env.OPENSEARCH_INDEX_PREFIX) ?? DEFAULT_INDEX_PREFIX;
  if (!INDEX_PREFIX.test(prefix)) {
    throw new RealtimeConfigError(
      `OPENSEARCH_INDEX_PREFIX ${JSON.stringify(prefix)} must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return prefix;
}

/** The window length in milliseconds; it must divide a day, so every window lies inside one daily index. */
export function windowMsFrom(env: NodeJS.ProcessEnv): number {
  const seconds = positiveInteger(env.WINDOW_SECONDS, 'WINDOW_SECONDS', DEFAULT_WINDOW_SECONDS);
  if (SECONDS_PER_DAY % seconds !== 0) throw new RealtimeConfigError(`WINDOW_SECONDS must divide a day (86400 s), got ${seconds}`);
  return seconds * 1000;
}

export function retentionDaysFrom(env: NodeJS.ProcessEnv): number {
  return positiveInteger(env.RETENTION_DAYS, 'RETENTION_DAYS', DEFAULT_RETENTION_DAYS);
}

export function realtimeConfigFrom(env: NodeJS.ProcessEnv): RealtimeConfig {
  return {
    ...connectionConfigFrom(env),
    indexPrefix: indexPrefixFrom(env),
    windowMs: windowMsFrom(env),
    quarantineQueueUrl: text(env.QUARANTINE_QUEUE_URL),
  };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  const number = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(number) || number <= 0)
    throw new RealtimeConfigError(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  return number;
}

function text(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
