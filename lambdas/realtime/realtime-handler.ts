import type { Logger } from '@aws-lambda-powertools/logger';
import { publishInvocationMetrics, type MetricsPublisher } from '../shared/invocation-metrics.js';
import type { TumblingWindowEvent, TumblingWindowResponse } from '../shared/tumbling-window.js';
import { processRealtimeEvent, type RealtimeProcessorDeps } from './realtime-processor.js';

export interface RealtimeHandlerDeps extends RealtimeProcessorDeps {
  readonly logger: Pick<Logger, 'info'>;
  readonly metrics: MetricsPublisher;
}

export type RealtimeHandler = (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>;

/** The real-time processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createRealtimeHandler(deps: RealtimeHandlerDeps): RealtimeHandler {
  return async (event) => {
    const outcome = await processRealtimeEvent(event, deps);
    publishInvocationMetrics(
      deps.metrics,
      outcome,
      outcome.closed && { windowsWritten: outcome.closed.windowsWritten, alertsRaised: outcome.closed.statusChanges },
    );
    deps.logger.info('real-time batch processed', {
      shardId: event.shardId,
      window: event.window,
      final: event.isFinalInvokeForWindow,
      terminatedEarly: event.isWindowTerminatedEarly,
      records: outcome.records,
      readings: outcome.readings,
      rejected: outcome.rejected,
      redeliveryRequested: outcome.redeliveryRequested,
      ...outcome.closed,
    });
    return outcome.response;
  };
}
