import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compareVersions } from '../../lambdas/shared/versions.js';
import { hasCommand, javaMajorVersion, serviceCacheRoot } from '../java-runtime.js';
import { copyMavenDependencies } from './maven.js';
import { installDashboardModules } from './modules.js';

/**
 * The OpenSearch distribution the tests and the local runtime run: OpenSearch's
 * integration-test zip on Maven Central (without the security plugin and without a
 * bundled JDK), resolved with Maven and unpacked once into a cache outside the
 * repository, one folder per version. This module fetches it and finds it; running it
 * is `./server.ts`.
 */

export const DISTRIBUTION_COORDINATES = { groupId: 'org.opensearch.distribution.integ-test-zip', artifactId: 'opensearch' } as const;

/** OpenSearch 3 needs Java 21; every 2.x release runs on Java 11 and 17. */
const MIN_JAVA_FOR_MAJOR: ReadonlyArray<{ readonly major: number; readonly java: number }> = [
  { major: 3, java: 21 },
  { major: 2, java: 11 },
];

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

/** The distribution could not be resolved, unpacked or put into the cache. */
export class OpenSearchDistributionError extends Error {
  override readonly name = 'OpenSearchDistributionError';
}

export function distributionCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return serviceCacheRoot('opensearch', env);
}

export { javaMajorVersion, parseJavaMajor } from '../java-runtime.js';

/** The newest OpenSearch major version that runs on a Java feature version, or null if none does. */
export function openSearchMajorFor(javaMajor: number): number | null {
  return MIN_JAVA_FOR_MAJOR.find((entry) => javaMajor >= entry.java)?.major ?? null;
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

/**
 * The newest unpacked distribution in the cache that the installed Java runs (or the
 * exact `version` asked for), or null when there is none.
 */
export function findCachedDistribution(options: DistributionOptions = {}): Distribution | null {
  const root = options.cacheRoot ?? distributionCacheRoot(options.env);
  if (!existsSync(root)) return null;
  const wanted = pinnedVersion(options);
  const java = javaMajorVersion();
  const major = java === null ? null : openSearchMajorFor(java);
  const versions = readdirSync(root)
    .filter((name) => /^\d+\.\d+\.\d+$/.test(name) && holdsDistribution(join(root, name)))
    .filter((name) => (wanted ? name === wanted : major !== null && Number(name.split('.')[0]) <= major))
    .sort(compareVersions);
  const version = versions.at(-1);
  return version ? { version, home: join(root, version) } : null;
}

/**
 * Resolves the distribution with Maven (the newest release of the major version the
 * installed Java runs, unless a version is pinned), unpacks it, prepares it
 * ({@link prepareDistribution}) and moves it into the cache. Idempotent: a version
 * already in the cache is reused as it is.
 */
export function fetchDistribution(options: DistributionOptions = {}): Distribution {
  const log = options.log ?? (() => {});
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new OpenSearchDistributionError(`cannot fetch OpenSearch: install ${missing.join(' and ')}`);
  const root = options.cacheRoot ?? distributionCacheRoot(options.env);
  mkdirSync(root, { recursive: true });
  const major = openSearchMajorFor(javaMajorVersion() ?? 0);
  const versionSpec = pinnedVersion(options) ?? `[${major}.0.0,${major}.999999]`;
  log(`resolving ${DISTRIBUTION_COORDINATES.groupId}:${DISTRIBUTION_COORDINATES.artifactId}:${versionSpec} with Maven`);

  const work = mkdtempSync(join(root, '.fetch-'));
  try {
    const { zip, version } = resolveWithMaven(versionSpec, work);
    const home = join(root, version);
    if (holdsDistribution(home)) {
      log(`OpenSearch ${version} is already in the cache`);
      installDashboardModules({ home, version, log });
      return { version, home };
    }
    log(`unpacking OpenSearch ${version}`);
    const unpacked = unpackDistribution(zip, work);
    prepareDistribution(unpacked);
    rmSync(home, { recursive: true, force: true });
    renameSync(unpacked, home);
    installDashboardModules({ home, version, log });
    return { version, home };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Makes a freshly unpacked distribution ready to run, before it moves into the cache:
 * its scripts executable. Whatever else the cached distribution must hold (an OpenSearch
 * plugin, installed with its `bin/opensearch-plugin`) belongs here too.
 */
function prepareDistribution(home: string): void {
  for (const script of readdirSync(join(home, 'bin'))) {
    spawnSync('chmod', ['+x', join(home, 'bin', script)]);
  }
}

/** Downloads the zip of `versionSpec` (a version or a Maven range) into `work`; returns it and the version it holds. */
function resolveWithMaven(versionSpec: string, work: string): { zip: string; version: string } {
  const out = copyMavenDependencies(
    work,
    {
      resolver: 'opensearch-resolver',
      dependency: distributionDependency(versionSpec),
      flags: ['-DexcludeTransitive=true', '-DincludeTypes=zip'],
    },
    (output) => new OpenSearchDistributionError(`Maven could not resolve OpenSearch ${versionSpec}:\n${output}`),
  );
  const zip = readdirSync(out).find((name) => name.endsWith('.zip'));
  const version = zip ? /^opensearch-(.+)\.zip$/.exec(zip)?.[1] : undefined;
  if (!zip || !version) throw new OpenSearchDistributionError(`Maven resolved no OpenSearch zip into ${out}`);
  return { zip: join(out, zip), version };
}

/** The distribution zip of `versionSpec`, as a dependency element. */
function distributionDependency(versionSpec: string): string {
  return `    <dependency>
      <groupId>${DISTRIBUTION_COORDINATES.groupId}</groupId>
      <artifactId>${DISTRIBUTION_COORDINATES.artifactId}</artifactId>
      <version>${versionSpec}</version>
      <type>zip</type>
    </dependency>`;
}

/** Unpacks `zip` below `work`; returns the distribution's top folder. */
function unpackDistribution(zip: string, work: string): string {
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  const result = hasCommand('unzip')
    ? spawnSync('unzip', ['-q', zip, '-d', unpacked], { encoding: 'utf8' })
    : spawnSync('jar', ['xf', zip], { cwd: unpacked, encoding: 'utf8' });
  if (result.status !== 0) throw new OpenSearchDistributionError(`could not unpack ${zip}: ${result.stderr}`);
  const top = readdirSync(unpacked).find((name) => holdsDistribution(join(unpacked, name)));
  if (!top) throw new OpenSearchDistributionError(`${basename(zip)} does not hold an OpenSearch distribution`);
  return join(unpacked, top);
}

function holdsDistribution(folder: string): boolean {
  return existsSync(join(folder, 'bin', 'opensearch'));
}

/** The version asked for: `options.version`, else OPENSEARCH_VERSION unless blank. */
function pinnedVersion(options: DistributionOptions): string | undefined {
  const fromEnv = (options.env ?? process.env).OPENSEARCH_VERSION?.trim();
  return options.version ?? (fromEnv === '' ? undefined : fromEnv);
}
