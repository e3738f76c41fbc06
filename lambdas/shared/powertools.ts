import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Environment } from './environment.js';
import { METRICS_NAMESPACE, type ServiceName } from './telemetry.js';

/**
 * A structured JSON logger for one function. The service name is POWERTOOLS_SERVICE_NAME
 * when set (the stack sets it on every function), else the function's own name; the level
 * comes from POWERTOOLS_LOG_LEVEL (or the Lambda's log level).
 */
export function createLogger(service: ServiceName, env: Environment = process.env): Logger {
  return new Logger({ serviceName: nonEmpty(env.POWERTOOLS_SERVICE_NAME) ?? service });
}

/**
 * An Embedded Metric Format publisher for one function, in POWERTOOLS_METRICS_NAMESPACE or
 * {@link METRICS_NAMESPACE}, with the same service name as {@link createLogger}.
 * POWERTOOLS_METRICS_DISABLED=true turns publishing off (the local runtime does).
 */
export function createMetrics(service: ServiceName, env: Environment = process.env): Metrics {
  return new Metrics({
    namespace: nonEmpty(env.POWERTOOLS_METRICS_NAMESPACE) ?? METRICS_NAMESPACE,
    serviceName: nonEmpty(env.POWERTOOLS_SERVICE_NAME) ?? service,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
