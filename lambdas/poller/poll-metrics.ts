import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { RejectionReason } from '../domain/rejection.js';
import { METRIC_NAMES, REASON_DIMENSION } from '../shared/telemetry.js';
import type { PollSummary } from './poll-once.js';

export interface MetricValue {
  readonly name: string;
  readonly value: number;
  /** Dimensions beyond the service's defaults; absent for the plain counts. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** The counts a poll publishes: the totals, then `ReadingsRejected` once per reason seen. */
export function pollMetricValues(summary: PollSummary): MetricValue[] {
  const totals: MetricValue[] = [
    { name: METRIC_NAMES.readingsPolled, value: summary.readingsPolled },
    { name: METRIC_NAMES.readingsAccepted, value: summary.readingsAccepted },
    { name: METRIC_NAMES.readingsRejected, value: summary.readingsRejected },
    { name: METRIC_NAMES.recordsPut, value: summary.recordsPut },
    { name: METRIC_NAMES.endpointFailures, value: summary.endpointFailures },
  ];
  if (summary.quarantineFailures > 0) totals.push({ name: METRIC_NAMES.quarantineFailures, value: summary.quarantineFailures });
  const byReason = (Object.entries(summary.rejectedByReason) as [RejectionReason, number][])
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => ({ name: METRIC_NAMES.readingsRejected, value: count, dimensions: { [REASON_DIMENSION]: reason } }));
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
