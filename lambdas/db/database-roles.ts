import type { SqlDatabase, SqlSession } from './sql-client.js';

/**
 * The batch store's database roles besides the owner (the cluster's admin user, which runs
 * the migrations and owns every table and view):
 *
 * - the **application** role, which the pipeline's functions sign in as through the Data
 *   API: SELECT, INSERT, UPDATE and DELETE on the tables of {@link APPLICATION_TABLES}, nothing
 *   else (no DDL, no other table, no view);
 * - the **reporting** role, which QuickSight signs in as: SELECT on every view whose name
 *   starts with `report_`, nothing else.
 *
 * {@link applyDatabaseRoles} makes the database match this module: it creates the roles
 * when they are missing, revokes whatever they hold on the schema's tables and views, and
 * grants what is listed here, in one transaction, after every migration run (the migration
 * custom resource calls it on Create and Update). A migration that drops and recreates a view
 * or adds a table therefore needs no GRANT of its own: a new table the pipeline writes is
 * added to {@link APPLICATION_TABLES}, one the owner alone uses to {@link OWNER_TABLES}, and
 * a new report view is granted by its `report_` name. test/db/database-roles.test.ts fails
 * while a table of the migrated schema is in neither list.
 */

/** The role the pipeline's functions use (the application secret's username). */
export const APPLICATION_ROLE = 'geotech_app';

/** The role QuickSight uses (the reporting secret's username). */
export const REPORTING_ROLE = 'geotech_reporting';

/** Tables the pipeline reads and writes: the application role's DML grants. */
export const APPLICATION_TABLES = [
  'instruments',
  'readings',
  'window_aggregates',
  'instrument_status',
  'trigger_events',
  'quarantined_readings',
  'instrument_baselines',
  'status_checkpoints',
  'unconfirmed_spikes',
  'alarms',
  'alarm_steps',
  'alarm_acknowledgements',
  'alarm_notifications',
  'response_plans',
  'rebuild_runs',
  'stream_partition_progress',
  'stream_pending_windows',
] as const;

/**
 * Tables the pipeline appends to and reads but never changes: the application role may
 * SELECT and INSERT only (the alarm audit, which a trigger also keeps append-only for the owner).
 */
export const APPEND_ONLY_TABLES = ['alarm_audit'] as const;

/** What the application role may do on each append-only table. */
export const APPEND_ONLY_PRIVILEGES = ['SELECT', 'INSERT'] as const;

/**
 * Tables only the owner reads or writes: the migration log, and the report settings that the
 * migration resource writes and the report views read with their owner's rights.
 */
export const OWNER_TABLES = ['schema_migrations', 'report_settings', 'report_reading_intervals'] as const;

/** What the application role may do on each of its tables. */
export const APPLICATION_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** The views the reporting role may read: every view of the schema named `report_…`. */
export const REPORT_VIEW_PATTERN = 'report\\_%';

/**
 * The secret a role signs in with, as Secrets Manager holds it: multi-user rotation
 * alternates between the role and its clone (`<role>_clone`, a member of the role).
 */
export interface DatabaseLogin {
  /** The role the login belongs to, e.g. {@link APPLICATION_ROLE}. */
  readonly role: string;
  /** The secret's current username: the role itself or its clone. */
  readonly username: string;
  readonly password: string;
}

/** What {@link applyDatabaseRoles} did. */
export interface DatabaseRolesReport {
  /** Roles this run created. */
  readonly created: readonly string[];
  /** Report views the reporting role may read, by name. */
  readonly reportViews: readonly string[];
  /** Logins whose password this run set (usernames). */
  readonly passwordsSet: readonly string[];
}

/** The username multi-user rotation alternates with. */
export function cloneOf(role: string): string {
  return `${role}_clone`;
}

/**
 * Brings the database roles and their grants in line with this module, in one transaction.
 * With `logins`, also sets the password of each login's username to the one in its secret,
 * so the Data API and the rotation function can sign in with it (setting the password a
 * role already has changes nothing). Safe to run again.
 */
