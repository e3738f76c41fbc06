import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMES } from './telemetry.js';
import type { InvocationOutcome } from './tumbling-window.js';

/** What a handler needs of Powertools Metrics to publish its counts. */
export type MetricsPublisher = Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;

/** Publishes nothing: for runtimes with no CloudWatch to send Embedded Metric Format to (the local runtime). */
export const METRICS_OFF: MetricsPublisher = {
  addMetric: () => undefined,
  publishStoredMetrics: () => undefined,
} as unknown as MetricsPublisher;

/** The counts of a Lambda window's close that the operations dashboard plots. */
export interface CloseCounts {
  readonly windowsWritten: number;
  readonly alertsRaised: number;
}

/** Publishes one invocation's counts, the same for both stream consumers and both stream kinds. */
export function publishInvocationMetrics(
  metrics: MetricsPublisher,
  outcome: Pick<InvocationOutcome<unknown>, 'records' | 'rejected' | 'redeliveryRequested'>,
  closed: CloseCounts | undefined,
): void {
  metrics.addMetric(METRIC_NAMES.recordsProcessed, MetricUnit.Count, outcome.records);
  metrics.addMetric(METRIC_NAMES.readingsRejected, MetricUnit.Count, outcome.rejected);
  metrics.addMetric(METRIC_NAMES.recordsRedelivered, MetricUnit.Count, outcome.redeliveryRequested);
  metrics.addMetric(METRIC_NAMES.windowsWritten, MetricUnit.Count, closed?.windowsWritten ?? 0);
  metrics.addMetric(METRIC_NAMES.alertsRaised, MetricUnit.Count, closed?.alertsRaised ?? 0);
  metrics.publishStoredMetrics();
}
