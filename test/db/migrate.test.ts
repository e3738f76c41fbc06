import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeEach, expect, it } from 'vitest';
import { MigrationError, runMigrations, type Migration } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory } from '../../lambdas/db/migration-set.js';
import { describeOnBothBackends, rejectionOf, type Endpoint } from '../data-api/endpoints.js';

const ORDERED = 'test/db/fixtures/ordered';
const FAILING = 'test/db/fixtures/failing';

const migrate = (e: Endpoint, migrations: readonly Migration[]) => runMigrations({ client: e.client, ...e.target, migrations });
const recorded = async (e: Endpoint) =>
  JSON.parse(
    (await e.execute('SELECT version, name, checksum FROM schema_migrations ORDER BY version', [], { formatRecordsAs: 'JSON' }))
      .formattedRecords!,
  ) as Array<{
    version: number;
    name: string;
    checksum: string;
  }>;
const tableExists = async (e: Endpoint, table: string) =>
  (await e.execute('SELECT to_regclass(:t) IS NOT NULL', [{ name: 't', value: { stringValue: table } }])).records![0]![0]!.booleanValue;

describeOnBothBackends('the migration runner through the Data API', (endpoint) => {
  beforeEach(async () => {
    await endpoint().execute('DROP SCHEMA public CASCADE');
    await endpoint().execute('CREATE SCHEMA public');
  });

  it('applies migrations in version order and records each with the SHA-256 of its file', async () => {
    const e = endpoint();
    const migrations = loadMigrationsFromDirectory(ORDERED);
    const report = await migrate(e, [...migrations].reverse());
    expect(report.applied.map((m) => m.fileName)).toEqual(['0001_create_sites.sql', '0002_add_gauges.sql', '0003_seed_gauges.sql']);
    expect(report.alreadyApplied).toBe(0);
    const sha256 = (file: string) =>
      createHash('sha256')
        .update(readFileSync(`${ORDERED}/${file}`))
        .digest('hex');
    expect(await recorded(e)).toEqual([
      { version: 1, name: 'create_sites', checksum: sha256('0001_create_sites.sql') },
      { version: 2, name: 'add_gauges', checksum: sha256('0002_add_gauges.sql') },
      { version: 3, name: 'seed_gauges', checksum: sha256('0003_seed_gauges.sql') },
    ]);
    const { records } = await e.execute(
      "SELECT gauge_count('north'), site_label('south'), (SELECT name FROM sites WHERE site_id = 'north')",
    );
    expect(records![0]).toEqual([{ longValue: 2 }, { stringValue: "South's; pit" }, { stringValue: 'North pit' }]);
  });

  it('changes nothing when run again', async () => {
    const e = endpoint();
    const migrations = loadMigrationsFromDirectory(ORDERED);
    await migrate(e, migrations);
    const appliedAt = (await e.execute('SELECT array_agg(applied_at ORDER BY version)::text FROM schema_migrations')).records;
    const again = await migrate(e, migrations);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(3);
    expect((await e.execute('SELECT array_agg(applied_at ORDER BY version)::text FROM schema_migrations')).records).toEqual(appliedAt);
    expect((await e.execute('SELECT count(*) FROM gauges')).records).toEqual([[{ longValue: 3 }]]);
  });

  it('applies only the new migrations of a grown set', async () => {
    const e = endpoint();
    const [first, second, third] = loadMigrationsFromDirectory(ORDERED);
    await migrate(e, [first!, second!]);
    const report = await migrate(e, [first!, second!, third!]);
    expect(report.applied.map((m) => m.version)).toEqual([3]);
  });

  it('applies each migration once when two runs race', async () => {
    const e = endpoint();
    const migrations = loadMigrationsFromDirectory(ORDERED);
    const [a, b] = await Promise.all([migrate(e, migrations), migrate(e, migrations)]);
    expect([...a.applied, ...b.applied].map((m) => m.version).sort()).toEqual([1, 2, 3]);
    expect(a.applied.length + a.alreadyApplied).toBe(3);
    expect((await recorded(e)).map((r) => r.version)).toEqual([1, 2, 3]);
    expect((await e.execute('SELECT count(*) FROM gauges')).records).toEqual([[{ longValue: 3 }]]);
  });

  it('refuses to go on when an applied migration has changed, naming the file, and applies nothing more', async () => {
    const e = endpoint();
    const [first, second, third] = loadMigrationsFromDirectory(ORDERED);
    await migrate(e, [first!, second!]);
    const edited = { ...second!, sql: `${second!.sql}\nCREATE INDEX gauges_by_site ON gauges (site_id);\n` };
    const error = await rejectionOf(migrate(e, [first!, edited, third!]));
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).fileName).toBe('0002_add_gauges.sql');
    expect(error.message).toContain('0002_add_gauges.sql has changed since it was applied');
    expect((await recorded(e)).map((r) => r.version)).toEqual([1, 2]);
  });

  it('ignores line-ending differences when comparing checksums', async () => {
    const e = endpoint();
    const migrations = loadMigrationsFromDirectory(ORDERED);
    await migrate(e, migrations);
    const crlf = migrations.map((m) => ({ ...m, sql: m.sql.replace(/\n/g, '\r\n') }));
    expect((await migrate(e, crlf)).applied).toEqual([]);
  });

  it('rolls a failing migration back entirely and reports it with its file name and statement', async () => {
    const e = endpoint();
    const [log, halfDone] = loadMigrationsFromDirectory(FAILING);
    const error = await rejectionOf(migrate(e, [log!, halfDone!]));
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).fileName).toBe('0002_half_done.sql');
    expect(error.message).toMatch(/0002_half_done\.sql failed at statement 3 of 3 \(line 3\) and was rolled back: .*no_such_table/);
    expect(await tableExists(e, 'log')).toBe(true);
    expect(await tableExists(e, 'half_done')).toBe(false);
    expect((await recorded(e)).map((r) => r.version)).toEqual([1]);

    const fixed = { ...halfDone!, sql: 'CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\n' };
    expect((await migrate(e, [log!, fixed])).applied.map((m) => m.version)).toEqual([2]);
  });

  it('refuses a migration with its own transaction control before applying anything', async () => {
    const e = endpoint();
    const [log] = loadMigrationsFromDirectory(FAILING);
    const sneaky: Migration = {
      version: 2,
      name: 'sneaky',
      fileName: '0002_sneaky.sql',
      sql: 'CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);',
    };
    const error = await rejectionOf(migrate(e, [log!, sneaky]));
    expect(error.message).toBe(
      'Migration 0002_sneaky.sql line 2: COMMIT is transaction control; each migration already runs in one transaction',
    );
    expect(await tableExists(e, 'log')).toBe(false);
  });

  it('reports versions the database has but the code does not', async () => {
    const e = endpoint();
    const migrations = loadMigrationsFromDirectory(ORDERED);
    await migrate(e, migrations);
    const report = await migrate(e, migrations.slice(0, 2));
    expect(report.unknownVersions).toEqual([3]);
    expect(report.applied).toEqual([]);
  });

  it('applies the project’s own migrations', async () => {
    const e = endpoint();
    const report = await migrate(e, loadMigrationsFromDirectory('lambdas/db/migrations'));
    expect(report.applied.length).toBeGreaterThan(0);
    expect((await recorded(e)).length).toBe(report.applied.length);
  });
});
