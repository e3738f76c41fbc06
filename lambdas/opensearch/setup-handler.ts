import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createOpenSearchClient } from '../realtime/client.js';
import { connectionConfigFrom } from '../realtime/config.js';
import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { applyOpenSearchSetup } from './setup.js';
import { physicalResourceId, setupOptionsFrom } from './setup-request.js';

const logger = createLogger(SERVICE_NAMES.openSearchSetup);

/**
 * Custom-resource onEvent handler (CDK provider framework): on Create and Update applies
 * the index templates, the ISM retention policy, access control and the Dashboards saved
 * objects; on Delete leaves the domain's data and configuration in place.
 */
export const handler = async (
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> => {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const options = setupOptionsFrom(event, process.env);
  const client = createOpenSearchClient(connectionConfigFrom(process.env));
  const report = await applyOpenSearchSetup(client, options);
  logger.info('OpenSearch setup applied', { report });
  return {
    PhysicalResourceId: physicalResourceId(options.indexPrefix),
    Data: {
      Templates: report.templates.join(','),
      Retention: 'action' in report.retention ? report.retention.action : 'unavailable',
      DashboardsObjects: 'imported' in report.dashboards ? String(report.dashboards.imported) : '0',
    },
  };
};
