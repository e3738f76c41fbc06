import type { TriggerRule } from '../../../../../lambdas/domain/trigger-rules.js';
import type {
  AcknowledgeResponse,
  AlarmDetailResponse,
  AlarmFilter,
  AlarmListResponse,
  FieldError,
  InstrumentEvents,
  InstrumentList,
  ManualReading,
  NewBaseline,
  ReadingPage,
  ReadingsReceipt,
  ResponsePlansResponse,
  RegistryEntry,
  WindowAggregate,
  WindowPage,
  Reading,
} from './types.js';

/**
 * A refusal from the API: an RFC 9457 problem document (`application/problem+json`), or
 * what could be made of a response that was not one. `errors` names each field at fault.
 */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldError[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

/** The session the client calls the API for; `signedOut` is told when the API refuses the token. */
export interface ClientSession {
  token(): string | null;
  signedOut(reason: string): void;
}

/** A time range, ISO instants. */
export interface Range {
  readonly from: string;
  readonly to: string;
}

/** Most pages a ranged list is read to before the client stops. */
const MAX_PAGES = 20;
/** Items asked for per page: the read API's largest page (each page stays under 1 MiB). */
const PAGE_SIZE = 5_000;

/**
 * The console's client of the HTTP API: one method per route, bearer token from the
 * session, problem documents turned into {@link ApiProblem}s.
 */
export class ConsoleApi {
  constructor(
    private readonly baseUrl: string,
    private readonly session: ClientSession,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  instruments(): Promise<InstrumentList> {
    return this.get('/instruments');
  }

  instrument(id: string): Promise<RegistryEntry> {
    return this.get(`/instruments/${encodeURIComponent(id)}`);
  }

  /** Every window over the range, page after page (up to a cap; `truncated` says when it was reached). */
  async windows(id: string, range: Range): Promise<{ windows: WindowAggregate[]; truncated: boolean }> {
    const { items, truncated } = await this.allPages<WindowPage, WindowAggregate>(
      `/instruments/${encodeURIComponent(id)}/windows`,
      range,
      (page) => page.windows,
    );
    return { windows: items, truncated };
  }

  async readings(id: string, range: Range): Promise<{ readings: Reading[]; truncated: boolean }> {
    const { items, truncated } = await this.allPages<ReadingPage, Reading>(
      `/instruments/${encodeURIComponent(id)}/readings`,
      range,
      (page) => page.readings,
    );
    return { readings: items, truncated };
  }

  events(id: string, range: Range): Promise<InstrumentEvents> {
    return this.get(`/instruments/${encodeURIComponent(id)}/events${query(range)}`);
  }

  /** Sets the instrument's own rule, or returns it to its type's default with null. */
  setTriggerRule(id: string, rule: TriggerRule | null): Promise<unknown> {
    return this.send('PUT', `/instruments/${encodeURIComponent(id)}/trigger-rule`, rule);
  }

  addBaseline(id: string, baseline: NewBaseline): Promise<unknown> {
    return this.send('POST', `/instruments/${encodeURIComponent(id)}/baselines`, baseline);
  }

  postReadings(readings: readonly ManualReading[]): Promise<ReadingsReceipt> {
    return this.send('POST', '/readings', { readings });
  }

  postReadingsCsv(csv: string): Promise<ReadingsReceipt> {
    return this.request('POST', '/readings', csv, 'text/csv');
  }

  alarms(filter: AlarmFilter = {}): Promise<AlarmListResponse> {
    return this.get(`/alarms${query(filter)}`);
  }

  alarm(id: string): Promise<AlarmDetailResponse> {
    return this.get(`/alarms/${encodeURIComponent(id)}`);
  }

  acknowledge(id: string, request: { note: string; response?: string }): Promise<AcknowledgeResponse> {
    return this.send('POST', `/alarms/${encodeURIComponent(id)}/acknowledge`, request);
  }

  responsePlans(): Promise<ResponsePlansResponse> {
    return this.get('/response-plans');
  }

  private get<T>(path: string): Promise<T> {
    return this.request('GET', path, undefined, undefined);
  }

  private send<T>(method: string, path: string, body: unknown): Promise<T> {
    return this.request(method, path, JSON.stringify(body), 'application/json');
  }

  private async allPages<P extends { nextCursor: string | null }, T>(
    path: string,
    range: Range,
    items: (page: P) => readonly T[],
  ): Promise<{ items: T[]; truncated: boolean }> {
    const all: T[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const page: P = await this.get(`${path}${query({ ...range, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) })}`);
      all.push(...items(page));
      cursor = page.nextCursor;
      if (!cursor) return { items: all, truncated: false };
    }
    return { items: all, truncated: true };
  }

  private async request<T>(method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    const token = this.session.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (contentType) headers['content-type'] = contentType;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw new ApiProblem(0, 'The API cannot be reached', (error as Error).message, []);
    }
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : null) as T;
    const problem = toProblem(response.status, response.statusText, text);
    if (response.status === 401) this.session.signedOut(problem.detail || problem.title);
    throw problem;
  }
}

/** A problem document from a refused response; a body that is not one still gives the status and text. */
export function toProblem(status: number, statusText: string, body: string): ApiProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return new ApiProblem(status, statusText || `HTTP ${status}`, body.slice(0, 300), []);
  }
  const doc = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const title = typeof doc.title === 'string' ? doc.title : typeof doc.message === 'string' ? doc.message : statusText || `HTTP ${status}`;
  const detail = typeof doc.detail === 'string' ? doc.detail : '';
  return new ApiProblem(status, title, detail, fieldErrors(doc.errors));
}

/** `errors` as field and message, whether an entry says `message`, `problem` or `detail`. */
function fieldErrors(errors: unknown): FieldError[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const e = entry as Record<string, unknown>;
    const message = [e.message, e.problem, e.detail].find((m) => typeof m === 'string') as string | undefined;
    // Fields are named from the request (`body.note`); the forms name them from the body (`note`).
    const field = typeof e.field === 'string' ? e.field.replace(/^body\./, '') : '';
    return [{ field, message: message ?? 'is not valid' }];
  });
}

function query(params: object): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '');
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([key, value]) => [key, String(value)])).toString()}`;
}
