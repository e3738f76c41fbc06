import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataApiDatabase } from '../../lambdas/db/sql-client.js';
import pg from 'pg';
import {
  createLocalRdsDataClient,
  postgresBackend,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  type DataApiBackend,
  type DataApiServer,
} from '../../local/data-api/index.js';
import { startPostgresServer } from './postgres-server.js';

const MIGRATIONS_DIR = 'lambdas/db/migrations';

/** The batch store's schema, applied file by file in version order. */
export function schemaFiles(): Array<{ name: string; sql: string }> {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(MIGRATIONS_DIR, name), 'utf8') }));
}

export type Engine = 'pglite' | 'postgres';

/** A database engine with the schema, behind a real local Data API endpoint. */
export interface LocalBatchDatabase {
  readonly engine: Engine;
  readonly db: DataApiDatabase;
  server: DataApiServer;
  readonly endpoint: () => string;
  /** Stops the endpoint (the database stays), to simulate a sink outage. */
  stopEndpoint(): Promise<void>;
  /** Starts the endpoint again on the same port. */
  restartEndpoint(): Promise<void>;
  /** Rows of a query, straight from the engine. */
  rows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

interface EngineHandle {
  readonly backend: DataApiBackend;
  rows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** Embedded PGlite, or a throwaway real PostgreSQL server, with the schema applied. */
async function openEngine(engine: Engine): Promise<EngineHandle> {
  if (engine === 'pglite') {
    const embedded = await openEmbeddedDatabase();
    for (const file of schemaFiles()) await embedded.pglite.exec(file.sql);
    return {
      backend: pgliteBackend(embedded),
      async rows<T>(sql: string) {
        const lease = await embedded.gate.acquire('test');
        try {
          return (await embedded.pglite.query<T>(sql)).rows;
        } finally {
          lease.release();
        }
      },
      close: () => embedded.close(),
    };
  }
  const server = await startPostgresServer();
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  await client.query("SET TimeZone TO 'UTC'");
  for (const file of schemaFiles()) await client.query(file.sql);
  const backend = postgresBackend({ connectionString: server.connectionString });
  return {
    backend,
    async rows<T>(sql: string) {
      return (await client.query(sql)).rows as T[];
    },
    async close() {
      await client.end();
      await backend.close();
      await server.stop();
    },
  };
}

export async function startLocalBatchDatabase(engine: Engine = 'pglite'): Promise<LocalBatchDatabase> {
  const handle_ = await openEngine(engine);
  const backend = handle_.backend;
  let server = await startDataApiServer({ backend, port: 0 });
  const port = server.port;
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const db = new DataApiDatabase(client, { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE });
  const handle: LocalBatchDatabase = {
    engine,
    db,
    server,
    endpoint: () => server.url,
    async stopEndpoint() {
      await server.close();
    },
    async restartEndpoint() {
      server = await startDataApiServer({ backend, port });
      handle.server = server;
    },
    rows: (sql) => handle_.rows(sql),
    async close() {
      await server.close().catch(() => undefined);
      client.destroy();
      await handle_.close();
    },
  };
  return handle;
}

/**
 * Empties every table the batch path and the alarm lifecycle write, between tests (TRUNCATE
 * is a table owner's operation: the audit's append-only trigger refuses row UPDATE and DELETE).
 */
export const CLEAR_BATCH_STORE =
  'TRUNCATE readings, window_aggregates, instrument_status, status_checkpoints, trigger_events, unconfirmed_spikes, ' +
  'instrument_baselines, quarantined_readings, alarm_audit, alarm_notifications, alarm_acknowledgements, alarm_steps, alarms, ' +
  'response_plans, instruments, stream_partition_progress, stream_pending_windows';
