import { createBatchHandler } from './batch-handler.js';
import { deployedBatchDeps } from './deployed-deps.js';

/** Kinesis consumer with tumbling windows: readings and window aggregates into Aurora PostgreSQL, status changes onto alarms. */
export const handler = createBatchHandler(deployedBatchDeps(process.env));
