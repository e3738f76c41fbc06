import { AuroraPostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import { EngineVersion } from 'aws-cdk-lib/aws-opensearchservice';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { compareVersions } from '../../lambdas/shared/versions.js';

/**
 * What the AWS services accept for the configuration keys that name one of their options,
 * read from aws-cdk-lib where it knows them, so a library upgrade widens the choice without
 * a change here.
 */

/** Aurora PostgreSQL versions the CDK knows, as `major.minor`, oldest first. */
export const AURORA_POSTGRES_VERSIONS: readonly string[] = Object.getOwnPropertyNames(AuroraPostgresEngineVersion)
  .filter((name) => /^VER_\d+_\d+$/.test(name))
  .map((name) => name.slice(4).replace('_', '.'))
  .sort(compareVersions);

/** OpenSearch versions the CDK knows, as `major.minor`, oldest first. */
export const OPENSEARCH_VERSIONS: readonly string[] = Object.getOwnPropertyNames(EngineVersion)
  .filter((name) => /^OPENSEARCH_\d+_\d+$/.test(name))
  .map((name) => name.slice('OPENSEARCH_'.length).replace('_', '.'))
  .sort(compareVersions);

/**
 * The first version of each Aurora PostgreSQL major with the RDS Data API on Serverless v2
 * and provisioned clusters.
 */
export const DATA_API_MINIMUM_VERSIONS: Readonly<Record<number, string>> = {
  13: '13.11',
  14: '14.8',
  15: '15.3',
  16: '16.1',
  17: '17.4',
  18: '18.3',
};

/**
 * Regions where the RDS Data API is not offered for Aurora PostgreSQL Serverless v2 (and
 * provisioned) clusters: the rows marked "Not available" in AWS's table "Data API with Aurora
 * PostgreSQL Serverless v2 and provisioned", in the Aurora User Guide's "Supported Regions and
 * Aurora DB engines for RDS Data API",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html
 * (read December 2026). Every function that uses the batch store goes through the Data API, so
 * the synth refuses these Regions. Remove a Region here when that page lists it with versions.
 */
export const DATA_API_UNAVAILABLE_REGIONS: Readonly<Record<string, string>> = {
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ap-southeast-6': 'Asia Pacific (New Zealand)',
};

/** The first version of each Aurora PostgreSQL major that can scale to 0 ACU (auto-pause). */
export const AUTO_PAUSE_MINIMUM_VERSIONS: Readonly<Record<number, string>> = {
  13: '13.15',
  14: '14.12',
  15: '15.7',
  16: '16.3',
  17: '17.4',
  18: '18.3',
};

/** Log retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays)
  .filter((value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE)
  .sort((a, b) => a - b);

/** The major of a `major.minor` version. */
export function major(version: string): number {
  return Number(version.split('.')[0]);
}

/** Whether `version` is at least the minimum of its major in `minimums` (false for a major without one). */
export function atLeastMinimumOfMajor(version: string, minimums: Readonly<Record<number, string>>): boolean {
  const minimum = minimums[major(version)];
  return minimum !== undefined && compareVersions(version, minimum) >= 0;
}
