import { createHash } from 'node:crypto';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseResumingException,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  TransactionNotFoundException,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { sleep } from '../shared/retry.js';
import { splitSqlStatements, SqlSyntaxError, type SqlStatement } from './data-api-sql.js';

/** One versioned schema change: the file `NNNN_description.sql`. */
export interface Migration {
  /** The number the file name starts with; migrations apply in ascending order. */
  readonly version: number;
  /** The description part of the file name. */
  readonly name: string;
  /** The file name, for messages. */
  readonly fileName: string;
  readonly sql: string;
}

export interface RunMigrationsOptions {
  readonly client: RDSDataClient;
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
  readonly migrations: readonly Migration[];
  /** Progress messages. Default: none. */
  readonly log?: (message: string) => void;
  /**
   * How long to keep retrying while an auto-paused Aurora Serverless v2 cluster
   * resumes (DatabaseResumingException), and how often. Default 120 s, every 5 s.
   */
  readonly resumeWait?: { readonly timeoutMs?: number; readonly intervalMs?: number };
}

export interface MigrationReport {
  /** Migrations this run applied, in order. */
  readonly applied: ReadonlyArray<Pick<Migration, 'version' | 'fileName'>>;
  /** Migrations already applied before this run (by an earlier or a concurrent run). */
  readonly alreadyApplied: number;
  /**
   * Versions recorded in the database that no migration here has: the database is
   * ahead of this code (e.g. after a rollback of the application). Left as they are.
   */
  readonly unknownVersions: readonly number[];
}

