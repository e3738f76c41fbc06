import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_MIGRATIONS } from './migration-set.generated.js';
import { migrationChecksum, type Migration } from './migrate.js';

/**
 * The schema migrations as data.
 *
 * The folder `lambdas/db/migrations/` holds the migrations as `NNNN_description.sql`
 * files. The local runtime reads the folder ({@link loadMigrationsFromDirectory}).
 * The deploy-time Lambda cannot read the folder, so the same files are also kept as
 * a generated TypeScript module ({@link BUNDLED_MIGRATIONS}) that esbuild bundles
 * like any other code, and tsx and vitest import like any other module. After adding
 * or changing a migration, regenerate it with `npm run db:generate`; a test fails
 * while the module and the folder disagree.
 */

/** The migrations folder, relative to the project root. */
export const MIGRATIONS_DIRECTORY = 'lambdas/db/migrations';

/** The generated module's path, relative to the project root. */
export const GENERATED_MODULE_PATH = 'lambdas/db/migration-set.generated.ts';

const FILE_NAME = /^(\d{4,})_([a-z0-9][a-z0-9_]*)\.sql$/;

/** Version and name from a file name like `0007_add_alarm_index.sql`, or undefined if it is not one. */
export function parseMigrationFileName(fileName: string): { version: number; name: string } | undefined {
  const match = FILE_NAME.exec(fileName);
  return match ? { version: Number(match[1]), name: match[2]! } : undefined;
}

/**
 * Reads the `.sql` files of a migrations folder, in version order. Any other `.sql`
 * file name, or two files with one version, is an error naming the file(s).
 */
export function loadMigrationsFromDirectory(directory: string): Migration[] {
  const migrations: Migration[] = [];
  for (const fileName of readdirSync(directory)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const parsed = parseMigrationFileName(fileName);
    if (!parsed) {
      throw new Error(
        `${join(directory, fileName)} is not named like a migration: expected NNNN_description.sql (digits, then lower-case words joined by _)`,
      );
    }
    const clash = migrations.find((m) => m.version === parsed.version);
    if (clash) throw new Error(`${clash.fileName} and ${fileName} in ${directory} share version ${parsed.version}`);
    migrations.push({ ...parsed, fileName, sql: readFileSync(join(directory, fileName), 'utf8') });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/** The migrations bundled into the deploy-time Lambda. */
export function bundledMigrations(): readonly Migration[] {
  return BUNDLED_MIGRATIONS;
}

/**
 * One checksum over a whole migration set (versions, names and contents). Give it to
 * the migration custom resource as a property, so CloudFormation updates the resource
 * — and the migrations run — exactly when the set changes.
 */
export function migrationSetChecksum(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const m of [...migrations].sort((a, b) => a.version - b.version))
    hash.update(`${m.version}\0${m.name}\0${migrationChecksum(m.sql)}\n`);
  return hash.digest('hex');
}

/** The source of the generated module for a migration set. */
export function renderMigrationSetModule(migrations: readonly Migration[]): string {
  const entries = migrations
    .map(
      (m) =>
        `  {\n    version: ${m.version},\n    name: ${JSON.stringify(m.name)},\n    fileName: ${JSON.stringify(m.fileName)},\n    sql: ${templateLiteral(m.sql)},\n  },\n`,
    )
    .join('');
  return (
    `// Generated from ${MIGRATIONS_DIRECTORY}/ by \`npm run db:generate\`. Do not edit: edit the .sql files and regenerate.\n` +
    `import type { Migration } from './migrate.js';\n\n` +
    `export const BUNDLED_MIGRATIONS: readonly Migration[] = [\n${entries}];\n`
  );
}

/** A template literal holding `text` exactly, its lines kept as lines so diffs stay readable. */
function templateLiteral(text: string): string {
  return '`' + text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\r/g, '\\r') + '`';
}
