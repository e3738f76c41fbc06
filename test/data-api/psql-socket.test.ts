import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  startPsqlSocket,
  type DataApiBackend,
  type DataApiServer,
  type EmbeddedDatabase,
  type PsqlSocket,
} from '../../local/data-api/index.js';
import { rejectionOf } from './endpoints.js';

const run = promisify(execFile);
const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN };

describe('the embedded database over the PostgreSQL wire protocol, beside the Data API', () => {
  let database: EmbeddedDatabase;
  let backend: DataApiBackend;
  let server: DataApiServer;
  let socket: PsqlSocket;
  const clients: pg.Client[] = [];

  const connect = async () => {
    const client = new pg.Client({ host: socket.host, port: socket.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    clients.push(client);
    return client;
  };
  const dataApi = () => createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const countViaDataApi = async () =>
    (await dataApi().send(new ExecuteStatementCommand({ ...target, sql: 'SELECT count(*) FROM visits' }))).records![0]![0]!.longValue;

  beforeAll(async () => {
    database = await openEmbeddedDatabase();
    backend = pgliteBackend(database);
    server = await startDataApiServer({ backend, port: 0 });
    socket = await startPsqlSocket(database, { port: 0 });
    await dataApi().send(new ExecuteStatementCommand({ ...target, sql: 'CREATE TABLE visits (id int PRIMARY KEY)' }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await socket.close();
    await server.close();
    await backend.close();
    await database.close();
  });

  it('prints a psql command line that opens the database', async () => {
    expect(socket.psqlCommand).toBe(`psql -h 127.0.0.1 -p ${socket.port} -U postgres -d postgres`);
    const [program, ...args] = socket.psqlCommand.split(' ');
    const psql = await run(program!, [...args, '-At', '-c', "SELECT 'hello from psql'"]).catch((error: Error) => error);
    if (psql instanceof Error && /ENOENT/.test(psql.message)) {
      console.warn('psql is not installed (apt-get install postgresql-client); checked the socket with node-postgres only');
      const client = await connect();
      expect((await client.query("SELECT 'hello from psql' AS greeting")).rows).toEqual([{ greeting: 'hello from psql' }]);
      return;
    }
    if (psql instanceof Error) throw psql;
    expect(psql.stdout.trim()).toBe('hello from psql');
  });

  it('holds Data API statements back while a socket client is inside a transaction', async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO visits VALUES (1)');
    const counted = countViaDataApi();
    await client.query('INSERT INTO visits VALUES (2)');
    await client.query('COMMIT');
    // Had the Data API statement run inside the client's transaction it could have seen 0, 1 or 2 uncommitted rows;
    // it waited, so it sees exactly the committed two.
    expect(await counted).toBe(2);
  });

  it('holds socket clients back while a Data API transaction is open', async () => {
    const client = await connect();
    const api = dataApi();
    const { transactionId } = await api.send(new BeginTransactionCommand(target));
    await api.send(new ExecuteStatementCommand({ ...target, transactionId, sql: 'INSERT INTO visits VALUES (3)' }));
    const counted = client.query('SELECT count(*)::int AS n FROM visits');
    await api.send(new ExecuteStatementCommand({ ...target, transactionId, sql: 'INSERT INTO visits VALUES (4)' }));
    await api.send(new CommitTransactionCommand({ ...target, transactionId }));
    expect((await counted).rows).toEqual([{ n: 4 }]);
  });

  it('rolls back and lets go of a client that disconnects mid-transaction', async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO visits VALUES (5)');
    await client.end();
    expect(await countViaDataApi()).toBe(4);
  });

  it('keeps a client’s extended-protocol exchange whole while the Data API waits', async () => {
    const client = await connect();
    // rows: 1 makes node-postgres fetch the result a row at a time from an open portal (Execute + Flush, no Sync),
    // so the exchange spans many round trips; a statement slipped in between would destroy the portal.
    const fetched = client.query({ text: 'SELECT g FROM generate_series(1, 300) AS g', rows: 1 } as pg.QueryConfig);
    const viaDataApi = Array.from({ length: 10 }, async (_, i) => {
      const output = await dataApi().send(
        new ExecuteStatementCommand({ ...target, sql: 'SELECT :i * 2', parameters: [{ name: 'i', value: { longValue: i } }] }),
      );
      return output.records![0]![0]!.longValue;
    });
    expect((await fetched).rows.map((row: { g: number }) => row.g)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await Promise.all(viaDataApi)).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
  });

  it('names the option to change when its port is taken', async () => {
    const error = await rejectionOf(startPsqlSocket(database, { port: socket.port }));
    expect(error.message).toContain("'port' option");
  });
});
