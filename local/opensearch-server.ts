import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { installDashboardModules } from './opensearch-modules.js';

/**
 * A real OpenSearch server for tests and the local runtime, from OpenSearch's
 * integration-test distribution on Maven Central (a zip without the security plugin
 * and without a bundled JDK). `fetchDistribution` resolves and unpacks it once into a
 * cache outside the repository; `startOpenSearch` runs a throwaway single-node cluster
 * on loopback with its own data directory.
 */

export const DISTRIBUTION_COORDINATES = { groupId: 'org.opensearch.distribution.integ-test-zip', artifactId: 'opensearch' } as const;

/** OpenSearch 3 needs Java 21; every 2.x release runs on Java 11 and 17. */
const MIN_JAVA_FOR_MAJOR: ReadonlyArray<{ readonly major: number; readonly java: number }> = [
  { major: 3, java: 21 },
  { major: 2, java: 11 },
];

/** The unprivileged account OpenSearch runs as when this process is root (OpenSearch refuses to run as root). */
export const UNPRIVILEGED_USER = 'opensearch';

export interface Distribution {
  readonly version: string;
  /** The unpacked distribution (holds `bin/opensearch`). */
  readonly home: string;
}

export interface DistributionOptions {
  /** Cache folder. Default `${XDG_CACHE_HOME:-~/.cache}/geotech-pipeline/opensearch`. */
  readonly cacheRoot?: string;
  /** Exact version to use. Default: OPENSEARCH_VERSION, else the newest release the installed Java runs. */
  readonly version?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress messages. Default: none. */
  readonly log?: (message: string) => void;
}

export class OpenSearchServerError extends Error {
  override readonly name = 'OpenSearchServerError';
}

export function distributionCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cacheHome, 'geotech-pipeline', 'opensearch');
}

/** The Java feature version (`17` for 17.0.15, `8` for 1.8.0), or null when `java` is not on the PATH. */
export function javaMajorVersion(): number | null {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  return parseJavaMajor(`${result.stderr}${result.stdout}`);
}

export function parseJavaMajor(versionOutput: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return null;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** The newest OpenSearch major version that runs on a Java feature version, or null if none does. */
export function openSearchMajorFor(javaMajor: number): number | null {
  return MIN_JAVA_FOR_MAJOR.find((entry) => javaMajor >= entry.java)?.major ?? null;
}

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** What is missing on this machine to fetch and run the distribution; empty when nothing is. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  const java = javaMajorVersion();
  if (java === null) missing.push('Java 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`)');
  else if (openSearchMajorFor(java) === null) missing.push(`Java 17 or newer (found Java ${java})`);
  if (!hasCommand('mvn')) missing.push('Maven (e.g. `apt-get install maven`)');
  if (!hasCommand('unzip') && !hasCommand('jar')) missing.push('unzip (e.g. `apt-get install unzip`)');
  return missing;
}

/** Compares dotted numeric versions (`2.19.6` > `2.9.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const difference = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The newest unpacked distribution in the cache that the installed Java runs (or the
 * exact `version` asked for), or null when there is none.
 */
export function findCachedDistribution(options: DistributionOptions = {}): Distribution | null {
  const root = options.cacheRoot ?? distributionCacheRoot(options.env);
  if (!existsSync(root)) return null;
  const wanted = options.version ?? nonEmpty((options.env ?? process.env).OPENSEARCH_VERSION);
  const java = javaMajorVersion();
  const major = java === null ? null : openSearchMajorFor(java);
  const versions = readdirSync(root)
    .filter((name) => /^\d+\.\d+\.\d+$/.test(name) && existsSync(join(root, name, 'bin', 'opensearch')))
    .filter((name) => (wanted ? name === wanted : major !== null && Number(name.split('.')[0]) <= major))
    .sort(compareVersions);
  const version = versions.at(-1);
  return version ? { version, home: join(root, version) } : null;
}

