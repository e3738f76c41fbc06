import { deployedRealtimeDeps } from './deployed-deps.js';
import { createRealtimeKafkaHandler } from './realtime-handler.js';

/**
 * MSK consumer that keeps the real-time view in OpenSearch, windows closed by each
 * topic-partition's event-time watermark (no tumbling windows on Kafka sources). Same
 * environment as the Kinesis entry.
 */
export const handler = createRealtimeKafkaHandler(deployedRealtimeDeps(process.env));
