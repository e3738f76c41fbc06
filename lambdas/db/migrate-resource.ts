import type { Logger } from '@aws-lambda-powertools/logger';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dataApiTargetVariables, parseEnvironment, type Environment } from '../shared/environment.js';
import { runMigrations, type Migration } from './migrate.js';
import { migrationSetChecksum } from './migration-set.js';
import { applySiteSettings, siteSettingsFromProperties } from './site-settings.js';
import { DataApiDatabase, type DataApiTarget } from './sql-client.js';

/**
 * CloudFormation custom resource that brings the schema up to date, for the CDK
 * custom-resource provider framework (`cr.Provider` with the function as `onEventHandler`):
 * Create and Update run the pending migrations through the Data API, then write the
 * site settings the resource is given (`SiteTimeZone`, see ./site-settings.ts); Delete leaves
 * the schema alone (the data outlives the resource). The deployed entry is
 * `migrate-handler.ts`; its environment is DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME.
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

export interface MigrateHandlerDependencies extends DataApiTarget {
  readonly client: RDSDataClient;
  readonly migrations: readonly Migration[];
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
}

export type MigrateHandler = (event: CloudFormationCustomResourceEvent) => Promise<MigrationResourceResponse>;

/** The handler, with its dependencies given (the deployed entry, tests, other runtimes). */
export function createMigrateHandler(dependencies: MigrateHandlerDependencies): MigrateHandler {
  return async (event) => {
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

const EnvironmentSchema = z.object(dataApiTargetVariables);

/**
 * The Data API target from the migration function's environment (DB_CLUSTER_ARN,
 * DB_SECRET_ARN, DB_NAME, default `geotech`). Throws `ConfigError` naming every variable at fault.
 */
export function parseMigrateEnvironment(env: Environment): DataApiTarget {
  const e = parseEnvironment(EnvironmentSchema, env, 'schema migration environment');
  return { resourceArn: e.DB_CLUSTER_ARN, secretArn: e.DB_SECRET_ARN, database: e.DB_NAME };
}
