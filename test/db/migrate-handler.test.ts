import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMigrateHandler, databaseLoginsFrom, parseMigrateEnvironment } from '../../lambdas/db/migrate-resource.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';
import { bundledMigrations, loadMigrationsFromDirectory } from '../../lambdas/db/migration-set.js';
import { describeOnBackend, type Endpoint } from '../data-api/endpoints.js';

const run = promisify(execFile);

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  physicalResourceId?: string,
  properties: Record<string, string> = {},
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:ap-southeast-2:000000000000:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:ap-southeast-2:000000000000:stack/pipeline/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::SchemaMigrations',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:ap-southeast-2:000000000000:function:provider',
      MigrationsHash: 'abc',
      ...properties,
    },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return { ...common, RequestType: 'Update', PhysicalResourceId: physicalResourceId!, OldResourceProperties: common.ResourceProperties };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId! };
}

const tableExists = async (e: Endpoint, table: string) =>
  (await e.execute('SELECT to_regclass(:t) IS NOT NULL', [{ name: 't', value: { stringValue: table } }])).records![0]![0]!.booleanValue;

describe('the migration handler configuration', () => {
  const complete = { DB_CLUSTER_ARN: 'arn:cluster', DB_SECRET_ARN: 'arn:secret', DB_NAME: 'pipeline' };

  const problemsOf = (env: Record<string, string | undefined>) => {
    try {
      parseMigrateEnvironment(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.map((problem) => problem.key);
    }
    throw new Error('expected a ConfigError');
  };

  it('reads the Data API target', () => {
    expect(parseMigrateEnvironment(complete)).toEqual({
      resourceArn: 'arn:cluster',
      secretArn: 'arn:secret',
      database: 'pipeline',
      loginSecretArns: {},
    });
  });

  it('reads the secrets of the application and reporting roles, by role', () => {
    expect(
      parseMigrateEnvironment({ ...complete, DB_APPLICATION_SECRET_ARN: 'arn:application', DB_REPORTING_SECRET_ARN: 'arn:reporting' })
        .loginSecretArns,
    ).toEqual({ geotech_app: 'arn:application', geotech_reporting: 'arn:reporting' });
  });

  it('reads each login from its secret value and names the secret that holds none', async () => {
    const values: Record<string, string> = {
      'arn:application': JSON.stringify({ username: 'geotech_app', password: 'p1', engine: 'postgres' }),
      'arn:broken': JSON.stringify({ username: 'geotech_reporting' }),
    };
    // A stand-in for Secrets Manager's GetSecretValue: the current value of each secret.
    const read = async (arn: string) => values[arn];
    expect(await databaseLoginsFrom({ geotech_app: 'arn:application' }, read)()).toEqual([
      { role: 'geotech_app', username: 'geotech_app', password: 'p1' },
    ]);
    await expect(databaseLoginsFrom({ geotech_reporting: 'arn:broken' }, read)()).rejects.toThrow(
      'the secret of geotech_reporting (arn:broken) has no username and password',
    );
    await expect(databaseLoginsFrom({ geotech_reporting: 'arn:missing' }, read)()).rejects.toThrow('is not JSON');
  });

  it('names every missing variable in one ConfigError', () => {
    expect(problemsOf({ DB_NAME: 'pipeline' })).toEqual(['DB_CLUSTER_ARN', 'DB_SECRET_ARN']);
    expect(() => parseMigrateEnvironment({ DB_NAME: 'pipeline' })).toThrow(
      /schema migration environment[\s\S]*DB_CLUSTER_ARN: is required/,
    );
  });

  it('takes a blank variable as missing', () => {
    expect(problemsOf({ ...complete, DB_SECRET_ARN: '   ' })).toEqual(['DB_SECRET_ARN']);
  });

  it('defaults the database to geotech, as the other database functions do', () => {
    expect(parseMigrateEnvironment({ ...complete, DB_NAME: undefined }).database).toBe('geotech');
    expect(parseMigrateEnvironment({ ...complete, DB_NAME: ' ' }).database).toBe('geotech');
  });
});

describeOnBackend('PGlite', 'the migration custom resource handler', (endpoint) => {
  beforeEach(async () => {
    await endpoint().execute('DROP SCHEMA public CASCADE');
    await endpoint().execute('CREATE SCHEMA public');
  });

  const handlerFor = (e: Endpoint) =>
    createMigrateHandler({ client: e.client, ...e.target, migrations: loadMigrationsFromDirectory('test/db/fixtures/ordered') });

  it('applies the migrations on Create and reports them', async () => {
    const e = endpoint();
    const response = await handlerFor(e)(event('Create'));
    expect(response.PhysicalResourceId).toBe('schema-migrations/postgres');
    expect(response.Data).toMatchObject({ AppliedCount: '3', LatestVersion: '3' });
    expect(await tableExists(e, 'gauges')).toBe(true);
  });

  it('applies what is pending on Update and keeps the physical id', async () => {
    const e = endpoint();
    await handlerFor(e)(event('Create'));
    const response = await handlerFor(e)(event('Update', 'schema-migrations/postgres'));
    expect(response).toMatchObject({ PhysicalResourceId: 'schema-migrations/postgres', Data: { AppliedCount: '0', LatestVersion: '3' } });
  });

  it('leaves the database alone on Delete', async () => {
    const e = endpoint();
    const response = await handlerFor(e)(event('Delete', 'schema-migrations/postgres'));
    expect(response).toEqual({ PhysicalResourceId: 'schema-migrations/postgres' });
    expect(await tableExists(e, 'schema_migrations')).toBe(false);
  });

  describe("with the project's migrations and the deployment's site time zone", () => {
    const projectHandler = (e: Endpoint) => createMigrateHandler({ client: e.client, ...e.target, migrations: bundledMigrations() });
    const zone = async (e: Endpoint) => (await e.execute('SELECT site_time_zone FROM report_settings')).records![0]![0]!.stringValue;

    it('writes SiteTimeZone to report_settings on Create, again on Update when it changes, and leaves it alone without one', async () => {
      const e = endpoint();
      await projectHandler(e)(event('Create', undefined, { SiteTimeZone: 'Australia/Perth' }));
      expect(await zone(e)).toBe('Australia/Perth');
      // The same zone again changes nothing; another zone replaces it.
      await projectHandler(e)(event('Update', 'schema-migrations/postgres', { SiteTimeZone: 'Australia/Perth' }));
      expect(await zone(e)).toBe('Australia/Perth');
      await projectHandler(e)(event('Update', 'schema-migrations/postgres', { SiteTimeZone: 'UTC' }));
      expect(await zone(e)).toBe('UTC');
      await projectHandler(e)(event('Update', 'schema-migrations/postgres'));
      expect(await zone(e)).toBe('UTC');
    });

    it('creates the application and reporting roles after the migrations and sets their passwords from their secrets', async () => {
      const e = endpoint();
      const handler = createMigrateHandler({
        client: e.client,
        ...e.target,
        migrations: bundledMigrations(),
        databaseRoles: {
          logins: async () => [
            { role: 'geotech_app', username: 'geotech_app', password: 'application-secret' },
            { role: 'geotech_reporting', username: 'geotech_reporting', password: 'reporting-secret' },
          ],
        },
      });
      await handler(event('Create'));
      const granted = async (role: string, table: string, privilege: string) =>
        (
          await e.execute('SELECT has_table_privilege(:role, :table, :privilege)', [
            { name: 'role', value: { stringValue: role } },
            { name: 'table', value: { stringValue: table } },
            { name: 'privilege', value: { stringValue: privilege } },
          ])
        ).records![0]![0]!.booleanValue;
      expect(await granted('geotech_app', 'readings', 'INSERT')).toBe(true);
      expect(await granted('geotech_app', 'schema_migrations', 'SELECT')).toBe(false);
      expect(await granted('geotech_reporting', 'report_daily_summary', 'SELECT')).toBe(true);
      expect(await granted('geotech_reporting', 'readings', 'SELECT')).toBe(false);
      const { records } = await e.execute("SELECT count(*) FROM pg_authid WHERE rolname LIKE 'geotech\\_%' AND rolpassword IS NOT NULL");
      expect(records).toEqual([[{ longValue: 2 }]]);
    });

    it('refuses an unknown SiteTimeZone naming the property and its value, before applying anything', async () => {
      const e = endpoint();
      await expect(projectHandler(e)(event('Create', undefined, { SiteTimeZone: 'Melbourne' }))).rejects.toThrow(
        'SiteTimeZone: must be an IANA time zone name such as Australia/Melbourne or UTC (got "Melbourne")',
      );
      expect(await tableExists(e, 'schema_migrations')).toBe(false);
    });
  });

  describe('bundled by esbuild as for deployment', () => {
    let outDir: string;

    beforeAll(async () => {
      outDir = mkdtempSync(join(tmpdir(), 'migrate-bundle-'));
      await build({
        entryPoints: ['lambdas/db/migrate-handler.ts'],
        outfile: join(outDir, 'index.js'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'silent',
      });
    }, 120_000);

    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it('carries the project’s migrations and applies them through the Data API endpoint it is pointed at', async () => {
      const e = endpoint();
      const invoke = `require(${JSON.stringify(join(outDir, 'index.js'))}).handler(${JSON.stringify(event('Create', undefined, { SiteTimeZone: 'Australia/Brisbane' }))})
        .then((r) => console.log('RESULT ' + JSON.stringify(r)), (error) => { console.error(error); process.exit(1); });`;
      const { stdout } = await run(process.execPath, ['-e', invoke], {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'ap-southeast-2',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_ENDPOINT_URL_RDS_DATA: e.server.url,
          DB_CLUSTER_ARN: e.target.resourceArn,
          DB_SECRET_ARN: e.target.secretArn,
          DB_NAME: e.target.database,
        },
      });
      const result = JSON.parse(
        stdout
          .split('\n')
          .find((line) => line.startsWith('RESULT '))!
          .slice('RESULT '.length),
      );
      const migrations = bundledMigrations();
      expect(result.Data.AppliedCount).toBe(String(migrations.length));
      expect(stdout).toContain(`applying ${migrations[0]!.fileName}`);
      const { records } = await e.execute('SELECT count(*) FROM schema_migrations');
      expect(records).toEqual([[{ longValue: migrations.length }]]);
      expect((await e.execute('SELECT site_time_zone FROM report_settings')).records).toEqual([[{ stringValue: 'Australia/Brisbane' }]]);
      // The deployed entry applies the database roles after the migrations.
      const { records: roles } = await e.execute("SELECT count(*) FROM pg_roles WHERE rolname IN ('geotech_app', 'geotech_reporting')");
      expect(roles).toEqual([[{ longValue: 2 }]]);
    });

    it('fails at init, before any event, with a ConfigError naming the missing variable', async () => {
      const e = endpoint();
      const load = `try { require(${JSON.stringify(join(outDir, 'index.js'))}); console.log('LOADED'); }
        catch (error) { console.log('INIT ' + error.name + ' ' + JSON.stringify(error.problems)); }`;
      const { stdout } = await run(process.execPath, ['-e', load], {
        env: { PATH: process.env.PATH, AWS_REGION: 'ap-southeast-2', DB_CLUSTER_ARN: e.target.resourceArn, DB_NAME: e.target.database },
      });
      expect(stdout.trim()).toBe(
        `INIT ConfigError ${JSON.stringify([{ key: 'DB_SECRET_ARN', message: 'is required (the database secret ARN)' }])}`,
      );
      expect(await tableExists(e, 'schema_migrations')).toBe(false);
    });
  });
});
