import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The CloudWatch namespace every handler publishes to unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const DEFAULT_METRICS_NAMESPACE = 'GeotechMonitoring';

export interface PowertoolsOptions {
  /** Service name on every log line and metric. Default: POWERTOOLS_SERVICE_NAME, else the Powertools default. */
  readonly serviceName?: string;
  /** Metrics namespace. Default: POWERTOOLS_METRICS_NAMESPACE, else {@link DEFAULT_METRICS_NAMESPACE}. */
  readonly namespace?: string;
  /** Environment to read the defaults from. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A structured JSON logger; the level comes from POWERTOOLS_LOG_LEVEL (or the Lambda's log level). */
export function createLogger(options: PowertoolsOptions = {}): Logger {
  const serviceName = options.serviceName ?? nonEmpty((options.env ?? process.env).POWERTOOLS_SERVICE_NAME);
  return new Logger(serviceName ? { serviceName } : {});
}

/** An Embedded Metric Format publisher in the project's namespace. */
export function createMetrics(options: PowertoolsOptions = {}): Metrics {
  const env = options.env ?? process.env;
  const serviceName = options.serviceName ?? nonEmpty(env.POWERTOOLS_SERVICE_NAME);
  return new Metrics({
    namespace: options.namespace ?? nonEmpty(env.POWERTOOLS_METRICS_NAMESPACE) ?? DEFAULT_METRICS_NAMESPACE,
    ...(serviceName ? { serviceName } : {}),
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
