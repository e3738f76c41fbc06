import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { isJsonContentType } from '../../lambdas/api/http.js';
import { problem, PROBLEM_CONTENT_TYPE, type Problem } from '../../lambdas/api/problems.js';
import { isRouteMatch, matchRoute, type RouteMatch } from '../../lambdas/api/routes.js';
import type { JwtAuthorizer } from './jwt-authorizer.js';
import type { LocalSignIn } from './sign-in.js';

/**
 * The alarm API on this machine: a node:http server standing in for the HTTP API in front
 * of the API function. Like API Gateway it matches the request to a route (404
 * `{"message":"Not Found"}` otherwise), runs the JWT authorizer (401
 * `{"message":"Unauthorized"}` with a `www-authenticate` header saying why, before the
 * handler sees anything), turns the request into the payload 2.0 event
 * (`APIGatewayProxyEventV2WithJWTAuthorizer`) and the handler's result into the response.
 * It also serves `POST /local/sign-in`, the sign-in stand-in. It listens on loopback only.
 */

export type ApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyResultV2>;

export interface AlarmApiServerOptions {
  readonly handler: ApiHandler;
  readonly authorizer: JwtAuthorizer;
  /** Serves `POST /local/sign-in` when given. */
  readonly signIn?: LocalSignIn;
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** A loopback interface: `127.0.0.1` (the default), `::1` or `localhost`. */
  readonly host?: string;
  /**
   * Largest request body taken, bytes (413 above it, as API Gateway answers past its
   * payload limit). Default 1 MiB: far above the 16 KiB the handler itself accepts, so
   * clients meet the handler's limit and its problem document.
   */
  readonly maxBodyBytes?: number;
  /** Called after each response, e.g. to log it. */
  readonly onRequest?: (entry: { readonly method: string; readonly path: string; readonly status: number }) => void;
}

export interface AlarmApiServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8072`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const SIGN_IN_PATH = '/local/sign-in';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts the local alarm API. */
export async function startAlarmApiServer(options: AlarmApiServerOptions): Promise<AlarmApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`the local alarm API listens on loopback only (127.0.0.1, ::1 or localhost), not ${host}: its sign-in is a stand-in`);
  }
  const server = createServer((request, response) => {
    void serve(options, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { message: 'Internal Server Error' });
      else response.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`the local alarm API cannot listen on ${host}:${options.port}: the port is in use; choose another with --api-port`)
          : new Error(`the local alarm API cannot listen on ${host}:${options.port ?? 0}: ${error.message}`),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function serve(options: AlarmApiServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const encodedPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);
  const finish = (status: number, body: unknown, headers: Record<string, string> = {}, contentType?: string) => {
    send(response, status, body, headers, contentType);
    options.onRequest?.({ method, path: encodedPath, status });
  };

  if (encodedPath === SIGN_IN_PATH && options.signIn) {
    const answer = await signIn(options.signIn, method, request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return finish(answer.status, answer.body, answer.headers ?? {}, answer.status >= 400 ? PROBLEM_CONTENT_TYPE : undefined);
  }

  const match = matchRoute(method, encodedPath);
  // HTTP APIs answer an unmatched method as an unmatched path.
  if (!isRouteMatch(match)) return finish(404, { message: 'Not Found' });

  const verdict = await options.authorizer.authorize(headerText(request.headers.authorization));
  if (!verdict.ok) {
    return finish(
      401,
      { message: 'Unauthorized' },
      { 'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${verdict.description}"` },
    );
  }

  const body = await readBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  if (body === 'too-large') return finish(413, { message: 'Request Entity Too Large' });

  const event = toEvent({ request, method, encodedPath, rawQueryString, match, body, claims: verdict.claims, scopes: verdict.scopes });
  let result: APIGatewayProxyResultV2;
  try {
    result = await options.handler(event);
  } catch {
    // API Gateway's answer when the integration fails; the handler's own logs say why.
    return finish(500, { message: 'Internal Server Error' });
  }
  const reply = fromResult(result);
  response.writeHead(reply.status, { ...reply.headers, 'apigw-requestid': event.requestContext.requestId });
  response.end(reply.body);
  options.onRequest?.({ method, path: encodedPath, status: reply.status });
}

