import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { indexPrefixFrom, retentionDaysFrom } from '../realtime/config.js';
import { ConfigError } from '../shared/config-error.js';
import type { Environment } from '../shared/environment.js';
import type { OpenSearchSetupOptions } from './setup.js';

/**
 * The setup options for a custom-resource event. Resource properties (`IndexPrefix`,
 * `RetentionDays`, `AdminRoleArns`, `ViewerRoleArns`, `WriterRoleArns`) take precedence
 * over the environment (`OPENSEARCH_INDEX_PREFIX`, `RETENTION_DAYS`), so a changed value
 * in the stack reaches the domain through an Update event.
 */
export function setupOptionsFrom(event: CloudFormationCustomResourceEvent, env: Environment): OpenSearchSetupOptions {
  const properties = event.ResourceProperties as Record<string, unknown>;
  const indexPrefix = indexPrefixFrom({
    OPENSEARCH_INDEX_PREFIX: optionalText(properties.IndexPrefix, 'IndexPrefix') ?? env.OPENSEARCH_INDEX_PREFIX,
  });
  const retentionDays = retentionDaysFrom({
    RETENTION_DAYS: optionalText(properties.RetentionDays, 'RetentionDays') ?? env.RETENTION_DAYS,
  });
  return {
    indexPrefix,
    retentionDays,
    access: {
      adminRoleArns: arnList(properties.AdminRoleArns, 'AdminRoleArns'),
      viewerRoleArns: arnList(properties.ViewerRoleArns, 'ViewerRoleArns'),
      writerRoleArns: arnList(properties.WriterRoleArns, 'WriterRoleArns'),
    },
  };
}

/** The physical id names what the resource configures, so a changed prefix replaces it. */
export function physicalResourceId(indexPrefix: string): string {
  return `${indexPrefix}-opensearch-setup`;
}

/** CloudFormation passes every property as a string (numbers included). */
function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw setupPropertyError(name, `must be a string, got ${JSON.stringify(value)}`);
  return String(value);
}

function arnList(value: unknown, name: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) throw setupPropertyError(name, `must be a list of role ARNs, got ${JSON.stringify(value)}`);
  return value.map((arn) => {
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(arn)) {
      throw setupPropertyError(name, `holds ${JSON.stringify(arn)}, which is not an IAM role ARN`);
    }
    return arn;
  });
}

function setupPropertyError(property: string, message: string): ConfigError {
  return new ConfigError('OpenSearch setup resource properties', [{ key: property, message }]);
}
