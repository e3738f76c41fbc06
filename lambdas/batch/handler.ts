import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { DataApiDatabase } from '../db/sql-client.js';
import { SnsAlertPublisher, type AlertPublisher } from './alerts.js';
import { AuroraBatchStore } from './aurora-store.js';
import { processBatch } from './batch-processor.js';
import type { TumblingWindowEvent, TumblingWindowResponse } from '../shared/tumbling-window.js';

const wholeSeconds = z.coerce
  .number()
  .check(z.refine(Number.isInteger, 'must be a whole number of seconds'), z.nonnegative('must not be negative'));

const EnvironmentSchema = z.object({
  DB_CLUSTER_ARN: z.string({ error: 'must name the Aurora cluster' }).check(z.minLength(1, 'must name the Aurora cluster')),
  DB_SECRET_ARN: z.string({ error: 'must name the database secret' }).check(z.minLength(1, 'must name the database secret')),
  DB_NAME: z._default(z.string().check(z.minLength(1)), 'geotech'),
  WINDOW_SECONDS: z._default(wholeSeconds.check(z.positive('must be positive')), 10),
  ALLOWED_LATENESS_SECONDS: z._default(wholeSeconds, 30),
  ALERT_TOPIC_ARN: z.optional(z.string()),
});

function readEnvironment() {
  const parsed = EnvironmentSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`batch processor misconfigured: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

const env = readEnvironment();
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'batch-processor' });
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'GeotechMonitoring', serviceName: 'batch-processor' });
const database = new DataApiDatabase(new RDSDataClient({}), {
  resourceArn: env.DB_CLUSTER_ARN,
  secretArn: env.DB_SECRET_ARN,
  database: env.DB_NAME,
});
const store = new AuroraBatchStore(database, env.WINDOW_SECONDS);
const alerts: AlertPublisher = env.ALERT_TOPIC_ARN
  ? new SnsAlertPublisher(new SNSClient({}), env.ALERT_TOPIC_ARN)
  : { publish: async (events) => events.forEach((event) => logger.warn('trigger status changed (no alert topic configured)', { event })) };

/** Kinesis consumer with tumbling windows: readings and window aggregates into Aurora PostgreSQL. */
export const handler = async (event: TumblingWindowEvent): Promise<TumblingWindowResponse> => {
  const outcome = await processBatch(event, {
    store,
    alerts,
    windowSeconds: env.WINDOW_SECONDS,
    allowedLatenessMs: env.ALLOWED_LATENESS_SECONDS * 1000,
  });
  metrics.addMetric('RecordsProcessed', MetricUnit.Count, outcome.readings + outcome.poison);
  metrics.addMetric('ReadingsRejected', MetricUnit.Count, outcome.poison);
  metrics.addMetric('WindowsWritten', MetricUnit.Count, outcome.windowsWritten);
  metrics.addMetric('AlertsRaised', MetricUnit.Count, outcome.alertsPublished);
  metrics.publishStoredMetrics();
  logger.info('batch processed', {
    shardId: event.shardId,
    window: event.window,
    final: event.isFinalInvokeForWindow,
    terminatedEarly: event.isWindowTerminatedEarly,
    readings: outcome.readings,
    poison: outcome.poison,
    windowsWritten: outcome.windowsWritten,
    alertsPublished: outcome.alertsPublished,
  });
  return outcome.response;
};
