import { Logger } from '@aws-lambda-powertools/logger';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { runMigrations, type Migration } from './migrate.js';
import { bundledMigrations, migrationSetChecksum } from './migration-set.js';
import { applySiteSettings, siteSettingsFromProperties } from './site-settings.js';
import { DataApiDatabase } from './sql-client.js';

/**
 * CloudFormation custom resource that brings the schema up to date, for the CDK
 * custom-resource provider framework (`cr.Provider` with this as `onEventHandler`):
 * Create and Update run the pending migrations through the Data API, then write the
 * site settings the resource is given (`SiteTimeZone`, see ./site-settings.ts); Delete
 * leaves the schema alone (the data outlives the resource). Configured by the
 * environment: DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME.
 *
 * CloudFormation only sends Update when a property changes, so the resource's
 * properties must change with the migrations (a hash of them, such as
 * `migrationSetChecksum(bundledMigrations())` or a hash of the folder).
 */

export interface MigrationResourceResponse {
  PhysicalResourceId: string;
  /** Attributes for Fn::GetAtt (strings, as CloudFormation returns them). */
  Data?: {
    /** How many migrations this event applied. */
    AppliedCount: string;
    /** The highest migration version known to this code. */
    LatestVersion: string;
    MigrationSetChecksum: string;
  };
}

export interface MigrateHandlerDependencies {
  readonly client: RDSDataClient;
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
  readonly migrations: readonly Migration[];
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
}

/** The handler, with its dependencies given (for tests and other runtimes). */
export function createMigrateHandler(dependencies: MigrateHandlerDependencies) {
  return async (event: CloudFormationCustomResourceEvent): Promise<MigrationResourceResponse> => {
    const physicalResourceId = event.RequestType === 'Create' ? `schema-migrations/${dependencies.database}` : event.PhysicalResourceId;
    if (event.RequestType === 'Delete') {
      dependencies.logger?.info('Delete: the schema is left in place');
      return { PhysicalResourceId: physicalResourceId };
    }
    const site = siteSettingsFromProperties(event.ResourceProperties as Record<string, string | undefined>);
    const report = await runMigrations({ ...dependencies, log: (message) => dependencies.logger?.info(message) });
    const { client, resourceArn, secretArn, database } = dependencies;
    if (await applySiteSettings(new DataApiDatabase(client, { resourceArn, secretArn, database }), site)) {
      dependencies.logger?.info('site settings written', { ...site });
    }
    if (report.unknownVersions.length > 0) {
      dependencies.logger?.warn('the database has migrations this code does not know', { versions: report.unknownVersions });
    }
    return {
      PhysicalResourceId: physicalResourceId,
      Data: {
        AppliedCount: String(report.applied.length),
        LatestVersion: String(Math.max(0, ...dependencies.migrations.map((m) => m.version))),
        MigrationSetChecksum: migrationSetChecksum(dependencies.migrations),
      },
    };
  };
}

/** Reads the handler's configuration from the environment, naming every missing variable. */
export function configFromEnvironment(env: NodeJS.ProcessEnv): { resourceArn: string; secretArn: string; database: string } {
  const names = ['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME'] as const;
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`The migration handler needs the environment variable(s) ${missing.join(', ')}`);
  return { resourceArn: env.DB_CLUSTER_ARN!, secretArn: env.DB_SECRET_ARN!, database: env.DB_NAME! };
}

let deployed: ReturnType<typeof createMigrateHandler> | undefined;

export const handler = (event: CloudFormationCustomResourceEvent): Promise<MigrationResourceResponse> => {
  deployed ??= createMigrateHandler({
    client: new RDSDataClient({}),
    ...configFromEnvironment(process.env),
    migrations: bundledMigrations(),
    logger: new Logger({ serviceName: 'schema-migrations' }),
  });
  return deployed(event);
};
