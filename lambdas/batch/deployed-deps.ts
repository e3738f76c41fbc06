import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { AlarmStore } from '../alarms/alarm-store.js';
import { DataApiDatabase } from '../db/sql-client.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { AuroraPartitionProgress } from './aurora-partition-progress.js';
import { AuroraBatchStore } from './aurora-store.js';
import type { BatchKafkaHandlerDeps } from './batch-handler.js';
import { BATCH_CONSUMER } from './batch-processor.js';
import { readBatchConfig } from './config.js';
import type { Environment } from '../shared/environment.js';

/** The deployed batch processor's dependencies, from its environment: the same for the Kinesis and the MSK entry. */
export function deployedBatchDeps(env: Environment): BatchKafkaHandlerDeps {
  const config = readBatchConfig(env);
  const logger = createLogger(SERVICE_NAMES.batchProcessor);
  const database = new DataApiDatabase(new RDSDataClient({}), {
    resourceArn: config.clusterArn,
    secretArn: config.secretArn,
    database: config.database,
  });
  return {
    store: new AuroraBatchStore(database, config.windowSeconds, {
      lateHorizonMs: config.lateHorizonMs,
      onInvalidRule: (instrumentId, problems) =>
        logger.error('stored trigger rule fails its checks; the type default applies', { instrumentId, problems }),
    }),
    alarms: new AlarmStore(database),
    progress: new AuroraPartitionProgress(database, BATCH_CONSUMER, config.windowSeconds),
    windowSeconds: config.windowSeconds,
    allowedLatenessMs: config.allowedLatenessMs,
    logger,
    metrics: createMetrics(SERVICE_NAMES.batchProcessor),
  };
}
