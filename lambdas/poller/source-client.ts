import { EnvelopeError, itemsOfResponse } from '../domain/source-api.js';
import { backoffDelayMs, sleep as realSleep, type BackoffOptions, type Sleep } from '../shared/retry.js';
import { noAuthorisation, type RequestAuthoriser } from './source-auth.js';

/**
 * Why an endpoint yielded no items:
 * - `http_status`: it answered with a non-2xx status;
 * - `timeout`: no complete answer within the request timeout;
 * - `network`: the connection failed;
 * - `authorisation`: the request could not be authorised (credentials or API key unavailable);
 * - `invalid_json`: the body is not JSON;
 * - `invalid_envelope`: the JSON is not a readings envelope (or, with history mode on, not a history page);
 * - `cursor_store`: the history cursor could not be read or saved, so the path was not read further.
 */
export type EndpointFailureKind =
  'http_status' | 'timeout' | 'network' | 'authorisation' | 'invalid_json' | 'invalid_envelope' | 'cursor_store';

export interface EndpointFailure {
  readonly path: string;
  readonly url: string;
  readonly kind: EndpointFailureKind;
  /** The HTTP status, for `http_status`. */
  readonly status?: number;
  readonly message: string;
  /** Requests made, retries included. */
  readonly attempts: number;
}

/**
 * The paging fields of a history-mode answer. A source supports history mode when its answer
 * to `?since=` carries `next` (a string: the cursor to ask with next, `?cursor=<next>`) and
 * `more` (a boolean: whether another page is ready); a snapshot answer has neither.
 */
export interface HistoryPaging {
  readonly next: string;
  readonly more: boolean;
}

export type EndpointResult =
  | {
      readonly ok: true;
      readonly path: string;
      readonly items: unknown[];
      readonly attempts: number;
      /** Present when the answer is a history page; absent for a snapshot answer. */
      readonly history?: HistoryPaging;
    }
  | { readonly ok: false; readonly path: string; readonly failure: EndpointFailure };

/** What to ask a reading path for: a snapshot (no query), or a history page from `since` or `cursor`. */
export type EndpointQuery =
  { readonly since: number; readonly limit: number } | { readonly cursor: string; readonly limit: number } | Record<string, never>;

export interface SourceClientOptions {
  /** Base URL of the source API; paths resolve beneath it. */
  readonly baseUrl: string;
  /** Limit on each request, body included, milliseconds. */
  readonly requestTimeoutMs: number;
  /** Requests per endpoint, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Backoff between requests to one endpoint. Default 250 ms doubling to at most 2 s. */
  readonly backoff?: BackoffOptions;
  /** Adds authorisation headers to each request. Default: none. */
  readonly authorise?: RequestAuthoriser;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Default: a timer. */
  readonly sleep?: Sleep;
}

/** HTTP statuses worth asking again for: server errors, request timeout, too many requests. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** The URL of `path` beneath `baseUrl`, keeping any path the base URL has. */
export function endpointUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return new URL(path.replace(/^\/+/, ''), base);
}

type AttemptOutcome =
  | { readonly ok: true; readonly items: unknown[]; readonly history?: HistoryPaging }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly kind: EndpointFailureKind;
      readonly status?: number;
      readonly message: string;
    };

/**
 * Reads readings envelopes from the source API. Each request has a timeout; server errors,
 * timeouts and connection failures are retried with backoff up to a bound, client errors
 * and unusable bodies are not. A failing endpoint yields a failure result, never an
 * exception, so the other endpoints of a poll are unaffected.
 */
export class SourceClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #authorise: RequestAuthoriser;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;

  constructor(options: SourceClientOptions) {
    if (!URL.canParse(options.baseUrl) || !/^https?:$/.test(new URL(options.baseUrl).protocol)) {
      throw new TypeError(`source base URL ${JSON.stringify(options.baseUrl)} is not an http or https URL`);
    }
    this.#baseUrl = options.baseUrl;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#backoff = options.backoff ?? { baseMs: 250, maxMs: 2_000 };
    this.#authorise = options.authorise ?? noAuthorisation;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? realSleep;
  }

  /** All endpoints, concurrently; results in the order of `paths`. */
  fetchAll(paths: readonly string[]): Promise<EndpointResult[]> {
    return Promise.all(paths.map((path) => this.fetchEndpoint(path)));
  }

  async fetchEndpoint(path: string, query: EndpointQuery = {}): Promise<EndpointResult> {
    const url = endpointUrl(this.#baseUrl, path);
    if ('since' in query) url.searchParams.set('since', new Date(query.since).toISOString());
    if ('cursor' in query) url.searchParams.set('cursor', query.cursor);
    if ('limit' in query) url.searchParams.set('limit', String(query.limit));
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(path, url);
      if (outcome.ok) {
        return { ok: true, path, items: outcome.items, attempts: attempt, ...(outcome.history ? { history: outcome.history } : {}) };
      }
      if (!outcome.retryable || attempt >= this.#maxAttempts) {
        const { kind, status, message } = outcome;
        return {
          ok: false,
          path,
          failure: { path, url: url.href, kind, ...(status === undefined ? {} : { status }), message, attempts: attempt },
        };
      }
      await this.#sleep(backoffDelayMs(attempt, this.#backoff));
    }
  }

  async #attempt(path: string, url: URL): Promise<AttemptOutcome> {
    let headers: Record<string, string>;
    try {
      headers = { accept: 'application/json', ...(await this.#authorise(url)) };
    } catch (error) {
      return { ok: false, retryable: true, kind: 'authorisation', message: `could not authorise the request: ${describe(error)}` };
    }
    let status: number;
    let text: string;
    try {
      const response = await this.#fetch(url, { headers, signal: AbortSignal.timeout(this.#timeoutMs) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (isTimeout(error))
        return { ok: false, retryable: true, kind: 'timeout', message: `no complete response within ${this.#timeoutMs} ms` };
      return { ok: false, retryable: true, kind: 'network', message: `request failed: ${describe(error)}` };
    }
    if (status < 200 || status > 299) {
      return { ok: false, retryable: isRetryableStatus(status), kind: 'http_status', status, message: `HTTP ${status}: ${excerpt(text)}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return { ok: false, retryable: false, kind: 'invalid_json', message: `body is not JSON (${describe(error)}): ${excerpt(text)}` };
    }
    try {
      const items = itemsOfResponse(path, body);
      return { ok: true, items, ...historyPagingOf(body) };
    } catch (error) {
      if (error instanceof EnvelopeError) return { ok: false, retryable: false, kind: 'invalid_envelope', message: error.message };
      throw error;
    }
  }
}

/** The paging fields of an answer, when it is a history page. */
function historyPagingOf(body: unknown): { history?: HistoryPaging } {
  if (typeof body !== 'object' || body === null) return {};
  const { next, more } = body as { next?: unknown; more?: unknown };
  if (typeof next !== 'string' || next === '') return {};
  return { history: { next, more: more === true } };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || (error.cause instanceof Error && error.cause.name === 'TimeoutError'));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/** The start of a body, for error messages. */
function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