export async function applyDatabaseRoles(
  db: SqlDatabase,
  options: { readonly database: string; readonly logins?: readonly DatabaseLogin[] },
): Promise<DatabaseRolesReport> {
  for (const login of options.logins ?? []) checkLogin(login);
  return db.transaction(async (session) => {
    const created: string[] = [];
    for (const role of [APPLICATION_ROLE, REPORTING_ROLE]) {
      if (await createRoleIfMissing(session, role)) created.push(role);
      await session.execute(`ALTER ROLE ${identifier(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    }
    const roles = `${identifier(APPLICATION_ROLE)}, ${identifier(REPORTING_ROLE)}`;
    // Before PostgreSQL 15 every role may create objects in the public schema; nobody but the owner may here.
    await session.execute('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await session.execute(`GRANT CONNECT ON DATABASE ${identifier(options.database)} TO ${roles}`);
    await session.execute(`GRANT USAGE ON SCHEMA public TO ${roles}`);
    await session.execute(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${roles}`);
    await session.execute(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${roles}`);

    const tables = APPLICATION_TABLES.map(identifier).join(', ');
    await session.execute(`GRANT ${APPLICATION_PRIVILEGES.join(', ')} ON TABLE ${tables} TO ${identifier(APPLICATION_ROLE)}`);
    const appendOnly = APPEND_ONLY_TABLES.map(identifier).join(', ');
    await session.execute(`GRANT ${APPEND_ONLY_PRIVILEGES.join(', ')} ON TABLE ${appendOnly} TO ${identifier(APPLICATION_ROLE)}`);
    // The sequences behind the application's serial columns (the audit's ids): taking the next value needs USAGE.
    const sequences = await session.query<{ sequence: string }>(
      `SELECT s.relname AS sequence FROM pg_class s
       JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_namespace n ON n.oid = s.relnamespace
       WHERE s.relkind = 'S' AND n.nspname = 'public' AND t.relname IN (${[...APPLICATION_TABLES, ...APPEND_ONLY_TABLES].map((name) => `'${name}'`).join(', ')})
       ORDER BY s.relname`,
    );
    if (sequences.length > 0) {
      await session.execute(
        `GRANT USAGE ON SEQUENCE ${sequences.map((row) => identifier(row.sequence)).join(', ')} TO ${identifier(APPLICATION_ROLE)}`,
      );
    }

    const views = await session.query<{ viewname: string }>(
      `SELECT viewname FROM pg_views WHERE schemaname = 'public' AND viewname LIKE :pattern ORDER BY viewname`,
      { pattern: REPORT_VIEW_PATTERN },
    );
    const reportViews = views.map((view) => view.viewname);
    if (reportViews.length > 0) {
      await session.execute(`GRANT SELECT ON TABLE ${reportViews.map(identifier).join(', ')} TO ${identifier(REPORTING_ROLE)}`);
    }

    const passwordsSet: string[] = [];
    for (const login of options.logins ?? []) {
      await setPassword(session, login);
      passwordsSet.push(login.username);
    }
    return { created, reportViews, passwordsSet };
  });
}

function checkLogin(login: DatabaseLogin): void {
  if (![APPLICATION_ROLE, REPORTING_ROLE].includes(login.role)) {
    throw new Error(`${login.role} is not a database role of the batch store (${APPLICATION_ROLE}, ${REPORTING_ROLE})`);
  }
  if (login.username !== login.role && login.username !== cloneOf(login.role)) {
    throw new Error(
      `the secret of ${login.role} names the user ${JSON.stringify(login.username)}; it must be ${login.role} or ${cloneOf(login.role)}`,
    );
  }
  if (login.password === '') throw new Error(`the secret of ${login.role} has an empty password`);
}

async function createRoleIfMissing(session: SqlSession, role: string): Promise<boolean> {
  const [existing] = await session.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = :role', { role });
  if (existing) return false;
  await session.execute(`CREATE ROLE ${identifier(role)} WITH LOGIN`);
  return true;
}

/**
 * ALTER ROLE takes no bind parameters, so the password travels as a transaction-local setting
 * and is quoted by the server: it never appears in the text of a statement the client sends
 * (which is what `log_statement` would log).
 */
async function setPassword(session: SqlSession, login: DatabaseLogin): Promise<void> {
  const [existing] = await session.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = :role', {
    role: login.username,
  });
  if (!existing) {
    throw new Error(`the secret of ${login.role} names ${login.username}, which does not exist; rotate the secret again to recreate it`);
  }
  await session.query("SELECT set_config('geotech.login_password', :password, true)", { password: login.password });
  await session.execute(
    `DO $$ BEGIN EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', ${literal(login.username)}, current_setting('geotech.login_password')); END $$`,
  );
  await session.query("SELECT set_config('geotech.login_password', '', true)");
}

/** A role, table or database name as an SQL identifier; the names here are fixed, so only plain names are accepted. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain SQL identifier`);
  return `"${name}"`;
}

function literal(name: string): string {
  return `'${identifier(name).slice(1, -1)}'`;
}
