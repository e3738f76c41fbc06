import { ConfigError } from '../shared/config-error.js';
import type { Environment } from '../shared/environment.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SqsQuarantineSink } from '../shared/quarantine.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { createOpenSearchClient } from './client.js';
import { realtimeConfigFrom } from './config.js';
import { OpenSearchPartitionProgress } from './partition-progress.js';
import type { RealtimeKafkaHandlerDeps } from './realtime-handler.js';

/** The deployed real-time processor's dependencies, from its environment: the same for the Kinesis and the MSK entry. */
export function deployedRealtimeDeps(env: Environment): RealtimeKafkaHandlerDeps {
  const config = realtimeConfigFrom(env);
  if (!config.quarantineQueueUrl) {
    throw new ConfigError('real-time processor environment', [
      { key: 'QUARANTINE_QUEUE_URL', message: 'is required: the real-time processor quarantines rejected records in SQS' },
    ]);
  }
  const client = createOpenSearchClient(config);
  return {
    client,
    indexPrefix: config.indexPrefix,
    windowMs: config.windowMs,
    allowedLatenessMs: config.allowedLatenessMs,
    progress: new OpenSearchPartitionProgress(client, config.indexPrefix, config.windowMs),
    quarantine: new SqsQuarantineSink({ client: createSqsClient(), queueUrl: config.quarantineQueueUrl }),
    logger: createLogger(SERVICE_NAMES.realtimeProcessor),
    metrics: createMetrics(SERVICE_NAMES.realtimeProcessor),
  };
}
