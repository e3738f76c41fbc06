import { createBatchKafkaHandler } from './batch-handler.js';
import { deployedBatchDeps } from './deployed-deps.js';

/**
 * MSK consumer: readings and window aggregates into Aurora PostgreSQL, status changes onto
 * alarms, windows closed by each topic-partition's event-time watermark (no tumbling windows
 * on Kafka sources). Same environment as the Kinesis entry.
 */
export const handler = createBatchKafkaHandler(deployedBatchDeps(process.env));
