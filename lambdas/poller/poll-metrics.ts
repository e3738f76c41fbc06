import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { RejectionReason } from '../domain/rejection.js';
import type { PollSummary } from './poll-once.js';

export const POLLER_METRICS = {
  readingsPolled: 'ReadingsPolled',
  readingsAccepted: 'ReadingsAccepted',
  readingsRejected: 'ReadingsRejected',
  recordsPut: 'RecordsPut',
  endpointFailures: 'EndpointFailures',
  quarantineFailures: 'QuarantineFailures',
} as const;

/** Dimension of the per-reason `ReadingsRejected` counts. */
export const REASON_DIMENSION = 'reason';

export interface MetricValue {
  readonly name: string;
  readonly value: number;
  /** Dimensions beyond the service's defaults; absent for the plain counts. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** The counts a poll publishes: the totals, then `ReadingsRejected` once per reason seen. */
export function pollMetricValues(summary: PollSummary): MetricValue[] {
  const totals: MetricValue[] = [
    { name: POLLER_METRICS.readingsPolled, value: summary.readingsPolled },
    { name: POLLER_METRICS.readingsAccepted, value: summary.readingsAccepted },
    { name: POLLER_METRICS.readingsRejected, value: summary.readingsRejected },
    { name: POLLER_METRICS.recordsPut, value: summary.recordsPut },
    { name: POLLER_METRICS.endpointFailures, value: summary.endpointFailures },
  ];
  if (summary.quarantineFailures > 0) totals.push({ name: POLLER_METRICS.quarantineFailures, value: summary.quarantineFailures });
  const byReason = (Object.entries(summary.rejectedByReason) as [RejectionReason, number][])
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => ({ name: POLLER_METRICS.readingsRejected, value: count, dimensions: { [REASON_DIMENSION]: reason } }));
  return [...totals, ...byReason];
}

/** Publishes a poll's counts now, as Embedded Metric Format: the totals together, each reason on its own. */
export function publishPollMetrics(metrics: Metrics, summary: PollSummary): void {
  for (const metric of pollMetricValues(summary)) {
    if (metric.dimensions) {
      const single = metrics.singleMetric();
      single.addDimensions({ ...metric.dimensions });
      single.addMetric(metric.name, MetricUnit.Count, metric.value);
    } else {
      metrics.addMetric(metric.name, MetricUnit.Count, metric.value);
    }
  }
  metrics.publishStoredMetrics();
}