interface EventParts {
  readonly request: IncomingMessage;
  readonly method: string;
  readonly encodedPath: string;
  readonly rawQueryString: string;
  readonly match: RouteMatch;
  readonly body: Buffer | undefined;
  readonly claims: Record<string, string>;
  readonly scopes: string[] | null;
}

/** The payload 2.0 event API Gateway sends for this request, with the authorizer's claims. */
export function toEvent(parts: EventParts): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, method, match, body } = parts;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    if (name === 'cookie') cookies.push(...value.split(';').map((cookie) => cookie.trim()));
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(parts.rawQueryString))
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const path = safeDecode(parts.encodedPath);
  const now = new Date();
  const text = body !== undefined && isTextContentType(headers['content-type']);
  return {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath: path,
    rawQueryString: parts.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: { ...match.pathParameters } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: parts.claims, scopes: parts.scopes } },
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!.split(':')[0]!,
      http: {
        method,
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: match.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body: body.toString(text ? 'utf8' : 'base64') }),
    isBase64Encoded: body !== undefined && !text,
  };
}

/** Text bodies are passed as they are; anything else base64-encoded, as API Gateway does. */
function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    isJsonContentType(mediaType) ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript' ||
    mediaType === 'application/x-www-form-urlencoded'
  );
}

/** A handler result as API Gateway turns it into a response (a bare value is 200 JSON). */
function fromResult(result: APIGatewayProxyResultV2): { status: number; headers: Record<string, string>; body: Buffer } {
  if (typeof result === 'object' && result !== null && 'statusCode' in result && typeof result.statusCode === 'number') {
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    const cookies = result.cookies ?? [];
    return {
      status: result.statusCode,
      headers: { ...headers, ...(cookies.length > 0 ? { 'set-cookie': cookies.join(', ') } : {}) },
      body,
    };
  }
  const body = Buffer.from(typeof result === 'string' ? result : JSON.stringify(result));
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

/**
 * The request body, undefined when there is none, or `too-large` past the limit. A body
 * declared too large is not read (Node discards it after the response); one found too
 * large on the way is read to its end and dropped, so the response still reaches the client.
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined | 'too-large'> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.once('error', reject);
    request.once('end', () => resolve(size > maxBytes ? 'too-large' : size === 0 ? undefined : Buffer.concat(chunks)));
  });
}

interface SignInAnswer {
  readonly status: number;
  readonly body: SignInBody | Problem;
  readonly headers?: Record<string, string>;
}
type SignInBody = Awaited<ReturnType<LocalSignIn['signIn']>>;

/** `POST /local/sign-in` `{ "username", "password" }` -> `{ accessToken, tokenType, expiresIn }`, or a problem. */
async function signIn(signInService: LocalSignIn, method: string, request: IncomingMessage, maxBytes: number): Promise<SignInAnswer> {
  const instance = SIGN_IN_PATH;
  if (method !== 'POST') {
    return { status: 405, body: problem('method-not-allowed', `${SIGN_IN_PATH} takes POST`, { instance }), headers: { allow: 'POST' } };
  }
  if (!isJsonContentType(headerText(request.headers['content-type']))) {
    return {
      status: 415,
      body: problem('unsupported-media-type', 'send {"username": ..., "password": ...} as application/json', { instance }),
    };
  }
  const body = await readBody(request, maxBytes);
  if (body === 'too-large') return { status: 413, body: problem('payload-too-large', `the body is over ${maxBytes} bytes`, { instance }) };
  let credentials: unknown;
  try {
    credentials = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    return { status: 400, body: problem('invalid-request', 'the body is not JSON; send {"username": ..., "password": ...}', { instance }) };
  }
  const { username, password } = (typeof credentials === 'object' && credentials !== null ? credentials : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string') {
    return { status: 400, body: problem('invalid-request', 'the body needs "username" and "password", both strings', { instance }) };
  }
  const result = await signInService.signIn(username, password);
  if (!result) {
    return {
      status: 401,
      body: problem('unauthenticated', 'unknown user or wrong password (the local users are in the users file)', { instance }),
    };
  }
  return { status: 200, body: result };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
) {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload), ...headers });
  response.end(payload);
}
