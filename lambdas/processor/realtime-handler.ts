import { createOpenSearchClient } from '../realtime/client.js';
import { realtimeConfigFrom, RealtimeConfigError } from '../realtime/config.js';
import { processRealtimeEvent, type RealtimeProcessorDeps, type RealtimeWindowEvent, type RealtimeWindowResponse } from '../realtime/process-window.js';
import { createSqsClient } from '../shared/aws-clients.js';
import { createLogger } from '../shared/powertools.js';
import { SqsQuarantineSink } from '../shared/quarantine.js';

const logger = createLogger({ serviceName: 'realtime-processor' });
let dependencies: RealtimeProcessorDeps | undefined;

function dependenciesFromEnv(env: NodeJS.ProcessEnv): RealtimeProcessorDeps {
  const config = realtimeConfigFrom(env);
  if (!config.quarantineQueueUrl) throw new RealtimeConfigError('QUARANTINE_QUEUE_URL is not set');
  return {
    client: createOpenSearchClient(config),
    indexPrefix: config.indexPrefix,
    windowMs: config.windowMs,
    quarantine: new SqsQuarantineSink({ client: createSqsClient(), queueUrl: config.quarantineQueueUrl }),
  };
}

/** Kinesis consumer with tumbling windows that keeps the real-time view in OpenSearch. */
export const handler = async (event: RealtimeWindowEvent): Promise<RealtimeWindowResponse> => {
  dependencies ??= dependenciesFromEnv(process.env);
  const { response, summary } = await processRealtimeEvent(event, dependencies);
  logger.info('real-time batch processed', { shardId: event.shardId, window: event.window, ...summary });
  return response;
};
