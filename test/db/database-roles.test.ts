import { createHmac, pbkdf2Sync } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import {
  APPLICATION_ROLE,
  APPEND_ONLY_TABLES,
  APPLICATION_TABLES,
  applyDatabaseRoles,
  cloneOf,
  OWNER_TABLES,
  REPORTING_ROLE,
} from '../../lambdas/db/database-roles.js';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { bundledMigrations } from '../../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../../lambdas/db/sql-client.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_SECRET_ARN,
  postgresBackend,
  startDataApiServer,
  type DataApiServer,
} from '../../local/data-api/index.js';
import { describeWithPostgres, startPostgresServer, type PostgresServer } from '../support/postgres-server.js';
import { piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

/**
 * The application and reporting roles on a real PostgreSQL 15 server: the project's
 * migrations applied by the owner through the local Data API endpoint, then
 * applyDatabaseRoles, then each role signed in on its own connection. The throwaway server
 * trusts local connections, so the passwords are checked against their stored SCRAM verifiers.
 */

interface Endpoint {
  readonly server: DataApiServer;
  readonly db: DataApiDatabase;
  close(): Promise<void>;
}

let postgres: PostgresServer;
let owner: pg.Client;
let ownerEndpoint: Endpoint;

const urlAs = (user: string) => `postgres://${user}@127.0.0.1:${postgres.port}/${postgres.database}`;

async function endpointAs(user: string): Promise<Endpoint> {
  const backend = postgresBackend({ connectionString: urlAs(user) });
  const server = await startDataApiServer({ backend, port: 0 });
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const db = new DataApiDatabase(client, { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: postgres.database });
  return {
    server,
    db,
    async close() {
      await server.close();
      client.destroy();
      await backend.close();
    },
  };
}

async function as<T>(user: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(user) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The error a statement fails with for `user`, or undefined when it succeeds. */
const failureOf = (user: string, sql: string) =>
  as(user, async (client) => {
    try {
      await client.query(sql);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  });

const logins = (appPassword: string, reportingPassword: string) => [
  { role: APPLICATION_ROLE, username: APPLICATION_ROLE, password: appPassword },
  { role: REPORTING_ROLE, username: REPORTING_ROLE, password: reportingPassword },
];

const apply = (appPassword = 'application-password-1', reportingPassword = 'reporting-password-1') =>
  applyDatabaseRoles(ownerEndpoint.db, { database: postgres.database, logins: logins(appPassword, reportingPassword) });

const reportViews = async () =>
  (
    await owner.query<{ viewname: string }>(
      "SELECT viewname FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'report%' ORDER BY viewname",
    )
  ).rows.map((row) => row.viewname);

/** Whether `password` is the one the SCRAM-SHA-256 verifier of `role` was made from (RFC 5802 ServerKey). */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const { rows } = await owner.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$[^:]+:(.+)$/.exec(rows[0]?.rolpassword ?? '');
  if (!match) return false;
  const [, iterations, salt, serverKey] = match;
  const salted = pbkdf2Sync(password, Buffer.from(salt!, 'base64'), Number(iterations), 32, 'sha256');
  return createHmac('sha256', salted).update('Server Key').digest('base64') === serverKey;
}

describeWithPostgres('the batch store database roles (PostgreSQL server)', () => {
  beforeAll(async () => {
    postgres = await startPostgresServer();
    owner = new pg.Client({ connectionString: postgres.connectionString });
    await owner.connect();
    ownerEndpoint = await endpointAs('postgres');
    const client = createLocalRdsDataClient(ownerEndpoint.server.url, { maxAttempts: 1 });
    await runMigrations({
      client,
      resourceArn: LOCAL_CLUSTER_ARN,
      secretArn: LOCAL_SECRET_ARN,
      database: postgres.database,
      migrations: bundledMigrations(),
    });
    client.destroy();
    await apply();
  }, 120_000);

  afterAll(async () => {
    await ownerEndpoint?.close();
    await owner?.end();
    await postgres?.stop();
  });

  it('classifies every table of the migrated schema as the application’s or the owner’s, once', async () => {
    const { rows } = await owner.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    const tables = rows.map((row) => row.tablename);
    const classified = [...APPLICATION_TABLES, ...APPEND_ONLY_TABLES, ...OWNER_TABLES];
    expect(new Set(classified).size, 'a table in both lists').toBe(classified.length);
    // A migration that adds a table must add it to APPLICATION_TABLES, APPEND_ONLY_TABLES or OWNER_TABLES in lambdas/db/database-roles.ts.
    expect(tables).toEqual([...classified].sort());
  });

  it('creates both roles as plain logins and sets each password from its secret', async () => {
    const { rows } = await owner.query(
      'SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1',
      [[APPLICATION_ROLE, REPORTING_ROLE]],
    );
    expect(rows).toEqual(
      [APPLICATION_ROLE, REPORTING_ROLE].map((rolname) => ({
        rolname,
        rolcanlogin: true,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolbypassrls: false,
      })),
    );
    expect(await passwordMatches(APPLICATION_ROLE, 'application-password-1')).toBe(true);
    expect(await passwordMatches(REPORTING_ROLE, 'reporting-password-1')).toBe(true);
    expect(await passwordMatches(APPLICATION_ROLE, 'reporting-password-1')).toBe(false);
  });

  describe('the application role', () => {
    it('reads and writes its tables', async () => {
      await as(APPLICATION_ROLE, async (client) => {
        await client.query(
          `INSERT INTO quarantined_readings (quarantine_id, reason, detail, source, raw, rejected_at)
           VALUES ('role-1', 'missing_field', 'reading is missing', 'test', '{}', now())`,
        );
        await client.query("UPDATE quarantined_readings SET detail = 'checked' WHERE quarantine_id = 'role-1'");
        expect((await client.query("SELECT detail FROM quarantined_readings WHERE quarantine_id = 'role-1'")).rows).toEqual([
          { detail: 'checked' },
        ]);
        await client.query("DELETE FROM quarantined_readings WHERE quarantine_id = 'role-1'");
      });
    });

    it.each([
      ['create a table', 'CREATE TABLE extra (id int)', /permission denied for schema public/],
      ['create a view', 'CREATE VIEW extra AS SELECT 1', /permission denied for schema public/],
      ['alter its table', 'ALTER TABLE readings ADD COLUMN extra int', /must be owner/],
      ['drop its table', 'DROP TABLE readings', /must be owner/],
      ['truncate its table', 'TRUNCATE readings', /permission denied/],
      ['read the migration log', 'SELECT * FROM schema_migrations', /permission denied/],
      ['change the report settings', 'UPDATE report_settings SET window_seconds = 60', /permission denied/],
      ['read a report view', 'SELECT * FROM report_daily_summary LIMIT 1', /permission denied/],
    ])('cannot %s', async (_, sql, refusal) => {
      expect(await failureOf(APPLICATION_ROLE, sql)).toMatch(refusal);
    });

    it('runs the batch processor: readings, windows, status and trigger evaluation through the Data API', async () => {
      const app = await endpointAs(APPLICATION_ROLE);
      const alarms = new AlarmStore(app.db, {});
      const options = { store: new AuroraBatchStore(app.db, 10), alarms, windowSeconds: 10, allowedLatenessMs: 0 };
      const t0 = Date.parse('2026-02-01T00:00:00Z');
      try {
        const records = Array.from({ length: 6 }, (_, i) => streamRecord(piezometerReading('ROLE-PZ', t0 + i * 5_000, 100 + i), i + 1));
        const first = await processBatch(windowEvent(records, {}, false), options);
        await processBatch(windowEvent([], (first.response as TumblingWindowResponse).state, true), options);
      } finally {
        await app.close();
      }
      const { rows } = await owner.query<{ readings: number; windows: number }>(
        `SELECT (SELECT count(*)::int FROM readings WHERE instrument_id = 'ROLE-PZ') AS readings,
                (SELECT count(*)::int FROM window_aggregates WHERE instrument_id = 'ROLE-PZ') AS windows`,
      );
      expect(rows).toEqual([{ readings: 6, windows: 3 }]);
    });

    it('keeps the alarm record: plans changed with an audit row, which it can add to but never change', async () => {
      const app = await endpointAs(APPLICATION_ROLE);
      try {
        const alarms = new AlarmStore(app.db, {});
        const rule = {
          scope: { kind: 'type', instrumentType: 'piezometer' },
          level: 'alarm',
          entry: { response: 'Call the designer', limitMinutes: 30, noteRequired: true },
        } as const;
        expect(await alarms.putResponsePlanRules([rule], 'role-test')).toEqual({ changed: 1 });
        expect(await alarms.responsePlanRules()).toEqual([rule]);
      } finally {
        await app.close();
      }
      const { rows } = await owner.query<{ audits: number }>(
        "SELECT count(*)::int AS audits FROM alarm_audit WHERE actor = 'role-test' AND action = 'plan-changed'",
      );
      expect(rows).toEqual([{ audits: 1 }]);
      expect(await failureOf(APPLICATION_ROLE, "UPDATE alarm_audit SET actor = 'someone else'")).toMatch(/permission denied/);
      expect(await failureOf(APPLICATION_ROLE, 'DELETE FROM alarm_audit')).toMatch(/permission denied/);
    });

    it('works the same for the clone multi-user rotation creates as a member of the role', async () => {
      await owner.query(`CREATE ROLE ${cloneOf(APPLICATION_ROLE)} WITH LOGIN`);
      await owner.query(`GRANT ${APPLICATION_ROLE} TO ${cloneOf(APPLICATION_ROLE)}`);
      await applyDatabaseRoles(ownerEndpoint.db, {
        database: postgres.database,
        logins: [{ role: APPLICATION_ROLE, username: cloneOf(APPLICATION_ROLE), password: 'clone-password' }],
      });
      expect(await passwordMatches(cloneOf(APPLICATION_ROLE), 'clone-password')).toBe(true);
      expect(await passwordMatches(APPLICATION_ROLE, 'application-password-1')).toBe(true);
      expect(await failureOf(cloneOf(APPLICATION_ROLE), 'SELECT count(*) FROM readings')).toBeUndefined();
      expect(await failureOf(cloneOf(APPLICATION_ROLE), 'CREATE TABLE extra (id int)')).toMatch(/permission denied for schema public/);
    });
  });

  describe('the reporting role', () => {
    it('reads every report view', async () => {
      const views = await reportViews();
      expect(views.length).toBeGreaterThanOrEqual(5);
      for (const view of views) expect(await failureOf(REPORTING_ROLE, `SELECT * FROM ${view} LIMIT 1`), view).toBeUndefined();
    });

    it.each([
      ['read a pipeline table', 'SELECT * FROM readings LIMIT 1', /permission denied/],
      ['read a report_ table that is not a view', 'SELECT * FROM report_settings', /permission denied/],
      ['write a pipeline table', "DELETE FROM instruments WHERE instrument_id = 'x'", /permission denied/],
      ['create a table', 'CREATE TABLE extra (id int)', /permission denied for schema public/],
      ['drop a report view', 'DROP VIEW report_daily_summary', /must be owner/],
    ])('cannot %s', async (_, sql, refusal) => {
      expect(await failureOf(REPORTING_ROLE, sql)).toMatch(refusal);
    });
  });

  describe('applied again after a migration', () => {
    it('grants a report view that was dropped and recreated, and takes back a grant the list does not hold', async () => {
      await owner.query('CREATE OR REPLACE VIEW report_extra_check AS SELECT 1 AS one');
      await owner.query(`GRANT SELECT ON schema_migrations TO ${APPLICATION_ROLE}`);
      await owner.query(`GRANT SELECT ON readings TO ${REPORTING_ROLE}`);
      expect(await failureOf(REPORTING_ROLE, 'SELECT * FROM report_extra_check')).toMatch(/permission denied/);
      try {
        const report = await apply('application-password-2', 'reporting-password-2');
        expect(report.reportViews).toContain('report_extra_check');
        expect(report.created).toEqual([]);
        expect(await failureOf(REPORTING_ROLE, 'SELECT * FROM report_extra_check')).toBeUndefined();
        expect(await failureOf(APPLICATION_ROLE, 'SELECT * FROM schema_migrations')).toMatch(/permission denied/);
        expect(await failureOf(REPORTING_ROLE, 'SELECT * FROM readings LIMIT 1')).toMatch(/permission denied/);
        expect(await passwordMatches(APPLICATION_ROLE, 'application-password-2')).toBe(true);
      } finally {
        await owner.query('DROP VIEW report_extra_check');
      }
    });

    it('refuses a secret that names another user, before changing anything', async () => {
      await expect(
        applyDatabaseRoles(ownerEndpoint.db, {
          database: postgres.database,
          logins: [{ role: APPLICATION_ROLE, username: 'postgres', password: 'x' }],
        }),
      ).rejects.toThrow(/names the user "postgres"; it must be geotech_app or geotech_app_clone/);
    });
  });
});
