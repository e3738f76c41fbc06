import { isProblem } from '../../lambdas/api/problems.js';
import type { AcknowledgeResponse, AlarmDetailResponse, AlarmListResponse, ResponsePlansResponse } from '../../lambdas/api/views.js';

/**
 * A small client of the alarm API for the CLI: bearer token on every call, JSON both ways,
 * and errors that say what happened: the API not reachable (with where it was looked
 * for), a problem document's own words, or API Gateway's `{"message"}` with the reason its
 * authorizer gave in `www-authenticate`.
 */

/** The API answered with an error, or could not be reached. `message` is what the CLI prints. */
export class AlarmApiError extends Error {
  override readonly name = 'AlarmApiError';
  constructor(
    message: string,
    /** The HTTP status, or undefined when no answer came. */
    readonly status: number | undefined,
    /** The parsed error body, when there was one. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export class AlarmApiClient {
  constructor(
    /** Base URL, no trailing slash. */
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  listAlarms(query: Readonly<Record<string, string>>): Promise<AlarmListResponse> {
    const search = new URLSearchParams(query).toString();
    return this.call<AlarmListResponse>('GET', `/alarms${search ? `?${search}` : ''}`);
  }

  getAlarm(alarmId: string): Promise<AlarmDetailResponse> {
    return this.call<AlarmDetailResponse>('GET', `/alarms/${encodeURIComponent(alarmId)}`);
  }

  acknowledge(alarmId: string, body: { readonly note: string; readonly response?: string }): Promise<AcknowledgeResponse> {
    return this.call<AcknowledgeResponse>('POST', `/alarms/${encodeURIComponent(alarmId)}/acknowledge`, body);
  }

  responsePlans(): Promise<ResponsePlansResponse> {
    return this.call<ResponsePlansResponse>('GET', '/response-plans');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await request(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = await readJson(response);
    if (!response.ok) throw errorOf(method, path, response, parsed);
    return parsed as T;
  }
}

/** `fetch`, with an unreachable API reported as such. */
export async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new AlarmApiError(`cannot reach the alarm API at ${new URL(url).origin} (${why})`, undefined);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The message of an error answer: the problem's title and detail (and field errors) as they are, else API Gateway's message and reason. */
export function errorOf(method: string, path: string, response: Response, body: unknown): AlarmApiError {
  const status = response.status;
  if (isProblem(body)) {
    const fields = (body.errors ?? []).map((error) => `\n  ${error.field}: ${error.problem}`).join('');
    return new AlarmApiError(`${status} ${body.title}: ${body.detail}${fields}`, status, body);
  }
  const message =
    typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : undefined;
  const reason = /error_description="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
  const text = [message ?? response.statusText, reason].filter(Boolean).join(': ');
  return new AlarmApiError(`${status} ${text || 'error'} (${method} ${path})`, status, body);
}
