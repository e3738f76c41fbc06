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
