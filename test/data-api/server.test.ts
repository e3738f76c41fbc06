import { createServer, type Server } from 'node:net';
import {
  BadRequestException,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  DatabaseUnavailableException,
  ExecuteStatementCommand,
  StatementTimeoutException,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  postgresBackend,
  startDataApiServer,
  type DataApiBackend,
  type DataApiServer,
  type EmbeddedDatabase,
} from '../../local/data-api/index.js';
import { rejectionOf } from './endpoints.js';

const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN };

describe('the Data API endpoint over PGlite', () => {
  let database: EmbeddedDatabase;
  let backend: DataApiBackend;
  let server: DataApiServer;

  beforeAll(async () => {
    database = await openEmbeddedDatabase();
    backend = pgliteBackend(database);
    server = await startDataApiServer({ backend, port: 0, engineWaitTimeoutMs: 300 });
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await backend.close();
    await database.close();
  });

  it('listens on a free loopback port when given port 0', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('names the option to change when the port is taken', async () => {
    const error = await rejectionOf(startDataApiServer({ backend, port: server.port }));
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(error.message).toContain("'port' option");
  });

  it('answers SQL errors with DatabaseErrorException carrying the PostgreSQL message and SQLSTATE', async () => {
    const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
    const error = await rejectionOf(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELEC 1' })));
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect(error.message).toMatch(/^ERROR: syntax error at or near "SELEC"[\s\S]*; SQLState: 42601$/);
    expect((error as DatabaseErrorException).$metadata.httpStatusCode).toBe(400);
  });

  it('refuses a request without a resource ARN with BadRequestException', async () => {
    const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
    const error = await rejectionOf(
      client.send(new ExecuteStatementCommand({ resourceArn: '', secretArn: LOCAL_SECRET_ARN, sql: 'SELECT 1' })),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toContain('resourceArn');
  });

  it('times out a statement that waits too long for an engine held by a transaction', async () => {
    const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
    const { transactionId } = await client.send(new BeginTransactionCommand(target));
    const error = await rejectionOf(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1' })));
    expect(error).toBeInstanceOf(StatementTimeoutException);
    expect(error.message).toContain('Data API transaction');
    await client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1', transactionId }));
    await client.send(new CommitTransactionCommand({ ...target, transactionId }));
  });

  it('answers malformed requests and unknown paths with the error shape the SDK expects', async () => {
    const invalid = await fetch(`${server.url}/Execute`, { method: 'POST', body: '{not json' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await invalid.json()).toEqual({ __type: 'BadRequestException', message: 'Request body is not valid JSON' });

    const unknown = await fetch(`${server.url}/ExecuteSql`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain('use ExecuteStatement');
  });

  it('reports each request to the onRequest hook', async () => {
    const entries: Array<{ operation: string; status: number; error?: string }> = [];
    const logged = await startDataApiServer({ backend, port: 0, onRequest: (entry) => entries.push(entry) });
    try {
      const client = createLocalRdsDataClient(logged.url, { maxAttempts: 1 });
      await client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1' }));
      await rejectionOf(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT nope' })));
    } finally {
      await logged.close();
    }
    expect(entries.map(({ operation, status }) => [operation, status])).toEqual([
      ['ExecuteStatement', 200],
      ['ExecuteStatement', 400],
    ]);
    expect(entries[1]?.error).toMatch(/^DatabaseErrorException: /);
  });

  it('reports the bytes of each request body and response body to the onRequest hook', async () => {
    const entries: Array<{ requestBytes: number; responseBytes: number }> = [];
    const logged = await startDataApiServer({ backend, port: 0, onRequest: (entry) => entries.push(entry) });
    try {
      const body = JSON.stringify({ ...target, sql: "SELECT 'é' AS word" });
      const response = await fetch(`${logged.url}/Execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = Buffer.from(await response.arrayBuffer());
      expect(response.status).toBe(200);
      expect(entries).toEqual([{ ...entries[0], requestBytes: Buffer.byteLength(body), responseBytes: answer.length }]);
    } finally {
      await logged.close();
    }
  });
});

describe('the Data API endpoint when its PostgreSQL server is unreachable', () => {
  let closedPort: Server;
  let server: DataApiServer;

  beforeAll(async () => {
    // A port that was just free and is now closed: connections to it are refused.
    closedPort = createServer();
    await new Promise<void>((resolve) => closedPort.listen(0, '127.0.0.1', resolve));
    const { port } = closedPort.address() as { port: number };
    await new Promise<void>((resolve) => closedPort.close(() => resolve()));
    server = await startDataApiServer({
      backend: postgresBackend({ connectionString: `postgres://postgres@127.0.0.1:${port}/none` }),
      port: 0,
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers DatabaseUnavailableException (a server fault, HTTP 504)', async () => {
    const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
    const error = await rejectionOf(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1' })));
    expect(error).toBeInstanceOf(DatabaseUnavailableException);
    expect((error as DatabaseUnavailableException).$fault).toBe('server');
    expect((error as DatabaseUnavailableException).$metadata.httpStatusCode).toBe(504);
  });
});
