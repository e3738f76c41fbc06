import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawItem } from '../lambdas/simulator/endpoints.js';
import type { SimulatorOptions } from '../lambdas/simulator/options.js';
import type { SimulatorResponse } from '../lambdas/simulator/router.js';
import { createSimulator, type Simulator } from '../lambdas/simulator/simulator.js';

/** One response the simulator sent. */
export interface ServeRecord {
  readonly method: string;
  /** The request path as received, query string included. */
  readonly path: string;
  readonly status: number;
  /** The simulator clock reading the response was computed for, epoch ms. */
  readonly at: number;
  /** The reading items the body delivered, as serialised; empty for errors and unparseable bodies. */
  readonly items: readonly RawItem[];
}

export interface SimulatorServerOptions extends SimulatorOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Keep every response in {@link RunningSimulator.served}. Default false (the log grows without bound). */
  readonly recordServed?: boolean;
  /** Called after every response is sent. */
  readonly onServe?: (record: ServeRecord) => void;
}

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8070`. */
  readonly url: string;
  readonly port: number;
  readonly simulator: Simulator;
  /** Every response sent, in order, when `recordServed` is on; otherwise empty. */
  readonly served: readonly ServeRecord[];
  /** Stops listening, drops open connections and cancels held-back responses. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';

/** Serves the simulated source API over HTTP. */
export async function startSimulatorServer(options: SimulatorServerOptions = {}): Promise<RunningSimulator> {
  const { port = 0, host = DEFAULT_HOST, recordServed = false, onServe, ...simulatorOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be a whole number from 0 to 65535 (got ${String(port)})`);
  }
  const simulator = createSimulator(simulatorOptions);
  const served: ServeRecord[] = [];
  const pending = new Set<NodeJS.Timeout>();

  const send = (request: IncomingMessage, response: ServerResponse): void => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    let result: SimulatorResponse;
    try {
      result = simulator.handle({ method, path });
    } catch (error) {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: 'simulator_error', message: String(error) }));
      return;
    }
    const deliver = (): void => {
      response.writeHead(result.status, result.headers);
      response.end(method.toUpperCase() === 'HEAD' ? undefined : result.body);
      const record: ServeRecord = { method, path, status: result.status, at: result.at, items: result.items };
      if (recordServed) served.push(record);
      onServe?.(record);
    };
    if (result.delayMs === 0) return deliver();
    const timer = setTimeout(() => {
      pending.delete(timer);
      deliver();
    }, result.delayMs);
    pending.add(timer);
  };

  const server = createServer(send);
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    simulator,
    served,
    close: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `Port ${port} on ${host} is already in use: choose another with the 'port' option (--port on the command line), or 0 for any free port`,
            { cause: error },
          ),
        );
      } else {
        reject(new Error(`Cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
