/**
 * Regenerates the bundled migration module from the migrations folder:
 * `npm run db:generate` (run from the project root).
 */
import { writeFileSync } from 'node:fs';
import {
  GENERATED_MODULE_PATH,
  loadMigrationsFromDirectory,
  MIGRATIONS_DIRECTORY,
  renderMigrationSetModule,
} from '../lambdas/db/migration-set.js';

const migrations = loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY);
writeFileSync(GENERATED_MODULE_PATH, renderMigrationSetModule(migrations));
console.log(`${GENERATED_MODULE_PATH}: ${migrations.length} migration(s): ${migrations.map((m) => m.fileName).join(', ') || 'none'}`);
