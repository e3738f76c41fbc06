import type { Logger } from '@aws-lambda-powertools/logger';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dataApiTargetVariables, optionalText, parseEnvironment, type Environment } from '../shared/environment.js';
import { applyDatabaseRoles, APPLICATION_ROLE, REPORTING_ROLE, type DatabaseLogin } from './database-roles.js';
import { runMigrations, type Migration } from './migrate.js';
import { migrationSetChecksum } from './migration-set.js';
import { applySiteSettings, siteSettingsFromProperties } from './site-settings.js';
import { DataApiDatabase, type DataApiTarget } from './sql-client.js';

/**
 * CloudFormation custom resource that brings the schema up to date, for the CDK
 * custom-resource provider framework (`cr.Provider` with the function as `onEventHandler`):
 * Create and Update run the pending migrations through the Data API, then write the
 * site settings the resource is given (`SiteTimeZone`, see ./site-settings.ts), then bring
 * the application and reporting roles and their grants up to date (./database-roles.ts),
 * setting each role's password from its secret; Delete leaves the schema alone (the data
 * outlives the resource). The deployed entry is `migrate-handler.ts`; its environment is
 * DB_CLUSTER_ARN, DB_SECRET_ARN (the owner's secret), DB_NAME, and the secrets of the roles,
 * DB_APPLICATION_SECRET_ARN and DB_REPORTING_SECRET_ARN.
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
  /**
   * Apply the project's database roles after the migrations (./database-roles.ts), with the
   * current credentials of the roles, read from their secrets on each Create and Update
   * (none: the roles and grants are applied, no password is set). @default - no roles step,
   * for migration sets other than the project's
   */
  readonly databaseRoles?: { readonly logins: () => Promise<readonly DatabaseLogin[]> };
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
    const db = new DataApiDatabase(client, { resourceArn, secretArn, database });
    if (await applySiteSettings(db, site)) {
      dependencies.logger?.info('site settings written', { ...site });
    }
    if (dependencies.databaseRoles) {
      const logins = await dependencies.databaseRoles.logins();
      const roles = await applyDatabaseRoles(db, { database, logins });
      dependencies.logger?.info('database roles applied', { ...roles });
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

const EnvironmentSchema = z.object({
  ...dataApiTargetVariables,
  DB_APPLICATION_SECRET_ARN: optionalText(),
  DB_REPORTING_SECRET_ARN: optionalText(),
});

/** The migration function's configuration: the owner's Data API target and the secrets of the roles it manages. */
export interface MigrateEnvironment extends DataApiTarget {
  /** Secret ARN of each role whose password the handler sets, by role name. */
  readonly loginSecretArns: Readonly<Record<string, string>>;
}

/**
 * The Data API target from the migration function's environment (DB_CLUSTER_ARN,
 * DB_SECRET_ARN, DB_NAME, default `geotech`) and the secrets of the application and reporting
 * roles (DB_APPLICATION_SECRET_ARN, DB_REPORTING_SECRET_ARN; the stack sets both). Throws
 * `ConfigError` naming every variable at fault.
 */
export function parseMigrateEnvironment(env: Environment): MigrateEnvironment {
  const e = parseEnvironment(EnvironmentSchema, env, 'schema migration environment');
  const loginSecretArns: Record<string, string> = {};
  if (e.DB_APPLICATION_SECRET_ARN) loginSecretArns[APPLICATION_ROLE] = e.DB_APPLICATION_SECRET_ARN;
  if (e.DB_REPORTING_SECRET_ARN) loginSecretArns[REPORTING_ROLE] = e.DB_REPORTING_SECRET_ARN;
  return { resourceArn: e.DB_CLUSTER_ARN, secretArn: e.DB_SECRET_ARN, database: e.DB_NAME, loginSecretArns };
}

const SecretValueSchema = z.object({ username: z.string().check(z.minLength(1)), password: z.string().check(z.minLength(1)) });

/**
 * Reads the login of each role from its secret (`username` and `password`, as RDS database
 * secrets hold them) with `read`, which returns the secret's current value as text.
 */
export function databaseLoginsFrom(
  loginSecretArns: Readonly<Record<string, string>>,
  read: (secretArn: string) => Promise<string | undefined>,
): () => Promise<DatabaseLogin[]> {
  return async () =>
    Promise.all(
      Object.entries(loginSecretArns).map(async ([role, secretArn]) => {
        const text = await read(secretArn);
        let value: unknown;
        try {
          value = JSON.parse(text ?? '');
        } catch {
          throw new Error(`the secret of ${role} (${secretArn}) is not JSON`);
        }
        const parsed = SecretValueSchema.safeParse(value);
        if (!parsed.success) throw new Error(`the secret of ${role} (${secretArn}) has no username and password`);
        return { role, username: parsed.data.username, password: parsed.data.password };
      }),
    );
}
