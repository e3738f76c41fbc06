import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { createMigrateHandler, parseMigrateEnvironment } from './migrate-resource.js';
import { bundledMigrations } from './migration-set.js';

/**
 * The schema migration custom resource (see `migrate-resource.ts`): the project's migrations
 * through the Data API. The environment is read once, here: a missing or blank variable fails
 * the function's init with a ConfigError naming it.
 */
export const handler = createMigrateHandler({
  client: new RDSDataClient({}),
  ...parseMigrateEnvironment(process.env),
  migrations: bundledMigrations(),
  logger: createLogger(SERVICE_NAMES.schemaMigrations),
});
