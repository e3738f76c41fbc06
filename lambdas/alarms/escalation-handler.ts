import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsPublisher } from '../shared/invocation-metrics.js';
import { METRIC_NAMES } from '../shared/telemetry.js';
import { runEscalation, type EscalationOutcome, type EscalationRun } from './escalation.js';

export interface EscalationHandlerDeps extends EscalationRun {
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly metrics: MetricsPublisher;
}

/** The escalation function's handler (the schedule's event carries nothing it needs). */
export type EscalationHandler = (event?: unknown) => Promise<EscalationOutcome>;

/**
 * The escalation function's Lambda handler, with its dependencies given (the deployed
 * entry, the local runtime, tests): one run per invocation, its counts published as
 * `NotificationsSent`, `NotificationsFailed` and `NotificationsAbandoned`. A store failure
 * throws, so the schedule's retry policy runs it again (claims keep that from sending twice).
 */
export function createEscalationHandler(deps: EscalationHandlerDeps): EscalationHandler {
  return async () => {
    const outcome = await runEscalation(deps);
    deps.metrics.addMetric(METRIC_NAMES.notificationsSent, MetricUnit.Count, outcome.sent);
    deps.metrics.addMetric(METRIC_NAMES.notificationsFailed, MetricUnit.Count, outcome.failed);
    deps.metrics.addMetric(METRIC_NAMES.notificationsAbandoned, MetricUnit.Count, outcome.abandoned);
    deps.metrics.publishStoredMetrics();
    if (outcome.failed > 0) deps.logger.warn('notifications failed', { ...outcome });
    else deps.logger.info('escalation run', { ...outcome });
    return outcome;
  };
}