/** A migration that cannot be applied; names the file. Nothing of that migration is left applied. */
export class MigrationError extends Error {
  constructor(
    readonly fileName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Bookkeeping table: one row per applied migration. */
const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    bigint PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Advisory lock key that serialises migration runs ("schema_migrations" in spirit; any constant would do). */
const MIGRATION_LOCK_KEY = 7_318_349_394_477_056;

/**
 * Applies the pending migrations, in version order, each in its own Data API
 * transaction together with its bookkeeping row, holding a transaction-level
 * advisory lock so concurrent runs apply each migration once. Refuses to continue
 * if an applied migration has since changed (checksum or name). Safe to run again:
 * a run with nothing pending changes nothing.
 *
 * Each statement is sent on its own (the Data API runs one per call), so statements
 * are bounded by the Data API's statement timeout; a migration must not contain its
 * own transaction control (BEGIN, COMMIT…), which would break its atomicity.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<MigrationReport> {
  const log = options.log ?? (() => undefined);
  const migrations = prepare(options.migrations);
  const db = new DataApiCalls(options, log, {
    timeoutMs: options.resumeWait?.timeoutMs ?? 120_000,
    intervalMs: options.resumeWait?.intervalMs ?? 5_000,
  });

  await db.inTransaction(async (tx) => {
    await tx.execute('SELECT pg_advisory_xact_lock(:key)', [{ name: 'key', value: { longValue: MIGRATION_LOCK_KEY } }]);
    await tx.execute(CREATE_BOOKKEEPING);
  });

  const applied: Array<Pick<Migration, 'version' | 'fileName'>> = [];
  let recorded: AppliedRow[] = [];
  for (;;) {
    const next = await db.inTransaction(async (tx) => {
      await tx.execute('SELECT pg_advisory_xact_lock(:key)', [{ name: 'key', value: { longValue: MIGRATION_LOCK_KEY } }]);
      recorded = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      verifyApplied(recorded, migrations);
      const done = new Set(recorded.map((row) => Number(row.version)));
      const pending = migrations.find((m) => !done.has(m.version));
      if (!pending) return undefined;
      log(`applying ${pending.fileName} (${pending.statements.length} statements)`);
      await applyStatements(tx, pending);
      await tx.execute('INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum)', [
        { name: 'version', value: { longValue: pending.version } },
        { name: 'name', value: { stringValue: pending.name } },
        { name: 'checksum', value: { stringValue: pending.checksum } },
      ]);
      return pending;
    });
    if (!next) break;
    applied.push({ version: next.version, fileName: next.fileName });
  }

  const known = new Set(migrations.map((m) => m.version));
  const unknownVersions = recorded.map((row) => Number(row.version)).filter((v) => !known.has(v));
  if (unknownVersions.length > 0) log(`the database has migrations this code does not know: ${unknownVersions.join(', ')}`);
  log(applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s)`);
  return { applied, alreadyApplied: migrations.length - applied.length, unknownVersions };
}

/** SHA-256 of a migration's text, line endings normalised so a checkout's line-ending style does not matter. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n?/g, '\n')).digest('hex');
}

interface PreparedMigration extends Migration {
  readonly checksum: string;
  readonly statements: readonly SqlStatement[];
}

interface AppliedRow {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

const TRANSACTION_CONTROL = /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b/i;

/** Sorts, checks and splits every migration before anything is applied. */
function prepare(migrations: readonly Migration[]): PreparedMigration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((migration, i) => {
    if (!Number.isSafeInteger(migration.version) || migration.version < 0) {
      throw new MigrationError(migration.fileName, `Migration ${migration.fileName} has an invalid version ${migration.version}`);
    }
    const previous = sorted[i - 1];
    if (previous && previous.version === migration.version) {
      throw new MigrationError(
        migration.fileName,
        `Migrations ${previous.fileName} and ${migration.fileName} share version ${migration.version}`,
      );
    }
  });
  return sorted.map((migration) => {
    let statements: SqlStatement[];
    try {
      statements = splitSqlStatements(migration.sql);
    } catch (error) {
      if (error instanceof SqlSyntaxError) {
        throw new MigrationError(migration.fileName, `Migration ${migration.fileName} cannot be split into statements: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (statements.length === 0) throw new MigrationError(migration.fileName, `Migration ${migration.fileName} holds no SQL statement`);
    for (const statement of statements) {
      const control = TRANSACTION_CONTROL.exec(statement.text)?.[0];
      if (control) {
        throw new MigrationError(
          migration.fileName,
          `Migration ${migration.fileName} line ${statement.line}: ${control.toUpperCase()} is transaction control; each migration already runs in one transaction`,
        );
      }
    }
    return { ...migration, checksum: migrationChecksum(migration.sql), statements };
  });
}

function verifyApplied(recorded: readonly AppliedRow[], migrations: readonly PreparedMigration[]): void {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of recorded) {
    const migration = byVersion.get(Number(row.version));
    if (!migration) continue;
    if (row.checksum !== migration.checksum || row.name !== migration.name) {
      throw new MigrationError(
        migration.fileName,
        `Migration ${migration.fileName} has changed since it was applied (recorded as "${row.name}" with checksum ${row.checksum}; ` +
          `the file now has checksum ${migration.checksum}). Applied migrations must not change: revert the file and add a new migration.`,
      );
    }
  }
}

async function applyStatements(tx: TransactionCalls, migration: PreparedMigration): Promise<void> {
  for (const [i, statement] of migration.statements.entries()) {
    try {
      await tx.execute(statement.text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(
        migration.fileName,
        `Migration ${migration.fileName} failed at statement ${i + 1} of ${migration.statements.length} (line ${statement.line}) and was rolled back: ${reason}`,
        { cause: error },
      );
    }
  }
}

interface TransactionCalls {
  execute(sql: string, parameters?: SqlParameter[]): Promise<void>;
  query<Row>(sql: string, parameters?: SqlParameter[]): Promise<Row[]>;
}

/** The few Data API calls the runner makes. */
class DataApiCalls {
  constructor(
    private readonly target: Pick<RunMigrationsOptions, 'client' | 'resourceArn' | 'secretArn' | 'database'>,
    private readonly log: (message: string) => void,
    private readonly resumeWait: { readonly timeoutMs: number; readonly intervalMs: number },
  ) {}

  async inTransaction<T>(work: (tx: TransactionCalls) => Promise<T>): Promise<T> {
    const { client, resourceArn, secretArn, database } = this.target;
    const transactionId = await this.begin();
    const statement = (sql: string, parameters: SqlParameter[] | undefined, formatRecordsAs?: 'JSON') =>
      client.send(new ExecuteStatementCommand({ resourceArn, secretArn, database, transactionId, sql, parameters, formatRecordsAs }));
    const tx: TransactionCalls = {
      execute: async (sql, parameters) => {
        await statement(sql, parameters);
      },
      query: async <Row>(sql: string, parameters?: SqlParameter[]) => {
        const output = await statement(sql, parameters, 'JSON');
        return JSON.parse(output.formattedRecords ?? '[]') as Row[];
      },
    };
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      await client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })).catch((rollbackError: unknown) => {
        // The service ends a transaction itself when a statement in it fails; otherwise it
        // rolls back an abandoned one after its idle timeout. Either way the original error matters.
        if (!(rollbackError instanceof TransactionNotFoundException)) this.log(`rollback failed: ${String(rollbackError)}`);
      });
      throw error;
    }
    await client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId }));
    return result;
  }

  /** BeginTransaction, waiting for a paused cluster to resume. */
  private async begin(): Promise<string> {
    const { client, resourceArn, secretArn, database } = this.target;
    const deadline = Date.now() + this.resumeWait.timeoutMs;
    for (;;) {
      try {
        const { transactionId } = await client.send(new BeginTransactionCommand({ resourceArn, secretArn, database }));
        if (!transactionId) throw new Error('BeginTransaction returned no transaction id');
        return transactionId;
      } catch (error) {
        if (!(error instanceof DatabaseResumingException) || Date.now() + this.resumeWait.intervalMs > deadline) throw error;
        this.log(`the database is resuming; retrying in ${this.resumeWait.intervalMs} ms`);
        await sleep(this.resumeWait.intervalMs);
      }
    }
  }
}
