import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataApiDatabase } from '../../lambdas/db/sql-client.js';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  type DataApiServer,
  type EmbeddedDatabase,
} from '../../local/data-api/index.js';

const MIGRATIONS_DIR = 'lambdas/db/migrations';

/** The batch store's schema, applied file by file in version order. */
export function schemaFiles(): Array<{ name: string; sql: string }> {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(MIGRATIONS_DIR, name), 'utf8') }));
}

/** An embedded PostgreSQL with the schema, behind a real local Data API endpoint. */
export interface LocalBatchDatabase {
  readonly db: DataApiDatabase;
  readonly embedded: EmbeddedDatabase;
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

export async function startLocalBatchDatabase(): Promise<LocalBatchDatabase> {
  const embedded = await openEmbeddedDatabase();
  for (const file of schemaFiles()) await embedded.pglite.exec(file.sql);
  const backend = pgliteBackend(embedded);
  let server = await startDataApiServer({ backend, port: 0 });
  const port = server.port;
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const db = new DataApiDatabase(client, { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE });
  const handle: LocalBatchDatabase = {
    db,
    embedded,
    server,
    endpoint: () => server.url,
    async stopEndpoint() {
      await server.close();
    },
    async restartEndpoint() {
      server = await startDataApiServer({ backend, port });
      handle.server = server;
    },
    async rows<T>(sql: string) {
      const lease = await embedded.gate.acquire('test');
      try {
        return (await embedded.pglite.query<T>(sql)).rows;
      } finally {
        lease.release();
      }
    },
    async close() {
      await server.close().catch(() => undefined);
      client.destroy();
      await embedded.close();
    },
  };
  return handle;
}
