import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../../lambdas/db/migration-set.js';
import { DataApiDatabase, type SqlDatabase } from '../../lambdas/db/sql-client.js';
import {
  createLocalRdsDataClient,
  LOCAL_TARGET,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  type DataApiServer,
  type EmbeddedDatabase,
} from '../data-api/index.js';
import { ReportUsageError } from './options.js';

/** The local pipeline's database, open for a report. */
export interface ReportDatabase {
  readonly db: SqlDatabase;
  /** The database directory. */
  readonly location: string;
  /** Migrations this opening applied (the views arrive with a migration). */
  readonly appliedMigrations: readonly string[];
  close(): Promise<void>;
}

/**
 * PGlite writes this file into the database directory while a process has the database
 * open and removes it on a clean close. PGlite itself does not refuse a second process,
 * and two processes writing one directory would corrupt it, so the report checks first.
 */
const IN_USE_MARKER = 'postmaster.pid';

/** The database directory of `npm start`'s data directory. */
export function databaseDirectory(dataDir: string): string {
  return join(resolve(dataDir), 'postgres');
}

/**
 * Opens the embedded database `npm start` keeps in `dataDir`, behind a local Data API
 * endpoint on loopback (so the report runs the same SQL client as the Lambdas), and
 * applies pending migrations — the same ones `npm start` applies — so that a database
 * made before the report views existed gains them.
 */
export async function openReportDatabase(dataDir: string): Promise<ReportDatabase> {
  const location = databaseDirectory(dataDir);
  assertDatabaseDirectory(dataDir, location);

  let embedded: EmbeddedDatabase;
  try {
    embedded = await openEmbeddedDatabase({ dataDir: location, templateCache: false });
  } catch (error) {
    throw new ReportUsageError('--data-dir', `cannot open the database in ${location}: ${(error as Error).message}`);
  }
  const backend = pgliteBackend(embedded);
  let server: DataApiServer;
  try {
    server = await startDataApiServer({ backend, port: 0 });
  } catch (error) {
    await embedded.close();
    throw error;
  }
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const close = async () => {
    client.destroy();
    await server.close();
    await backend.close();
    await embedded.close();
  };
  try {
    const migrations = await runMigrations({ client, ...LOCAL_TARGET, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
    return { db: new DataApiDatabase(client, LOCAL_TARGET), location, appliedMigrations: migrations.applied.map((m) => m.fileName), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw new ReportUsageError('--data-dir', `the database in ${location} cannot be read: ${(error as Error).message}`);
  }
}

function assertDatabaseDirectory(dataDir: string, location: string): void {
  if (!existsSync(dataDir)) {
    throw new ReportUsageError(
      '--data-dir',
      `${dataDir} does not exist: run \`npm start\` first (it keeps its database there), or name its data directory`,
    );
  }
  if (!existsSync(location) || !statSync(location).isDirectory()) {
    throw new ReportUsageError(
      '--data-dir',
      `${dataDir} holds no database (no ${join(dataDir, 'postgres')} directory): is it the data directory of \`npm start\`?`,
    );
  }
  if (!existsSync(join(location, 'PG_VERSION'))) {
    throw new ReportUsageError('--data-dir', `${location} is not a PostgreSQL database directory (it has no PG_VERSION file)`);
  }
  if (existsSync(join(location, IN_USE_MARKER))) {
    throw new ReportUsageError(
      '--data-dir',
      `the database in ${location} is open in another process — is \`npm start\` running? The embedded database admits one ` +
        `process at a time: stop it (Ctrl-C) and run the report again. If no process has it open, it was not shut down cleanly: ` +
        `start and stop \`npm start\` once to recover it.`,
    );
  }
}
