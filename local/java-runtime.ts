import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What the services run on the machine's Java (OpenSearch, Apache Kafka) share: the Java
 * version found, whether a command is on the PATH, and the cache folder their artifacts
 * are fetched into.
 */

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

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** `${XDG_CACHE_HOME:-~/.cache}/geotech-pipeline/<service>`: where a service's fetched artifacts live, outside the repository. */
export function serviceCacheRoot(service: string, env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cacheHome, 'geotech-pipeline', service);
}
