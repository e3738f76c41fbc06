import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../../lambdas/db/migration-set.js';
import { DataApiDatabase, type SqlDatabase } from '../../lambdas/db/sql-client.js';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  type EmbeddedDatabase,
} from '../../local/data-api/index.js';

/** A data directory laid out as `npm start` leaves it: the embedded database in `<dir>/postgres`, migrated. */
export interface LocalDataDir {
  readonly dataDir: string;
  readonly embedded: EmbeddedDatabase;
  readonly db: SqlDatabase;
  /** Closes the database cleanly, as `npm start` does on Ctrl-C. */
  close(): Promise<void>;
}

/** Opens (creating if new) a data directory's database and migrates it, as `npm start` does. */
export async function openLocalDataDir(dataDir = mkdtempSync(join(tmpdir(), 'report-data-'))): Promise<LocalDataDir> {
  const embedded = await openEmbeddedDatabase({ dataDir: join(dataDir, 'postgres') });
  const backend = pgliteBackend(embedded);
  const server = await startDataApiServer({ backend, port: 0 });
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };
  await runMigrations({ client, ...target, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
  return {
    dataDir,
    embedded,
    db: new DataApiDatabase(client, target),
    async close() {
      client.destroy();
      await server.close();
      await backend.close();
      await embedded.close();
    },
  };
}
