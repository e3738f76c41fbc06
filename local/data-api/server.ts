import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { badRequest, DataApiError } from './errors.js';
import { DataApiService, type DataApiServiceOptions } from './service.js';

export interface DataApiServerOptions extends DataApiServiceOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Called once per request, e.g. to log it. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  readonly operation: string;
  readonly status: number;
  readonly durationMs: number;
  /** Bytes of the request body and of the response body. */
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** The error type and message, for failed requests. */
  readonly error?: string;
}

export interface DataApiServer {
  /** Endpoint URL for the SDK client, e.g. http://127.0.0.1:8081. */
  readonly url: string;
  readonly port: number;
  readonly service: DataApiService;
  /** Stops listening, drops connections and rolls back open transactions. The backend stays open. */
  close(): Promise<void>;
}

type Operation = (service: DataApiService, body: unknown) => Promise<unknown>;

/** The operations by the path the SDK posts them to (see the rds-data service model). */
const OPERATIONS: Record<string, { name: string; run: Operation }> = {
  '/Execute': { name: 'ExecuteStatement', run: (s, b) => s.executeStatement(b) },
  '/BatchExecute': { name: 'BatchExecuteStatement', run: (s, b) => s.batchExecuteStatement(b) },
  '/BeginTransaction': { name: 'BeginTransaction', run: (s, b) => s.beginTransaction(b) },
  '/CommitTransaction': { name: 'CommitTransaction', run: (s, b) => s.commitTransaction(b) },
  '/RollbackTransaction': { name: 'RollbackTransaction', run: (s, b) => s.rollbackTransaction(b) },
};

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Starts an HTTP endpoint that speaks the RDS Data API's REST-JSON protocol, so that
 * an unchanged `RDSDataClient` pointed at `url` runs its statements on `backend`.
 * Request signatures are not checked; resourceArn and secretArn must be present
 * and non-empty, as the service requires, and are otherwise ignored, as is `database`:
 * the backend's database is the only one.
 */
export async function startDataApiServer(options: DataApiServerOptions): Promise<DataApiServer> {
  const service = new DataApiService(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void handle(service, request, response, options.onRequest);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `The Data API endpoint cannot listen on ${host}:${options.port}: the port is in use. Choose another with the 'port' option (0 picks a free port).`,
          ),
        );
      } else {
        reject(new Error(`The Data API endpoint cannot listen on ${host}:${options.port ?? 0}: ${error.message}`));
      }
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    service,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await service.close();
    },
  };
}

async function handle(
  service: DataApiService,
  request: IncomingMessage,
  response: ServerResponse,
  onRequest: DataApiServerOptions['onRequest'],
) {
  const started = performance.now();
  const path = (request.url ?? '/').split('?')[0]!;
  const operation = OPERATIONS[path];
  let status = 200;
  let error: DataApiError | undefined;
  let responseBytes: number;
  try {
    if (request.method !== 'POST' || !operation) throw unknownOperation(request.method, path);
    const body = await readJson(request);
    responseBytes = send(response, 200, await operation.run(service, body));
  } catch (caught) {
    error =
      caught instanceof DataApiError ? caught : new DataApiError('InternalServerErrorException', `Unexpected error: ${String(caught)}`);
    status = error.status;
    responseBytes = send(response, status, error.toBody(), error.type);
  }
  onRequest?.({
    operation: operation?.name ?? `${request.method} ${path}`,
    status,
    durationMs: performance.now() - started,
    requestBytes: Number(request.headers['content-length'] ?? 0),
    responseBytes,
    ...(error ? { error: `${error.type}: ${error.message}` } : {}),
  });
}

function unknownOperation(method: string | undefined, path: string): DataApiError {
  if (path === '/ExecuteSql') return badRequest('ExecuteSql is not supported (it served Aurora Serverless v1 only); use ExecuteStatement');
  return badRequest(`No Data API operation at ${method} ${path}; the operations are POST ${Object.keys(OPERATIONS).join(', ')}`);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw badRequest(`Request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}

/** Sends `body` as JSON; returns the bytes sent. */
function send(response: ServerResponse, status: number, body: unknown, errorType?: string): number {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(payload);
  return Buffer.byteLength(payload);
}
