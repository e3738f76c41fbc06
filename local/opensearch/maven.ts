import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What to fetch from Maven Central: one dependency and how far to follow it. */
export interface MavenFetch {
  /** Artifact ID of the throwaway project that declares the dependency, e.g. `opensearch-resolver`. */
  readonly resolver: string;
  /** The `<dependency>` element, indented by four spaces. */
  readonly dependency: string;
  /** Flags of `dependency:copy-dependencies` beyond the output directory, e.g. `-DincludeTypes=jar`. */
  readonly flags: readonly string[];
}

/**
 * Writes a pom declaring `fetch.dependency` to `work/pom.xml` and runs
 * `mvn dependency:copy-dependencies` on it into `work/out`, which it returns. When Maven
 * fails it throws the error `failure` makes of the last 30 lines of Maven's output.
 */
export function copyMavenDependencies(work: string, fetch: MavenFetch, failure: (mavenOutput: string) => Error): string {
  writeFileSync(join(work, 'pom.xml'), resolverPom(fetch));
  const out = join(work, 'out');
  const maven = spawnSync('mvn', ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${out}`, ...fetch.flags], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (maven.status !== 0) throw failure(`${maven.stdout}${maven.stderr}`.trimEnd().split('\n').slice(-30).join('\n'));
  return out;
}

function resolverPom(fetch: MavenFetch): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.geotech</groupId>
  <artifactId>${fetch.resolver}</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
${fetch.dependency}
  </dependencies>
</project>
`;
}
