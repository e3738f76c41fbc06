import type { Logger } from '@aws-lambda-powertools/logger';
import { publishInvocationMetrics, type CloseCounts, type MetricsPublisher } from './invocation-metrics.js';
import type { KafkaBatchResponse, KafkaLambdaEvent } from './kafka-lambda-event.js';
import type { KafkaInvocationOutcome } from './kafka-windows.js';
import type { InvocationOutcome, TumblingWindowEvent, TumblingWindowResponse } from './tumbling-window.js';

export type TumblingWindowHandler = (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>;
export type KafkaWindowHandler = (event: KafkaLambdaEvent) => Promise<KafkaBatchResponse>;

/** What every stream consumer's handler is given besides its processing. */
export interface HandlerTelemetry {
  readonly logger: Pick<Logger, 'info'>;
  readonly metrics: MetricsPublisher;
}

interface ConsumerHandlerOptions<Event, Outcome, CloseOutcome> extends HandlerTelemetry {
  /** One invocation of the consumer (the shared core over its sink). */
  readonly process: (event: Event) => Promise<Outcome>;
  /** The dashboard's counts of a close. */
  readonly closeCounts: (closed: CloseOutcome) => CloseCounts;
  /** The log line of each invocation, e.g. `batch processed`. */
  readonly logMessage: string;
}

export type TumblingWindowHandlerOptions<CloseOutcome> = ConsumerHandlerOptions<
  TumblingWindowEvent,
  InvocationOutcome<CloseOutcome>,
  CloseOutcome
>;
export type KafkaWindowHandlerOptions<CloseOutcome> = ConsumerHandlerOptions<
  KafkaLambdaEvent,
  KafkaInvocationOutcome<CloseOutcome>,
  CloseOutcome
>;

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
      ...invocationCounts(outcome),
      ...outcome.closed,
    });
    return outcome.response;
  };
}

/**
 * The same on a Kafka event source: the metrics and log fields of the tumbling-window handler,
 * the closes of the event's partitions summed, and the partitions' window progress.
 */
export function createKafkaWindowHandler<CloseOutcome extends object>(
  options: KafkaWindowHandlerOptions<CloseOutcome>,
): KafkaWindowHandler {
  return async (event) => {
    const outcome = await options.process(event);
    const closed = outcome.closed.length > 0 ? sumCounts(outcome.closed) : undefined;
    publishInvocationMetrics(options.metrics, outcome, closed && sumCounts(outcome.closed.map(options.closeCounts)));
    options.logger.info(options.logMessage, {
      eventSourceArn: event.eventSourceArn,
      partitions: Object.keys(event.records),
      ...invocationCounts(outcome),
      windowsClosed: outcome.windowsClosed,
      windowsPending: outcome.windowsPending,
      ...closed,
    });
    return outcome.response;
  };
}

function invocationCounts(outcome: Pick<InvocationOutcome<unknown>, 'records' | 'readings' | 'rejected' | 'redeliveryRequested'>) {
  return {
    records: outcome.records,
    readings: outcome.readings,
    rejected: outcome.rejected,
    redeliveryRequested: outcome.redeliveryRequested,
  };
}

/** The numeric fields of several closes, added up (one per partition that closed windows). */
function sumCounts<T extends object>(closes: readonly T[]): T {
  const sum: Record<string, unknown> = {};
  for (const close of closes) {
    for (const [name, value] of Object.entries(close)) if (typeof value === 'number') sum[name] = ((sum[name] as number) ?? 0) + value;
  }
  return sum as T;
}
