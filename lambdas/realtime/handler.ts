import { ConfigError } from '../shared/config-error.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SqsQuarantineSink } from '../shared/quarantine.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { createOpenSearchClient } from './client.js';
import { realtimeConfigFrom } from './config.js';
import { createRealtimeHandler } from './realtime-handler.js';

/** Kinesis consumer with tumbling windows that keeps the real-time view in OpenSearch. */
const config = realtimeConfigFrom(process.env);
if (!config.quarantineQueueUrl) {
  throw new ConfigError('real-time processor environment', [
    { key: 'QUARANTINE_QUEUE_URL', message: 'is required: the real-time processor quarantines rejected records in SQS' },
  ]);
}

export const handler = createRealtimeHandler({
  client: createOpenSearchClient(config),
  indexPrefix: config.indexPrefix,
  windowMs: config.windowMs,
  quarantine: new SqsQuarantineSink({ client: createSqsClient(), queueUrl: config.quarantineQueueUrl }),
  logger: createLogger(SERVICE_NAMES.realtimeProcessor),
  metrics: createMetrics(SERVICE_NAMES.realtimeProcessor),
});
