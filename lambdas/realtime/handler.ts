import { deployedRealtimeDeps } from './deployed-deps.js';
import { createRealtimeHandler } from './realtime-handler.js';

/** Kinesis consumer with tumbling windows that keeps the real-time view in OpenSearch. */
export const handler = createRealtimeHandler(deployedRealtimeDeps(process.env));
