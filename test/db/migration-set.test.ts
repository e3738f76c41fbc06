import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED_MIGRATIONS } from '../../lambdas/db/migration-set.generated.js';
import {
  GENERATED_MODULE_PATH,
  loadMigrationsFromDirectory,
  migrationSetChecksum,
  MIGRATIONS_DIRECTORY,
  parseMigrationFileName,
  renderMigrationSetModule,
} from '../../lambdas/db/migration-set.js';

describe('the migration set', () => {
  const scratch: string[] = [];
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    scratch.push(dir);
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  };
  afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads NNNN_description.sql files in version order, ignoring other files', () => {
    const dir = folder({ '0010_later.sql': 'SELECT 10;', '0002_earlier.sql': 'SELECT 2;', 'README.md': '# notes' });
    expect(loadMigrationsFromDirectory(dir)).toEqual([
      { version: 2, name: 'earlier', fileName: '0002_earlier.sql', sql: 'SELECT 2;' },
      { version: 10, name: 'later', fileName: '0010_later.sql', sql: 'SELECT 10;' },
    ]);
  });

  it('refuses a .sql file not named like a migration, naming it', () => {
    const dir = folder({ '0001_ok.sql': 'SELECT 1;', 'add-index.sql': 'SELECT 2;' });
    expect(() => loadMigrationsFromDirectory(dir)).toThrow(/add-index\.sql is not named like a migration: expected NNNN_description\.sql/);
  });

  it('refuses two files with one version, naming both', () => {
    const dir = folder({ '0001_one.sql': 'SELECT 1;', '0001_other.sql': 'SELECT 2;' });
    expect(() => loadMigrationsFromDirectory(dir)).toThrow(/0001_one\.sql and 0001_other\.sql .* share version 1/);
  });

  it('parses migration file names', () => {
    expect(parseMigrationFileName('0042_add_alarm_index.sql')).toEqual({ version: 42, name: 'add_alarm_index' });
    expect(parseMigrationFileName('42_short.sql')).toBeUndefined();
    expect(parseMigrationFileName('0042_Add-Index.sql')).toBeUndefined();
  });

  it('bundles exactly the migrations folder (run `npm run db:generate` after changing a migration)', () => {
    const onDisk = loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY);
    expect(BUNDLED_MIGRATIONS).toEqual(onDisk);
    expect(readFileSync(GENERATED_MODULE_PATH, 'utf8')).toBe(renderMigrationSetModule(onDisk));
  });

  it('has a set checksum that follows content, not order', () => {
    const set = [
      { version: 1, name: 'a', fileName: '0001_a.sql', sql: 'SELECT 1;' },
      { version: 2, name: 'b', fileName: '0002_b.sql', sql: 'SELECT 2;' },
    ];
    expect(migrationSetChecksum([...set].reverse())).toBe(migrationSetChecksum(set));
    expect(migrationSetChecksum([set[0]!, { ...set[1]!, sql: 'SELECT 3;' }])).not.toBe(migrationSetChecksum(set));
    expect(migrationSetChecksum([set[0]!])).not.toBe(migrationSetChecksum(set));
  });
});
