import { createTumblingWindowHandler, type HandlerTelemetry, type TumblingWindowHandler } from '../shared/tumbling-window-handler.js';
import { processBatch, type BatchProcessorDeps } from './batch-processor.js';

export type BatchHandlerDeps = BatchProcessorDeps & HandlerTelemetry;
export type BatchHandler = TumblingWindowHandler;

/** The batch processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  return createTumblingWindowHandler({
    process: (event) => processBatch(event, deps),
    closeCounts: (closed) => ({ windowsWritten: closed.windowsWritten, alertsRaised: closed.alarmStepsApplied }),
    logMessage: 'batch processed',
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
