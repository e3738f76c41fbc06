import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { copyMavenDependencies } from './maven.js';

/**
 * Modules of the full OpenSearch distribution that the integration-test zip leaves out
 * and the Dashboards saved objects need: `geo` (the `geohash_grid` aggregation of the
 * status map) and `lang-painless` (the `bucket_script` TSVB draws its static trigger
 * lines with). Amazon OpenSearch Service has both. Each is resolved with Maven from its
 * published jar and its dependencies, and laid out under the distribution's `modules/`
 * the way the full distribution lays it out (jars, `plugin-descriptor.properties`, the
 * module's security policy).
 */

export interface ModuleSpec {
  /** The folder name under `modules/`, and the plugin name. */
  readonly name: string;
  readonly groupId: string;
  readonly artifactId: string;
  readonly classname: string;
  readonly description: string;
  /** `plugin-security.policy`, when the module has one. */
  readonly securityPolicy?: string;
}

export const DASHBOARD_MODULES: readonly ModuleSpec[] = [
  {
    name: 'geo',
    groupId: 'org.opensearch.plugin',
    artifactId: 'geo',
    classname: 'org.opensearch.geo.GeoModulePlugin',
    description: 'Plugin for geospatial features in OpenSearch. Registering the geo_shape and aggregations on GeoShape and GeoPoint',
  },
  {
    name: 'lang-painless',
    groupId: 'org.opensearch.plugin',
    artifactId: 'lang-painless',
    classname: 'org.opensearch.painless.PainlessPlugin',
    description: 'An easy, safe and fast scripting language for OpenSearch',
    securityPolicy: [
      'grant {',
      '  // needed to generate runtime classes',
      '  permission java.lang.RuntimePermission "createClassLoader";',
      '  // needed to find the classloader to load allowlisted classes from',
      '  permission java.lang.RuntimePermission "getClassLoader";',
      '};',
      '',
    ].join('\n'),
  },
];

export class OpenSearchModuleError extends Error {
  override readonly name = 'OpenSearchModuleError';
}

export interface InstallModulesOptions {
  /** The unpacked distribution (holds `bin/opensearch` and `modules/`). */
  readonly home: string;
  /** The distribution's version; each module is resolved at the same version. */
  readonly version: string;
  /** Default {@link DASHBOARD_MODULES}. */
  readonly modules?: readonly ModuleSpec[];
  readonly log?: (message: string) => void;
}

/** Whether `modules/<name>` holds the module built for this OpenSearch version. */
export function hasModule(home: string, name: string, version: string): boolean {
  const descriptor = join(home, 'modules', name, 'plugin-descriptor.properties');
  if (!existsSync(descriptor)) return false;
  return readFileSync(descriptor, 'utf8')
    .split('\n')
    .some((line) => line.trim() === `opensearch.version=${version}`);
}

/**
 * Installs each module the distribution lacks (or holds for another version) into its
 * `modules/`. Idempotent: a module already there is left alone, so a distribution cached
 * before this existed gets the modules on the next fetch. Each module is assembled beside
 * the distribution and moved into place whole, so a server starting meanwhile never sees
 * half a module.
 */
export function installDashboardModules(options: InstallModulesOptions): string[] {
  const log = options.log ?? (() => {});
  const installed: string[] = [];
  for (const spec of options.modules ?? DASHBOARD_MODULES) {
    if (hasModule(options.home, spec.name, options.version)) continue;
    log(`installing the ${spec.name} module ${options.version}`);
    installModule(options.home, options.version, spec);
    installed.push(spec.name);
  }
  return installed;
}

function installModule(home: string, version: string, spec: ModuleSpec): void {
  const work = mkdtempSync(join(dirname(home), `.module-${spec.name}-`));
  try {
    const out = copyMavenDependencies(
      work,
      {
        resolver: 'opensearch-module-resolver',
        dependency: moduleDependency(spec, version),
        flags: ['-DincludeScope=runtime', '-DincludeTypes=jar'],
      },
      (output) => new OpenSearchModuleError(`Maven could not resolve ${spec.groupId}:${spec.artifactId}:${version}:\n${output}`),
    );
    const lib = new Set(existsSync(join(home, 'lib')) ? readdirSync(join(home, 'lib')) : []);
    const jars = readdirSync(out).filter((name) => name.endsWith('.jar') && !lib.has(name));
    if (!jars.includes(`${spec.artifactId}-${version}.jar`)) {
      throw new OpenSearchModuleError(`Maven resolved no ${spec.artifactId}-${version}.jar into ${out}`);
    }
    const staged = join(work, spec.name);
    mkdirSync(staged);
    for (const jar of jars) copyFileSync(join(out, jar), join(staged, jar));
    writeFileSync(join(staged, 'plugin-descriptor.properties'), pluginDescriptor(spec, version));
    if (spec.securityPolicy) writeFileSync(join(staged, 'plugin-security.policy'), spec.securityPolicy);
    const target = join(home, 'modules', spec.name);
    rmSync(target, { recursive: true, force: true });
    renameSync(staged, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The descriptor OpenSearch reads from every module folder. */
export function pluginDescriptor(spec: ModuleSpec, version: string): string {
  return [
    `description=${spec.description}`,
    `version=${version}`,
    `name=${spec.name}`,
    `classname=${spec.classname}`,
    'java.version=11',
    `opensearch.version=${version}`,
    'custom.foldername=',
    'extended.plugins=',
    'has.native.controller=false',
    '',
  ].join('\n');
}

/** The module and its own dependencies, without the server it runs in, as a dependency element. */
function moduleDependency(spec: ModuleSpec, version: string): string {
  return `    <dependency>
      <groupId>${spec.groupId}</groupId>
      <artifactId>${spec.artifactId}</artifactId>
      <version>${version}</version>
      <exclusions>
        <exclusion>
          <groupId>org.opensearch</groupId>
          <artifactId>opensearch</artifactId>
        </exclusion>
      </exclusions>
    </dependency>`;
}
