import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { AlarmStore } from '../alarms/alarm-store.js';
import { DataApiDatabase } from '../db/sql-client.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { AuroraBatchStore } from './aurora-store.js';
import { createBatchHandler } from './batch-handler.js';
import { readBatchConfig } from './config.js';

/** Kinesis consumer with tumbling windows: readings and window aggregates into Aurora PostgreSQL, status changes onto alarms. */
const config = readBatchConfig(process.env);
const logger = createLogger(SERVICE_NAMES.batchProcessor);
const database = new DataApiDatabase(new RDSDataClient({}), {
  resourceArn: config.clusterArn,
  secretArn: config.secretArn,
  database: config.database,
});

export const handler = createBatchHandler({
  store: new AuroraBatchStore(database, config.windowSeconds, {
    lateHorizonMs: config.lateHorizonMs,
    onInvalidRule: (instrumentId, problems) =>
      logger.error('stored trigger rule fails its checks; the type default applies', { instrumentId, problems }),
  }),
  alarms: new AlarmStore(database),
  windowSeconds: config.windowSeconds,
  allowedLatenessMs: config.allowedLatenessMs,
  logger,
  metrics: createMetrics(SERVICE_NAMES.batchProcessor),
});
