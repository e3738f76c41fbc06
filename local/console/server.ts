import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { ConsoleConfig } from '../../lib/console/console-config.js';
import { CONSOLE_DIST_DIR, ensureConsoleBuilt } from '../../lib/console/build.js';
import { consoleContentSecurityPolicy, REFERRER_POLICY } from '../../lib/console/security-headers.js';

/**
 * The site console on this machine: a small static server for the built bundle, its
 * `config.json` (the local sign-in stand-in; the API at `/api` on the same origin), and a
 * proxy from `/api/*` to the local API server.
 *
 * Why a proxy rather than CORS on the local API: the local API server stands in for API
 * Gateway in front of the API function, and in AWS CORS is API Gateway's own setting (the
 * construct configures it), not the function's; a same-origin proxy keeps the stand-in
 * free of a local-only feature, lets the page's CSP say `connect-src 'self'`, and works
 * whatever port the API is on. It listens on loopback only, with the same security
 * headers CloudFront adds in AWS (HSTS aside: there is no TLS here).
 */
export interface ConsoleServerOptions {
  /** The local API server to proxy `/api/*` to, e.g. `http://127.0.0.1:8072`. */
  readonly apiUrl: string;
  readonly siteTimeZone: string;
  /** TCP port; 0 picks a free one. Default 8073. */
  readonly port?: number;
  /** The built bundle. Default lib/console/web/dist (built first when missing or stale). */
  readonly distDir?: string;
  /** How config.json tells the console to sign in. Default the local sign-in stand-in, through `/api/local/sign-in`. */
  readonly auth?: ConsoleConfig['auth'];
}

export interface ConsoleServer {
  /** e.g. `http://127.0.0.1:8073` */
  readonly url: string;
  readonly port: number;
  /** Whether the bundle was built at start, and why. */
  readonly build: { readonly built: boolean; readonly reason: string | undefined };
  close(): Promise<void>;
}

export const DEFAULT_CONSOLE_PORT = 8073;
const HOST = '127.0.0.1';
const API_PREFIX = '/api';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Headers that belong to one connection and are not passed through the proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/** Starts the console server, building the bundle first when it is missing or stale. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const distDir = options.distDir ?? CONSOLE_DIST_DIR;
  const build = options.distDir === undefined ? ensureConsoleBuilt(distDir) : { built: false, reason: undefined };
  const upstream = new URL(options.apiUrl);
  const auth = options.auth ?? { kind: 'local' };
  const config: ConsoleConfig = { apiUrl: API_PREFIX, auth, siteTimeZone: options.siteTimeZone };
  const securityHeaders = {
    // A hosted UI's token endpoint is the one other origin the page may call.
    'content-security-policy': consoleContentSecurityPolicy({ connect: auth.kind === 'cognito' ? [auth.domain] : [], formAction: [] }),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': REFERRER_POLICY,
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://console.local');
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      proxy(request, response, upstream, url.pathname.slice(API_PREFIX.length) + url.search);
      return;
    }
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (url.pathname === '/config.json') {
      response.writeHead(200, { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-store' }).end(JSON.stringify(config));
      return;
    }
    serveStatic(distDir, url.pathname, request, response);
  });
  const port = options.port ?? DEFAULT_CONSOLE_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`the site console cannot listen on ${HOST}:${port}: the port is in use; choose another with --console-port`)
          : error,
      ),
    );
    server.listen(port, HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${address.port}`,
    port: address.port,
    build,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A file of the bundle: hashed assets cached for a year, everything else revalidated. Any
 * other path outside `/assets/` is a page of the app (alarm ids carry dots and colons):
 * index.html, as the CloudFront function answers in AWS.
 */
function serveStatic(distDir: string, pathname: string, request: IncomingMessage, response: ServerResponse): void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  const file = path.resolve(distDir, `.${relative}`);
  const inside = file.startsWith(`${path.resolve(distDir)}${path.sep}`);
  const isFile = inside && existsSync(file) && statSync(file).isFile();
  const target = isFile ? file : relative.startsWith('/assets/') ? null : path.join(distDir, 'index.html');
  if (!target || !existsSync(target)) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const immutable = isFile && relative.startsWith('/assets/');
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream',
    'content-length': statSync(target).size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else createReadStream(target).pipe(response);
}

/** Forwards the request to the local API as it came (method, headers, body) and its answer back. */
function proxy(request: IncomingMessage, response: ServerResponse, upstream: URL, pathAndQuery: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const forwarded = httpRequest(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: `${upstream.pathname.replace(/\/$/, '')}${pathAndQuery || '/'}`,
      headers,
    },
    (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
      response.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(response);
    },
  );
  forwarded.on('error', (error) => {
    if (response.headersSent) {
      response.destroy(error);
      return;
    }
    response.writeHead(502, { 'content-type': 'application/problem+json' }).end(
      JSON.stringify({
        type: 'about:blank',
        title: 'Bad Gateway',
        status: 502,
        detail: `the local API at ${upstream.origin} did not answer: ${error.message}`,
      }),
    );
  });
  request.pipe(forwarded);
}
