import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the scripted source does for one request: answer, or hold the request without ever answering. */
export type ScriptedResponse = { readonly status: number; readonly body: string } | { readonly hang: true };

/** Chooses the response to the `n`th request (from 1) for a path. */
export type Script = (n: number) => ScriptedResponse;

export interface ScriptedSource {
  readonly url: string;
  /** Requests received per path (without the leading slash). */
  hits(path: string): number;
  /** Headers of every request, in order of arrival. */
  readonly requests: { readonly path: string; readonly headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A readings envelope holding `items`. */
export function envelope(items: unknown[]): string {
  return JSON.stringify({ instruments: items.length, units: 'water level (m)', timezone: 'UTC', items });
}

/**
 * A real HTTP server whose answers per path follow a script, for failure cases a
 * randomised simulator cannot pin down (exactly two 503s, then success). Unscripted paths get 404.
 */
export async function startScriptedSource(scripts: Record<string, Script>): Promise<ScriptedSource> {
  const counts = new Map<string, number>();
  const requests: ScriptedSource['requests'] = [];
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').replace(/^\/+/, '').split('?')[0] ?? '';
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    requests.push({ path, headers: request.headers });
    const script = scripts[path];
    const answer: ScriptedResponse = script ? script(n) : { status: 404, body: '{"message":"Not Found"}' };
    if ('hang' in answer) return;
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (path) => counts.get(path) ?? 0,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
