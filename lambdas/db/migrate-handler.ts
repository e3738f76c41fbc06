import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { createMigrateHandler, databaseLoginsFrom, parseMigrateEnvironment } from './migrate-resource.js';
import { bundledMigrations } from './migration-set.js';

/**
 * The schema migration custom resource (see `migrate-resource.ts`): the project's migrations
 * through the Data API, then the database roles, with their passwords read from Secrets Manager. The environment is read once, here: a missing or blank variable fails
 * the function's init with a ConfigError naming it.
 */
const { loginSecretArns, ...target } = parseMigrateEnvironment(process.env);
const secrets = new SecretsManagerClient({});

export const handler = createMigrateHandler({
  client: new RDSDataClient({}),
  ...target,
  databaseRoles: {
    logins: databaseLoginsFrom(
      loginSecretArns,
      async (secretArn) => (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString,
    ),
  },
  migrations: bundledMigrations(),
  logger: createLogger(SERVICE_NAMES.schemaMigrations),
});
