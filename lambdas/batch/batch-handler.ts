import {
  createKafkaWindowHandler,
  createTumblingWindowHandler,
  type HandlerTelemetry,
  type KafkaWindowHandler,
  type TumblingWindowHandler,
} from '../shared/tumbling-window-handler.js';
import { processBatch, processBatchKafka, type BatchClose, type BatchKafkaDeps, type BatchProcessorDeps } from './batch-processor.js';

export type BatchHandlerDeps = BatchProcessorDeps & HandlerTelemetry;
export type BatchKafkaHandlerDeps = BatchKafkaDeps & HandlerTelemetry;
export type BatchHandler = TumblingWindowHandler;
export type BatchKafkaHandler = KafkaWindowHandler;

const LOG_MESSAGE = 'batch processed';

function closeCounts(closed: BatchClose) {
  return { windowsWritten: closed.windowsWritten, alertsRaised: closed.alarmStepsApplied };
}

/** The batch processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  return createTumblingWindowHandler({
    process: (event) => processBatch(event, deps),
    closeCounts,
    logMessage: LOG_MESSAGE,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}

/** The batch processor's handler on an MSK event source. */
export function createBatchKafkaHandler(deps: BatchKafkaHandlerDeps): BatchKafkaHandler {
  return createKafkaWindowHandler({
    process: (event) => processBatchKafka(event, deps),
    closeCounts,
    logMessage: LOG_MESSAGE,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