/**
 * Resolves the distribution with Maven (the newest release of the major version the
 * installed Java runs, unless a version is pinned) and unpacks it into the cache.
 * Idempotent: a version already unpacked is reused.
 */
export function fetchDistribution(options: DistributionOptions = {}): Distribution {
  const log = options.log ?? (() => {});
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new OpenSearchServerError(`cannot fetch OpenSearch: install ${missing.join(' and ')}`);
  const root = options.cacheRoot ?? distributionCacheRoot(options.env);
  mkdirSync(root, { recursive: true });
  const pinned = options.version ?? nonEmpty((options.env ?? process.env).OPENSEARCH_VERSION);
  const major = openSearchMajorFor(javaMajorVersion() ?? 0);
  const versionSpec = pinned ?? `[${major}.0.0,${major}.999999]`;
  log(`resolving ${DISTRIBUTION_COORDINATES.groupId}:${DISTRIBUTION_COORDINATES.artifactId}:${versionSpec} with Maven`);

  const work = mkdtempSync(join(root, '.fetch-'));
  try {
    writeFileSync(join(work, 'pom.xml'), resolverPom(versionSpec));
    const out = join(work, 'out');
    const maven = spawnSync(
      'mvn',
      ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${out}`, '-DexcludeTransitive=true', '-DincludeTypes=zip'],
      { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (maven.status !== 0) {
      throw new OpenSearchServerError(`Maven could not resolve OpenSearch ${versionSpec}:\n${tail(`${maven.stdout}${maven.stderr}`, 30)}`);
    }
    const zip = readdirSync(out).find((name) => name.endsWith('.zip'));
    const version = zip ? /^opensearch-(.+)\.zip$/.exec(zip)?.[1] : undefined;
    if (!zip || !version) throw new OpenSearchServerError(`Maven resolved no OpenSearch zip into ${out}`);
    const home = join(root, version);
    if (existsSync(join(home, 'bin', 'opensearch'))) {
      log(`OpenSearch ${version} is already in the cache`);
      installDashboardModules({ home, version, log });
      return { version, home };
    }
    log(`unpacking OpenSearch ${version}`);
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    unzip(join(out, zip), unpacked);
    const top = readdirSync(unpacked).find((name) => existsSync(join(unpacked, name, 'bin', 'opensearch')));
    if (!top) throw new OpenSearchServerError(`${zip} does not hold an OpenSearch distribution`);
    for (const script of readdirSync(join(unpacked, top, 'bin'))) {
      spawnSync('chmod', ['+x', join(unpacked, top, 'bin', script)]);
    }
    rmSync(home, { recursive: true, force: true });
    renameSync(join(unpacked, top), home);
    installDashboardModules({ home, version, log });
    return { version, home };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function resolverPom(versionSpec: string): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.geotech</groupId>
  <artifactId>opensearch-resolver</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>${DISTRIBUTION_COORDINATES.groupId}</groupId>
      <artifactId>${DISTRIBUTION_COORDINATES.artifactId}</artifactId>
      <version>${versionSpec}</version>
      <type>zip</type>
    </dependency>
  </dependencies>
</project>
`;
}

function unzip(zip: string, into: string): void {
  const result = hasCommand('unzip')
    ? spawnSync('unzip', ['-q', zip, '-d', into], { encoding: 'utf8' })
    : spawnSync('jar', ['xf', zip], { cwd: into, encoding: 'utf8' });
  if (result.status !== 0) throw new OpenSearchServerError(`could not unpack ${zip}: ${result.stderr}`);
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

  const [httpPort, transportPort] = [await freePort(), await freePort()];
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
    const startupLog = readTail(join(work, 'console.log'));
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
  const fromEnv = nonEmpty(env.OPENSEARCH_URL);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new OpenSearchServerError(`OpenSearch did not turn yellow within ${timeoutMs} ms`);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function readTail(path: string): string {
  try {
    return tail(readFileSync(path, 'utf8'), 40);
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
