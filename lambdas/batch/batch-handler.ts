import type { Logger } from '@aws-lambda-powertools/logger';
import { publishInvocationMetrics, type MetricsPublisher } from '../shared/invocation-metrics.js';
import type { TumblingWindowEvent, TumblingWindowResponse } from '../shared/tumbling-window.js';
import { processBatch, type BatchProcessorDeps } from './batch-processor.js';

export interface BatchHandlerDeps extends BatchProcessorDeps {
  readonly logger: Pick<Logger, 'info'>;
  readonly metrics: MetricsPublisher;
}

export type BatchHandler = (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>;

/** The batch processor's Lambda handler, with its dependencies given (the deployed entry, the local runtime, tests). */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  return async (event) => {
    const outcome = await processBatch(event, deps);
    publishInvocationMetrics(
      deps.metrics,
      outcome,
      outcome.closed && { windowsWritten: outcome.closed.windowsWritten, alertsRaised: outcome.closed.alertsPublished },
    );
    deps.logger.info('batch processed', {
      shardId: event.shardId,
      window: event.window,
      final: event.isFinalInvokeForWindow,
      terminatedEarly: event.isWindowTerminatedEarly,
      records: outcome.records,
      readings: outcome.readings,
      rejected: outcome.rejected,
      ...outcome.closed,
    });
    return outcome.response;
  };
}
