import type { InstrumentType } from '../domain/instrument-types.js';
import {
  ALL_PATH,
  KNOWN_PATHS,
  PING_PATH,
  READING_ENDPOINTS,
  type Envelope,
  type HistoryEnvelope,
  type RawItem,
  type ReadingEndpoint,
} from './endpoints.js';
import { corruptJson, drawServerError, hitsResponseFault, injectItemFaults, type FaultContext, type FaultRates } from './faults.js';
import type { Fleet } from './fleet.js';
import { formatCursor, historyPage, HistoryQueryError, parseHistoryQuery, type HistoryQuery } from './history.js';
import { itemAt, latestItems, type SimulatedInstrument } from './readings.js';

export interface SimulatorRequest {
  readonly method: string;
  /**
   * The request path; a leading slash and one trailing slash are ignored. A query string is
   * ignored too, except `since`, `cursor` and `limit` on the five reading paths (history mode).
   */
  readonly path: string;
}

/** A response, independent of any HTTP server. */
export interface SimulatorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** How long to hold the response back before sending it (the slow-response fault), ms. */
  readonly delayMs: number;
  /** The reading items the body delivers, exactly as serialised; empty when it delivers none or is not valid JSON. */
  readonly items: readonly RawItem[];
  /** The clock reading the response was computed for, epoch ms. */
  readonly at: number;
}

/** Everything a response depends on besides the request and the time. */
export interface RouterState {
  readonly seed: string;
  readonly fleet: Fleet;
  /** Each type's instruments with their series and logging plans, in fleet order. */
  readonly instruments: Readonly<Record<InstrumentType, readonly SimulatedInstrument[]>>;
  readonly faults: FaultRates;
  readonly slowDelayMs: number;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;
const ENDPOINT_BY_PATH: ReadonlyMap<string, ReadingEndpoint> = new Map(READING_ENDPOINTS.map((e) => [e.path, e]));

/** `/params/settlement/x/?a=1` → `params/settlement/x`. */
export function normalisePath(path: string): string {
  const withoutQuery = path.split('?', 1)[0] ?? '';
  return withoutQuery.replace(/^\//, '').replace(/\/$/, '');
}

/**
 * The response to a request at epoch-millisecond `at`: a pure function of the state,
 * the request and `at`.
 */
export function route(state: RouterState, request: SimulatorRequest, at: number): SimulatorResponse {
  const path = normalisePath(request.path);
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return error(405, 'method_not_allowed', `${method} is not supported; use GET`, at, { allow: 'GET, HEAD' });
  }
  if (path === PING_PATH) return json(200, { ping: 'pong!' }, [], at);
  const endpoint = ENDPOINT_BY_PATH.get(path);
  if (endpoint !== undefined) {
    let history: HistoryQuery | null;
    try {
      history = parseHistoryQuery(new URLSearchParams(request.path.split('?')[1] ?? ''));
    } catch (problem) {
      if (problem instanceof HistoryQueryError) return error(400, 'bad_request', problem.message, at);
      throw problem;
    }
    if (history !== null) {
      const envelope = buildHistoryEnvelope(state, endpoint, at, history);
      return withResponseFaults(state, path, envelope, envelope.items, at);
    }
    const envelope = buildEnvelope(state, endpoint, at);
    return withResponseFaults(state, path, envelope, envelope.items, at);
  }
  if (path === ALL_PATH) {
    const envelopes = READING_ENDPOINTS.map((e) => [e.allKey, buildEnvelope(state, e, at)] as const);
    const payload = {
      instruments: envelopes.reduce((total, [, envelope]) => total + envelope.instruments, 0),
      ...Object.fromEntries(envelopes),
    };
    return withResponseFaults(
      state,
      path,
      payload,
      envelopes.flatMap(([, envelope]) => envelope.items),
      at,
    );
  }
  return error(404, 'not_found', `No such path '/${path}'. Known paths: ${KNOWN_PATHS.map((p) => `/${p}/`).join(', ')}`, at);
}

function buildEnvelope(state: RouterState, endpoint: ReadingEndpoint, at: number): Envelope {
  const instruments = state.instruments[endpoint.type];
  const clean = latestItems(instruments, at);
  return {
    instruments: instruments.length,
    units: endpoint.units,
    timezone: 'UTC',
    items: injectItemFaults(clean, state.faults, { seed: state.seed, scope: endpoint.path, at }),
  };
}

/**
 * A history page. Item faults are drawn per reading (its instrument and logging time), so
 * a reading is faulted the same way whichever page it falls on.
 */
function buildHistoryEnvelope(state: RouterState, endpoint: ReadingEndpoint, at: number, query: HistoryQuery): HistoryEnvelope {
  const instruments = state.instruments[endpoint.type];
  const page = historyPage(instruments, at, query);
  const items = page.readings.flatMap(({ index, loggedAt }) => {
    const { instrument, profile } = instruments[index]!;
    const context = { seed: state.seed, scope: `${endpoint.path}|${instrument.id}`, at: loggedAt };
    return injectItemFaults([itemAt(instrument, profile, loggedAt)], state.faults, context);
  });
  return {
    instruments: instruments.length,
    units: endpoint.units,
    timezone: 'UTC',
    next: formatCursor(page.next),
    more: page.more,
    items,
  };
}

function withResponseFaults(state: RouterState, path: string, payload: unknown, items: readonly RawItem[], at: number): SimulatorResponse {
  const context: FaultContext = { seed: state.seed, scope: path, at };
  const delayMs = hitsResponseFault(state.faults, context, 'slowResponses') ? state.slowDelayMs : 0;
  if (hitsResponseFault(state.faults, context, 'http5xx')) {
    const failure = drawServerError(context);
    const response = error(failure.status, 'upstream_failure', `Simulated ${failure.reason}`, at, failure.headers);
    return { ...response, delayMs };
  }
  const response = json(200, payload, items, at);
  if (hitsResponseFault(state.faults, context, 'invalidJson')) {
    return { ...response, body: corruptJson(response.body, context), items: [], delayMs };
  }
  return { ...response, delayMs };
}

function json(status: number, payload: unknown, items: readonly RawItem[], at: number): SimulatorResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(payload), delayMs: 0, items, at };
}

function error(
  status: number,
  code: string,
  message: string,
  at: number,
  headers: Readonly<Record<string, string>> = {},
): SimulatorResponse {
  const response = json(status, { error: code, message }, [], at);
  return { ...response, headers: { ...response.headers, ...headers } };
}
