import {
  createKafkaWindowHandler,
  createTumblingWindowHandler,
  type HandlerTelemetry,
  type KafkaWindowHandler,
  type TumblingWindowHandler,
} from '../shared/tumbling-window-handler.js';
import {
  processRealtimeEvent,
  processRealtimeKafkaEvent,
  type RealtimeClose,
  type RealtimeKafkaDeps,
  type RealtimeProcessorDeps,
} from './realtime-processor.js';

export type RealtimeHandlerDeps = RealtimeProcessorDeps & HandlerTelemetry;
export type RealtimeKafkaHandlerDeps = RealtimeKafkaDeps & HandlerTelemetry;
export type RealtimeHandler = TumblingWindowHandler;
export type RealtimeKafkaHandler = KafkaWindowHandler;

const LOG_MESSAGE = 'real-time batch processed';

function closeCounts(closed: RealtimeClose) {
  return { windowsWritten: closed.windowsWritten, alertsRaised: closed.statusChanges };
}

// Alike the batch handlers (batch-handler.ts) on purpose: each is the shared handler given its own processing and counts.
/** The real-time processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createRealtimeHandler(deps: RealtimeHandlerDeps): RealtimeHandler {
  return createTumblingWindowHandler({
    process: (event) => processRealtimeEvent(event, deps),
    closeCounts,
    logMessage: LOG_MESSAGE,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}

/** The real-time processor's handler on an MSK event source. */
export function createRealtimeKafkaHandler(deps: RealtimeKafkaHandlerDeps): RealtimeKafkaHandler {
  return createKafkaWindowHandler({
    process: (event) => processRealtimeKafkaEvent(event, deps),
    closeCounts,
    logMessage: LOG_MESSAGE,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
