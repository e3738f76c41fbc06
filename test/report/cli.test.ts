import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../../lambdas/db/sql-client.js';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
} from '../../local/data-api/index.js';
import { ReportUsageError } from '../../local/report/options.js';
import { runReport } from '../../local/report/run-report.js';
import { writeKnownSite, writeKnownSiteInCoreSchema } from './known-site.js';
import { openLocalDataDir } from './local-data-dir.js';

const run = promisify(execFile);

/** `npm run report -- <args>`, as a child process: its exit code and output. */
async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/report.ts', ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function refusal(promise: Promise<unknown>): Promise<ReportUsageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ReportUsageError) return error;
    throw error;
  }
  throw new Error('expected the report to be refused');
}

const period = { period: { from: '2024-03-01', to: '2024-03-02' } };

describe('npm run report', () => {
  let scratch: string;
  let dataDir: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'report-cli-'));
    const site = await openLocalDataDir(join(scratch, 'data'));
    await writeKnownSite(site.db);
    await site.close();
    dataDir = site.dataDir;
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes the HTML report and the CSV tables, and prints what it wrote', async () => {
    const out = join(scratch, 'out', 'site.html');
    const csv = join(scratch, 'out', 'csv');
    const result = await report(['--from', '2024-03-01', '--to', '2024-03-02', '--data-dir', dataDir, '--out', out, '--csv', csv]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'report (site time UTC): 3 instrument(s), 2 with data in the period, 4 status change(s), 1 unconfirmed spike(s), 0 late or withdrawn change(s), 3 daily row(s), 2 silent',
      `wrote ${out}`,
      `wrote ${join(csv, 'exceedances.csv')}`,
      `wrote ${join(csv, 'daily-summary.csv')}`,
      `wrote ${join(csv, 'silent-instruments.csv')}`,
      `wrote ${join(csv, 'instruments.csv')}`,
      `wrote ${join(csv, 'baselines.csv')}`,
      `wrote ${join(csv, 'unconfirmed-spikes.csv')}`,
      `wrote ${join(csv, 'late-corrections.csv')}`,
    ]);
    expect(readFileSync(out, 'utf8')).toContain('<table id="daily-summary">');
    expect(readFileSync(join(csv, 'daily-summary.csv'), 'utf8').split('\r\n')[1]).toBe(
      '2024-03-01,PZ-01,piezometer,kPa,100.1,100.15,100.2,30,60,0.5',
    );
  });

  it('exits 2 on a bad argument, naming it, with the usage', async () => {
    const result = await report(['--from', '2024-03-01', '--to', '2024-03-02', '--type', 'inclinometer', '--out', join(scratch, 'x.html')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^report: --type: unknown instrument type "inclinometer"/);
    expect(result.stderr).toContain('usage: npm run report');
    expect(existsSync(join(scratch, 'x.html'))).toBe(false);
  });

  it('exits 1 when the database is open in another process, saying npm start may be running', async () => {
    const open = await openEmbeddedDatabase({ dataDir: join(dataDir, 'postgres') });
    try {
      const result = await report([
        '--from',
        '2024-03-01',
        '--to',
        '2024-03-02',
        '--data-dir',
        dataDir,
        '--out',
        join(scratch, 'busy.html'),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('report: --data-dir: the database in');
      expect(result.stderr).toContain('is open in another process — is `npm start` running?');
      expect(existsSync(join(scratch, 'busy.html'))).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('refuses a missing data directory, and one without a database', async () => {
    const missing = await refusal(runReport({ ...period, dataDir: join(scratch, 'nowhere'), out: join(scratch, 'a.html') }));
    expect(missing.message).toBe(
      `--data-dir: ${join(scratch, 'nowhere')} does not exist: run \`npm start\` first (it keeps its database there), or name its data directory`,
    );

    mkdirSync(join(scratch, 'empty'));
    const empty = await refusal(runReport({ ...period, dataDir: join(scratch, 'empty'), out: join(scratch, 'a.html') }));
    expect(empty.message).toMatch(/^--data-dir: .*empty holds no database \(no .*empty\/postgres directory\)/);

    mkdirSync(join(scratch, 'junk', 'postgres'), { recursive: true });
    const junk = await refusal(runReport({ ...period, dataDir: join(scratch, 'junk'), out: join(scratch, 'a.html') }));
    expect(junk.message).toMatch(/^--data-dir: .*junk\/postgres is not a PostgreSQL database directory \(it has no PG_VERSION file\)$/);
  });

  it('refuses an unknown instrument before writing anything', async () => {
    const error = await refusal(runReport({ ...period, instrumentId: 'PZ-99', dataDir, out: join(scratch, 'b.html') }));
    expect(error.argument).toBe('--instrument');
    expect(existsSync(join(scratch, 'b.html'))).toBe(false);
  });

  it('brings a database made before the report views up to date', async () => {
    const older = join(scratch, 'older');
    const embedded = await openEmbeddedDatabase({ dataDir: join(older, 'postgres') });
    const server = await startDataApiServer({ backend: pgliteBackend(embedded), port: 0 });
    const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
    const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };
    const [coreSchema] = loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY);
    await runMigrations({ client, ...target, migrations: [coreSchema!] });
    await writeKnownSiteInCoreSchema(new DataApiDatabase(client, target));
    client.destroy();
    await server.close();
    await embedded.close();

    // The known site's days are UTC days; the new settings row starts in Melbourne.
    const outcome = await runReport({ ...period, siteTimeZone: 'UTC', dataDir: older, out: join(scratch, 'older.html') });
    expect(outcome.appliedMigrations).toEqual([
      '0002_report_views.sql',
      '0003_site_time_zone.sql',
      '0004_trigger_model.sql',
      '0005_report_trigger_model.sql',
      '0006_rebuild_audit.sql',
    ]);
    expect(outcome.previousSiteTimeZone).toBe('Australia/Melbourne');
    expect(outcome.data.daily.map((d) => [d.instrumentId, d.day, d.readingCount])).toEqual([
      ['PZ-01', '2024-03-01', 30],
      ['PZ-01', '2024-03-02', 30],
      ['SM-01', '2024-03-02', 11],
    ]);
    // Its windows were stored before the trigger model: not judged yet, so no status and no baseline.
    expect(outcome.data.instruments.map((i) => [i.instrumentId, i.status, i.baseline])).toEqual([
      ['WS-01', null, null],
      ['PZ-01', null, null],
      ['SM-01', null, null],
    ]);
  });
});
