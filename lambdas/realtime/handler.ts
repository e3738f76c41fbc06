import { createOpenSearchClient } from './client.js';
import { realtimeConfigFrom, RealtimeConfigError } from './config.js';
import {
  processRealtimeEvent,
  type RealtimeProcessorDeps,
  type RealtimeWindowEvent,
  type RealtimeWindowResponse,
} from './process-window.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { createLogger } from '../shared/powertools.js';
import { JsonlQuarantineSink, SqsQuarantineSink, type QuarantineSink } from '../shared/quarantine.js';

const logger = createLogger({ serviceName: 'realtime-processor' });
let dependencies: RealtimeProcessorDeps | undefined;

/** The SQS queue in AWS; locally, a JSONL file named by QUARANTINE_FILE. */
function quarantineFromEnv(queueUrl: string | undefined, env: NodeJS.ProcessEnv): QuarantineSink {
  if (queueUrl) return new SqsQuarantineSink({ client: createSqsClient(), queueUrl });
  const file = env.QUARANTINE_FILE?.trim();
  if (file) return new JsonlQuarantineSink(file);
  throw new RealtimeConfigError('QUARANTINE_QUEUE_URL is not set (locally, QUARANTINE_FILE may name a JSONL file instead)');
}

function dependenciesFromEnv(env: NodeJS.ProcessEnv): RealtimeProcessorDeps {
  const config = realtimeConfigFrom(env);
  return {
    client: createOpenSearchClient(config),
    indexPrefix: config.indexPrefix,
    windowMs: config.windowMs,
    quarantine: quarantineFromEnv(config.quarantineQueueUrl, env),
  };
}

/** Kinesis consumer with tumbling windows that keeps the real-time view in OpenSearch. */
export const handler = async (event: RealtimeWindowEvent): Promise<RealtimeWindowResponse> => {
  dependencies ??= dependenciesFromEnv(process.env);
  const { response, summary } = await processRealtimeEvent(event, dependencies);
  logger.info('real-time batch processed', { shardId: event.shardId, window: event.window, ...summary });
  return response;
};
