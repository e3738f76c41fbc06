import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { sleep } from '../../lambdas/shared/retry.js';
import { freePort } from '../../local/ports.js';

/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temporary directory, a
 * server on a free loopback port, one database. When running as root, initdb and the
 * server run as the `postgres` OS user (PostgreSQL refuses to run as root), switched
 * to by the spawn itself so that signals reach the server directly.
 */
export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  readonly connectionString: string;
  readonly port: number;
  readonly database: string;
  /** Stops the server and deletes the cluster. */
  stop(): Promise<void>;
}

export type PostgresAvailability = { available: true; binDir: string } | { available: false; reason: string };

const INSTALL_HINT = 'PostgreSQL server binaries not found (initdb, postgres): install them with `apt-get install postgresql`';

/** Where the server binaries are: `pg_config --bindir`, else the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgres(): PostgresAvailability {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config is absent without the dev package; fall back to the versioned directories.
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  const binDir = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  return binDir ? { available: true, binDir } : { available: false, reason: INSTALL_HINT };
}

/**
 * `describe` for suites that need a PostgreSQL server: skipped with an install hint
 * when none is installed, except under CI (CI=true), where a missing server fails.
 */
export function describeWithPostgres(name: string, suite: () => void): void {
  const availability = findPostgres();
  if (availability.available) {
    describe(name, suite);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${INSTALL_HINT} (CI=true, so this cannot be skipped)`);
    });
  } else {
    console.warn(`Skipping "${name}": ${availability.reason}`);
    describe.skip(name, suite);
  }
}

export interface StartPostgresOptions {
  /** Name of the database to create. Default "test". */
  readonly database?: string;
}

export async function startPostgresServer(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const availability = findPostgres();
  if (!availability.available) throw new Error(availability.reason);
  const { binDir } = availability;
  const database = options.database ?? 'test';
  const runAsPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const dataDir = join(dir, 'data');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (runAsPostgres) chownSync(dir, postgresUser().uid, postgresUser().gid);
    run(
      binDir,
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
      dir,
      runAsPostgres,
    );
  } catch (error) {
    cleanup();
    throw error;
  }

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = spawnServer(binDir, dataDir, dir, port, runAsPostgres);
    try {
      await waitUntilAccepting(port, server);
      await createDatabase(port, database);
      return {
        connectionString: `postgres://postgres@127.0.0.1:${port}/${database}`,
        port,
        database,
        stop: async () => {
          await stopServer(server);
          cleanup();
        },
      };
    } catch (error) {
      await stopServer(server);
      // Another process may have taken the port between our probe and the server's bind.
      if (attempt >= 3) {
        cleanup();
        throw error;
      }
    }
  }
}

function run(binDir: string, program: string, args: string[], cwd: string, asPostgres: boolean): void {
  try {
    execFileSync(join(binDir, program), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(asPostgres ? postgresUser() : {}) });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`${program} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

function spawnServer(
  binDir: string,
  dataDir: string,
  socketDir: string,
  port: number,
  asPostgres: boolean,
): ChildProcess & { output: string[] } {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir}`,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
    '-c',
    'shared_buffers=16MB',
  ];
  const child = spawn(join(binDir, 'postgres'), args, {
    cwd: socketDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asPostgres ? postgresUser() : {}),
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout?.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  return child;
}

async function waitUntilAccepting(port: number, server: ChildProcess & { output: string[] }): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with code ${server.exitCode}: ${server.output.join('').trim()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections on port ${port}: ${(error as Error).message}`, { cause: error });
      await sleep(100);
    }
  }
}

async function createDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Fast shutdown (SIGINT), escalating to SIGKILL if the server hangs. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT');
  const killer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

/** The `postgres` OS user that Debian's package creates, to run the server as when we are root. */
function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'Running as root, but there is no `postgres` OS user to run the PostgreSQL server as (apt-get install postgresql creates it)',
    );
  }
}
