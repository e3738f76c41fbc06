import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { sleep } from '../../lambdas/shared/retry.js';
import { freePort } from '../ports.js';
import { readTail, signalGroup, terminate } from '../service-process.js';
import { findCachedDistribution, missingPrerequisites, type Distribution } from './distribution.js';

/**
 * Runs a real OpenSearch server for tests and the local runtime from a cached
 * distribution (`./distribution.ts`): a throwaway single-node cluster on loopback with
 * its own data directory, as an unprivileged user when this process is root.
 */

/** The unprivileged account OpenSearch runs as when this process is root (OpenSearch refuses to run as root). */
export const UNPRIVILEGED_USER = 'opensearch';

export class OpenSearchServerError extends Error {
  override readonly name = 'OpenSearchServerError';
}

export interface StartOptions {
  /** The distribution to run. Default: the newest cached one. */
  readonly distribution?: Distribution;
  /** JVM heap, both initial and maximum. Default `512m`. */
  readonly heap?: string;
  /** How long to wait for the cluster to turn yellow. Default 180 000 ms. */
  readonly startTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

export interface RunningOpenSearch {
  readonly url: string;
  readonly version: string;
  /** Stops the server (its whole process group) and removes its data. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a single-node cluster on a free loopback port with a throwaway data folder
 * and waits until it is yellow or green. As root, it runs as {@link UNPRIVILEGED_USER}
 * (created if absent) from a private copy of the distribution.
 */
export async function startOpenSearch(options: StartOptions = {}): Promise<RunningOpenSearch> {
  const log = options.log ?? (() => {});
  const distribution = options.distribution ?? findCachedDistribution();
  if (!distribution) throw new OpenSearchServerError('no OpenSearch distribution in the cache: run `npx tsx bin/opensearch-dist.ts fetch`');
  const javaHome = javaHomeFromPath();
  if (!javaHome) throw new OpenSearchServerError('java is not on the PATH: install Java 17 or newer');

  const work = mkdtempSync(join(tmpdir(), 'geotech-opensearch-'));
  const runAs = userInfo().uid === 0 ? unprivilegedAccount() : null;
  const home = runAs ? join(work, 'home') : distribution.home;
  if (runAs) cpSync(distribution.home, home, { recursive: true });
  const config = join(work, 'config');
  cpSync(join(distribution.home, 'config'), config, { recursive: true });
  for (const dir of ['data', 'logs', 'tmp']) mkdirSync(join(work, dir));
  if (runAs) chownTree(work, runAs.uid, runAs.gid);

  const httpPort = await freePort();
  const transportPort = await freePort([httpPort]);
  const args = [
    '-Ediscovery.type=single-node',
    '-Enetwork.host=127.0.0.1',
    `-Ehttp.port=${httpPort}`,
    `-Etransport.port=${transportPort}`,
    `-Epath.data=${join(work, 'data')}`,
    `-Epath.logs=${join(work, 'logs')}`,
    '-Ecluster.name=geotech-local',
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
  ];
  const output = createWriteStream(join(work, 'console.log'));
  const child = spawn(join(home, 'bin', 'opensearch'), args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: runAs ? work : (process.env.HOME ?? work),
      JAVA_HOME: javaHome,
      OPENSEARCH_PATH_CONF: config,
      OPENSEARCH_TMPDIR: join(work, 'tmp'),
      OPENSEARCH_JAVA_OPTS: `-Xms${options.heap ?? '512m'} -Xmx${options.heap ?? '512m'}`,
    },
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  child.stdout?.pipe(output, { end: false });
  child.stderr?.pipe(output, { end: false });
  const killGroup = (): void => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killGroup);
    await terminate(child);
    output.end();
    rmSync(work, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${httpPort}`;
  log(`starting OpenSearch ${distribution.version} on ${url}`);
  try {
    await waitUntilHealthy(url, child, options.startTimeoutMs ?? 180_000);
  } catch (error) {
    const startupLog = readTail(join(work, 'console.log'), 40);
    await stop();
    throw new OpenSearchServerError(`${(error as Error).message}\n${startupLog}`);
  }
  log(`OpenSearch ${distribution.version} is up on ${url}`);
  return { url, version: distribution.version, stop };
}

export type LocalOpenSearch =
  | { readonly off?: false; readonly url: string; readonly source: 'env' | 'started'; stop(): Promise<void> }
  | { readonly off: true; readonly reason: string };

/**
 * The OpenSearch the local runtime writes to: OPENSEARCH_URL when set (left running),
 * else a server started from the cached distribution (stop it when done), else off
 * with the reason. Never downloads anything.
 */
export async function resolveLocalOpenSearch(
  options: { env?: NodeJS.ProcessEnv; log?: (message: string) => void } = {},
): Promise<LocalOpenSearch> {
  const env = options.env ?? process.env;
  const fromEnv = env.OPENSEARCH_URL?.trim();
  if (fromEnv) return { url: fromEnv.replace(/\/+$/, ''), source: 'env', stop: async () => {} };
  const missing = missingPrerequisites().filter((what) => what.startsWith('Java'));
  if (missing.length > 0) return { off: true, reason: `OpenSearch needs ${missing.join(', ')}; or set OPENSEARCH_URL` };
  const distribution = findCachedDistribution({ env });
  if (!distribution)
    return { off: true, reason: 'no cached OpenSearch distribution: run `npx tsx bin/opensearch-dist.ts fetch`, or set OPENSEARCH_URL' };
  const server = await startOpenSearch({ distribution, ...(options.log ? { log: options.log } : {}) });
  return { url: server.url, source: 'started', stop: server.stop };
}

function javaHomeFromPath(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' });
  if (which.status !== 0) return null;
  const java = realpathSync(which.stdout.trim());
  return dirname(dirname(java));
}

function unprivilegedAccount(): { uid: number; gid: number } {
  const lookup = (): { uid: number; gid: number } | null => {
    const uid = spawnSync('id', ['-u', UNPRIVILEGED_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', UNPRIVILEGED_USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : null;
  };
  const existing = lookup();
  if (existing) return existing;
  const created = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', UNPRIVILEGED_USER],
    { encoding: 'utf8' },
  );
  const account = lookup();
  if (!account)
    throw new OpenSearchServerError(
      `OpenSearch refuses to run as root and user ${UNPRIVILEGED_USER} could not be created: ${created.stderr}`,
    );
  return account;
}

function chownTree(path: string, uid: number, gid: number): void {
  const result = spawnSync('chown', ['-R', `${uid}:${gid}`, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new OpenSearchServerError(`could not hand ${path} to ${UNPRIVILEGED_USER}: ${result.stderr}`);
}

async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `OpenSearch exited during start-up (${signal ?? `code ${code}`})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new OpenSearchServerError(exited);
    try {
      const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=2s`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new OpenSearchServerError(`OpenSearch did not turn yellow within ${timeoutMs} ms`);
}
