import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { contentHash } from '../constructs/content-hash.js';
import { FunctionCustomResource } from '../constructs/function-custom-resource.js';
import { PipelineFunction, PROJECT_ROOT } from '../constructs/pipeline-function.js';
import type { BatchStore } from './batch-store.js';

export interface SchemaMigrationsProps {
  readonly store: BatchStore;
  readonly functionName: string;
  /**
   * The site's IANA time zone, written to `report_settings.site_time_zone` after the migrations;
   * a change of zone updates the resource, so the handler writes the new one.
   */
  readonly siteTimeZone: string;
  /** Handler module relative to the repository root. @default 'lambdas/db/migrate-handler.ts' */
  readonly entry?: string;
  /**
   * Directories, relative to the repository root, whose content decides whether the migrations
   * changed; a change makes the custom resource update and the handler run. @default ['lambdas/db']
   */
  readonly sources?: readonly string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Applies the schema migrations and the database roles (lambdas/db/database-roles.ts) to the
 * batch store on every deployment that changes them, signing in as the owner: a
 * custom resource whose `MigrationsHash` property is a hash of the migration sources, handled
 * by the migration function through the Data API once the writer instance exists. Its
 * `SiteTimeZone` property is the deployment's site time zone, which the handler writes to
 * `report_settings` after the migrations (on every Create and Update: whenever the
 * migrations or the zone change).
 */
export class SchemaMigrations extends Construct {
  readonly lambdaFunction: PipelineFunction;
  readonly customResource: FunctionCustomResource;
  readonly migrationsHash: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    this.migrationsHash = contentHash(PROJECT_ROOT, props.sources ?? ['lambdas/db']);

    this.lambdaFunction = new PipelineFunction(this, 'Handler', {
      entry: props.entry ?? 'lambdas/db/migrate-handler.ts',
      functionName: props.functionName,
      description: 'Applies the batch store schema migrations through the Data API (custom resource)',
      // A paused Serverless v2 writer takes up to a minute to resume.
      timeout: Duration.minutes(5),
      memorySize: 256,
      logRetention: props.logRetention,
      // The only function that signs in as the owner; it sets the passwords of the application and reporting roles.
      environment: {
        ...props.store.dataApiEnvironmentOf('owner'),
        DB_APPLICATION_SECRET_ARN: props.store.applicationSecret.secretArn,
        DB_REPORTING_SECRET_ARN: props.store.reportingSecret.secretArn,
      },
    });
    props.store.grantDataApiAccess(this.lambdaFunction, 'owner');
    props.store.grantSecretRead(this.lambdaFunction, 'application');
    props.store.grantSecretRead(this.lambdaFunction, 'reporting');

    this.customResource = new FunctionCustomResource(this, 'Migrations', {
      lambdaFunction: this.lambdaFunction,
      resourceType: 'Custom::SchemaMigrations',
      properties: { MigrationsHash: this.migrationsHash, DatabaseName: props.store.databaseName, SiteTimeZone: props.siteTimeZone },
      logRetention: props.logRetention,
    });
    this.customResource.resource.node.addDependency(props.store.cluster.node.defaultChild!, props.store.writer);
    props.store.rotateLoginsAfter(this.customResource.resource);
  }
}
