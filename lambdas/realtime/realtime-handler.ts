import { createTumblingWindowHandler, type HandlerTelemetry, type TumblingWindowHandler } from '../shared/tumbling-window-handler.js';
import { processRealtimeEvent, type RealtimeProcessorDeps } from './realtime-processor.js';

export type RealtimeHandlerDeps = RealtimeProcessorDeps & HandlerTelemetry;
export type RealtimeHandler = TumblingWindowHandler;

// Alike the batch handler (batch-handler.ts) on purpose: both are the shared tumbling-window handler given their own processing and counts.
/** The real-time processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createRealtimeHandler(deps: RealtimeHandlerDeps): RealtimeHandler {
  return createTumblingWindowHandler({
    process: (event) => processRealtimeEvent(event, deps),
    closeCounts: (closed) => ({ windowsWritten: closed.windowsWritten, alertsRaised: closed.statusChanges }),
    logMessage: 'real-time batch processed',
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
