/**
 * The names every function's logs and metrics carry, in one place for the handlers and for
 * the CDK's dashboard and alarms (`lib/operations/`), so a graph can never watch a metric
 * that no handler publishes.
 */

/** The CloudWatch namespace of the custom metrics, unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const METRICS_NAMESPACE = 'GeotechMonitoring';

/** The Powertools service name of each function: the `service` dimension of its metrics. */
export const SERVICE_NAMES = {
  poller: 'poller',
  batchProcessor: 'batch-processor',
  realtimeProcessor: 'realtime-processor',
  quarantineRecorder: 'quarantine-recorder',
  schemaMigrations: 'schema-migrations',
  openSearchSetup: 'opensearch-setup',
  escalation: 'escalation',
  alarmApi: 'alarm-api',
  topicResource: 'readings-topic',
} as const;

export type ServiceName = (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES];

/** Custom metrics, all counts. */
export const METRIC_NAMES = {
  /** Poller: readings seen in the source's answers. */
  readingsPolled: 'ReadingsPolled',
  /** Poller: readings that passed validation. */
  readingsAccepted: 'ReadingsAccepted',
  /** Poller: readings rejected (also once per `reason`); processors: poison records and discarded states. */
  readingsRejected: 'ReadingsRejected',
  /** Poller: records the stream acknowledged. */
  recordsPut: 'RecordsPut',
  /** Poller: source endpoints that failed after retries. */
  endpointFailures: 'EndpointFailures',
  /** Poller: rejections the quarantine could not take. */
  quarantineFailures: 'QuarantineFailures',
  /** Processors: stream records handled. */
  recordsProcessed: 'RecordsProcessed',
  /** Processors: window aggregates written at the close of a Lambda window. */
  windowsWritten: 'WindowsWritten',
  /** Batch processor: alarm steps applied (opened, escalated, de-escalated, cleared, withdrawn); real-time processor: status documents written. */
  alertsRaised: 'AlertsRaised',
  /** Real-time processor: records handed back to Lambda for redelivery. */
  recordsRedelivered: 'RecordsRedelivered',
  /** Escalation function: notifications accepted by their channel. */
  notificationsSent: 'NotificationsSent',
  /** Escalation function: failed attempts to send a notification (each is retried on the next run while attempts remain). */
  notificationsFailed: 'NotificationsFailed',
  /** Escalation function: notifications given up after their last attempt. */
  notificationsAbandoned: 'NotificationsAbandoned',
} as const;

/** Dimension of the per-reason `ReadingsRejected` counts. */
export const REASON_DIMENSION = 'reason';
