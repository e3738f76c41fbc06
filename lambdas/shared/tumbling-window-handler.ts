import type { Logger } from '@aws-lambda-powertools/logger';
import { publishInvocationMetrics, type CloseCounts, type MetricsPublisher } from './invocation-metrics.js';
import type { InvocationOutcome, TumblingWindowEvent, TumblingWindowResponse } from './tumbling-window.js';

export type TumblingWindowHandler = (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>;

/** What every tumbling-window handler is given besides its processing. */
export interface HandlerTelemetry {
  readonly logger: Pick<Logger, 'info'>;
  readonly metrics: MetricsPublisher;
}

export interface TumblingWindowHandlerOptions<CloseOutcome> extends HandlerTelemetry {
  /** One invocation of the consumer (the shared core over its sink). */
  readonly process: (event: TumblingWindowEvent) => Promise<InvocationOutcome<CloseOutcome>>;
  /** The dashboard's counts of a close. */
  readonly closeCounts: (closed: CloseOutcome) => CloseCounts;
  /** The log line of each invocation, e.g. `batch processed`. */
  readonly logMessage: string;
}

/** A Lambda handler around one consumer: processes, publishes the same metrics and logs the same fields for both consumers. */
export function createTumblingWindowHandler<CloseOutcome extends object>(
  options: TumblingWindowHandlerOptions<CloseOutcome>,
): TumblingWindowHandler {
  return async (event) => {
    const outcome = await options.process(event);
    publishInvocationMetrics(options.metrics, outcome, outcome.closed && options.closeCounts(outcome.closed));
    options.logger.info(options.logMessage, {
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
