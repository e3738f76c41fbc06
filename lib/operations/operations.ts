import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import type { EncryptedTopic } from '../constructs/encrypted-topic.js';
import type { PipelineFunction } from '../constructs/pipeline-function.js';

/** Custom metric names the handlers publish with Powertools Metrics (EMF). */
export const PIPELINE_METRICS = {
  readingsPolled: 'ReadingsPolled',
  readingsAccepted: 'ReadingsAccepted',
  readingsRejected: 'ReadingsRejected',
  recordsPut: 'RecordsPut',
  recordsProcessed: 'RecordsProcessed',
  windowsWritten: 'WindowsWritten',
  alertsRaised: 'AlertsRaised',
  /** Published by the quarantine recorder (`RECORDER_METRICS` in lambdas/batch/quarantine-recorder.ts). */
  rejectionsRecorded: 'RejectionsRecorded',
  rejectionsNotRecorded: 'RejectionsNotRecorded',
  /** Published by the escalation function: alarm notifications published to a tier topic, and those that failed. */
  notificationsSent: 'NotificationsSent',
  notificationsFailed: 'NotificationsFailed',
} as const;

/** The alarm notifications: who sends them, where to, and where the sender's failed starts go. */
export interface WatchedNotifications {
  /** The escalation function; its errors and throttles are alarmed like the others'. */
  readonly sender: WatchedFunction;
  /** The tier topics, tier 1 first: failed deliveries (email, SMS) of each are alarmed. */
  readonly tierTopics: readonly EncryptedTopic[];
  /** The dead-letter queue of the sender's schedule. */
  readonly scheduleFailures: EncryptedQueue;
}

/** A function to watch, with the Powertools service name its metrics carry. */
/** A consumer group on an MSK Serverless topic. */
export interface KafkaConsumer {
  readonly label: string;
  readonly clusterName: string;
  readonly topic: string;
  readonly consumerGroup: string;
}

export interface WatchedFunction {
  /** Label on the dashboard and in alarm names, e.g. `Batch processor`. */
  readonly label: string;
  readonly lambdaFunction: PipelineFunction;
  readonly serviceName: string;
  /** Whether it consumes the stream (its iterator age is watched). */
  readonly consumesStream: boolean;
}

export interface OperationsProps {
  /** Names the dashboard and prefixes the alarms, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** Namespace of the custom metrics. @default 'GeotechMonitoring' */
  readonly metricsNamespace?: string;
  /** Where alarms notify (and recoveries). */
  readonly opsTopic: EncryptedTopic;
  readonly poller: WatchedFunction;
  readonly processors: readonly WatchedFunction[];
  /**
   * The consumer of the quarantine queue: its errors and throttles are alarmed like the others',
   * and so are rejections it keeps failing to store. @default - none
   */
  readonly quarantineRecorder?: WatchedFunction;
  /**
   * The alarm notifications: notifications that could not be published, deliveries SNS could
   * not make, and schedule starts that never reached the sender are alarmed. @default - none
   */
  readonly notifications?: WatchedNotifications;
  /** Further functions whose errors and throttles are alarmed (the alarm API). @default - none */
  readonly services?: readonly WatchedFunction[];
  /** On-failure destination of the stream consumers. */
  readonly failureQueue: EncryptedQueue;
  /** Consumers of an MSK topic, alarmed on their lag (AWS/Kafka EstimatedMaxTimeLag and MaxOffsetLag per consumer group). @default - none */
  readonly kafkaConsumers?: readonly KafkaConsumer[];
  readonly quarantine: EncryptedQueue;
  readonly domain: opensearch.IDomain;
  /** Tumbling window of the processors; the iterator age threshold allows a few of them. */
  readonly window: Duration;
  /** EBS volume per OpenSearch data node, GiB, for the free storage alarm. */
  readonly openSearchVolumeSizeGiB: number;
  /** Whether the domain has dedicated master nodes, whose JVM pressure and CPU are alarmed too. @default false */
  readonly openSearchDedicatedMasters?: boolean;
  /** Topics whose failed deliveries (to email, SMS, …) are alarmed, by label. @default - none */
  readonly topics?: readonly { readonly label: string; readonly topic: sns.ITopic }[];
  /** The batch store cluster: its Serverless v2 capacity is alarmed near the maximum. @default - not watched */
  readonly databaseCluster?: rds.IDatabaseCluster;
  /**
   * How long a failed batch may wait in the on-failure queue before its records risk leaving the
   * stream: the oldest message's age is alarmed past it. @default - not alarmed
   */
  readonly failureRedriveDeadline?: Duration;
  /** Messages waiting in the quarantine queue that mean the recorder is not keeping up. @default 100 */
  readonly quarantineDepthThreshold?: number;
}

/**
 * The operator's view: a CloudWatch dashboard of the pipeline's flow (readings polled,
 * accepted and rejected by reason, records put and processed, windows written, alerts,
 * iterator age, errors, duration, queue depths, alarm notifications sent and delivered) and
 * alarms that notify the ops topic when records back up, functions fail or are throttled,
 * batches land in the on-failure queue (or cannot be sent there, or wait there too long),
 * readings stop arriving, rejections cannot be recorded or back up, alarm notifications
 * cannot be published or delivered, the escalation schedule cannot start its function, the
 * database nears its maximum capacity, or the search domain is unhealthy, under memory
 * pressure or busy.
 */
export class Operations extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.namespace = props.metricsNamespace ?? 'GeotechMonitoring';
    const notify = new actions.SnsAction(props.opsTopic.topic);
    const recorder = props.quarantineRecorder;
    const notifications = props.notifications;
    const functions = [
      props.poller,
      ...props.processors,
      ...(recorder ? [recorder] : []),
      ...(notifications ? [notifications.sender] : []),
      ...(props.services ?? []),
    ];
    const consumers = props.processors.filter((processor) => processor.consumesStream);
    const fiveMinutes = Duration.minutes(5);

    const alarm = (alarmId: string, description: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${props.namePrefix}-${kebab(alarmId)}`,
        alarmDescription: description,
        ...options,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
      return created;
    };

    for (const consumer of consumers) {
      const thresholdMs = Math.max(Duration.minutes(5).toMilliseconds(), 3 * props.window.toMilliseconds());
      alarm(`${compact(consumer.label)}IteratorAge`, `${consumer.label} is more than ${thresholdMs / 1000} s behind the stream`, {
        metric: consumer.lambdaFunction.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: thresholdMs,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const consumer of props.kafkaConsumers ?? []) {
      const thresholdSeconds = Math.max(Duration.minutes(5).toSeconds(), 3 * props.window.toSeconds());
      const dimensionsMap = { 'Cluster Name': consumer.clusterName, Topic: consumer.topic, 'Consumer Group': consumer.consumerGroup };
      alarm(`${compact(consumer.label)}TimeLag`, `${consumer.label} is more than ${thresholdSeconds} s behind the topic`, {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Kafka',
          metricName: 'EstimatedMaxTimeLag',
          dimensionsMap,
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: thresholdSeconds,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm(`${compact(consumer.label)}OffsetLag`, `${consumer.label} has records waiting in a partition and does not catch up`, {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Kafka',
          metricName: 'MaxOffsetLag',
          dimensionsMap,
          statistic: 'Minimum',
          period: Duration.minutes(5),
        }),
        // Above zero for 15 minutes running: the lag never drained between batches.
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const invocationProblems = [
      { name: 'Errors', says: 'failing', metric: (fn: lambda.IFunction) => fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }) },
      {
        name: 'Throttles',
        says: 'throttled',
        metric: (fn: lambda.IFunction) => fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      },
    ];
    for (const fn of functions) {
      for (const problem of invocationProblems) {
        alarm(`${compact(fn.label)}${problem.name}`, `${fn.label} invocations are ${problem.says}`, {
          metric: problem.metric(fn.lambdaFunction.function),
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
    }
    alarm('ProcessingFailuresDepth', 'Batches exhausted their retries and were sent to the on-failure queue; inspect and replay them', {
      metric: props.failureQueue.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (recorder) {
      // A failed message is delivered again after the queue's visibility timeout: failures in three
      // periods running mean the database keeps refusing it (a resuming cluster clears in one).
      alarm(
        'RejectionsNotRecorded',
        `${recorder.label} cannot store rejections in quarantined_readings; they wait in the quarantine queue until its retention period ends`,
        {
          metric: this.custom(PIPELINE_METRICS.rejectionsNotRecorded, recorder.serviceName, fiveMinutes),
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }
    if (notifications) {
      // A notification that could not be published is retried on the next run (up to five
      // attempts): any failure means someone may not have heard of an alarm yet.
      alarm(
        'NotificationsFailed',
        `${notifications.sender.label} could not publish alarm notifications; each is retried every minute up to five attempts, then abandoned`,
        {
          metric: this.custom(PIPELINE_METRICS.notificationsFailed, notifications.sender.serviceName, fiveMinutes),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      notifications.tierTopics.forEach((topic, index) => {
        alarm(
          `Tier${index + 1}DeliveriesFailed`,
          `SNS could not deliver alarm notifications of tier ${index + 1} to a subscriber (email or SMS)`,
          {
            metric: topic.topic.metricNumberOfNotificationsFailed({ period: fiveMinutes, statistic: 'Sum' }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        );
      });
      alarm(
        'EscalationScheduleFailuresDepth',
        `EventBridge Scheduler could not start ${notifications.sender.label.toLowerCase()}; the failed starts are in its dead-letter queue`,
        {
          metric: notifications.scheduleFailures.queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }
    alarm('NoReadingsAccepted', 'No reading has been accepted for 15 minutes: the source or the poller is down', {
      metric: this.custom(PIPELINE_METRICS.readingsAccepted, props.poller.serviceName, fiveMinutes),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    alarm('SearchClusterRed', 'The OpenSearch cluster status is red (a primary shard is unassigned)', {
      metric: props.domain.metricClusterStatusRed({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('SearchWritesBlocked', 'The OpenSearch cluster is blocking writes', {
      metric: props.domain.metricClusterIndexWritesBlocked({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const freeStorageThresholdMiB = Math.round(props.openSearchVolumeSizeGiB * 1024 * 0.25);
    alarm('SearchStorageLow', `An OpenSearch data node has less than ${freeStorageThresholdMiB} MiB (25 %) of storage free`, {
      metric: props.domain.metricFreeStorageSpace({ period: fiveMinutes, statistic: 'Minimum' }),
      threshold: freeStorageThresholdMiB,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.resilienceAlarms(props, consumers, alarm);

    const minute = Duration.minutes(1);
    const poller = props.poller.serviceName;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.namePrefix,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Readings ingested (per minute)',
            width: 12,
            left: [
              this.custom(PIPELINE_METRICS.readingsPolled, poller, minute, 'Polled'),
              this.custom(PIPELINE_METRICS.readingsAccepted, poller, minute, 'Accepted'),
              this.custom(PIPELINE_METRICS.readingsRejected, poller, minute, 'Rejected'),
              this.custom(PIPELINE_METRICS.recordsPut, poller, minute, 'Put on the stream'),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Rejected readings by reason (per minute)',
            width: 12,
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${this.namespace},reason,service} MetricName="${PIPELINE_METRICS.readingsRejected}"', 'Sum', 60)`,
                label: '',
                period: minute,
              }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Records processed and windows written (per minute)',
            width: 12,
            left: props.processors.flatMap((processor) => [
              this.custom(PIPELINE_METRICS.recordsProcessed, processor.serviceName, minute, `${processor.label}: records`),
              this.custom(PIPELINE_METRICS.windowsWritten, processor.serviceName, minute, `${processor.label}: windows`),
            ]),
          }),
          new cloudwatch.GraphWidget({
            title: 'Alerts raised (trigger-level changes)',
            width: 6,
            left: props.processors.map((processor) =>
              this.custom(PIPELINE_METRICS.alertsRaised, processor.serviceName, fiveMinutes, processor.label),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Iterator age (ms, max)',
            width: 6,
            left: consumers.map((consumer) =>
              consumer.lambdaFunction.function.metric('IteratorAge', { statistic: 'Maximum', period: minute, label: consumer.label }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors and throttles',
            width: 8,
            left: functions.flatMap((fn) => [
              fn.lambdaFunction.function.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: `${fn.label} errors` }),
              fn.lambdaFunction.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum', label: `${fn.label} throttles` }),
            ]),
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration (ms, p99)',
            width: 8,
            left: functions.map((fn) =>
              fn.lambdaFunction.function.metricDuration({ period: fiveMinutes, statistic: 'p99', label: fn.label }),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Queue depth (messages visible)',
            width: 8,
            left: [
              props.failureQueue.queue.metricApproximateNumberOfMessagesVisible({
                period: minute,
                statistic: 'Maximum',
                label: 'On-failure (DLQ)',
              }),
              props.quarantine.queue.metricApproximateNumberOfMessagesVisible({
                period: minute,
                statistic: 'Maximum',
                label: 'Quarantine',
              }),
              ...(notifications
                ? [
                    notifications.scheduleFailures.queue.metricApproximateNumberOfMessagesVisible({
                      period: minute,
                      statistic: 'Maximum',
                      label: 'Escalation schedule (DLQ)',
                    }),
                  ]
                : []),
            ],
          }),
        ],
        ...(recorder
          ? [
              [
                new cloudwatch.GraphWidget({
                  title: 'Rejections written to quarantined_readings (per 5 minutes)',
                  width: 12,
                  left: [
                    this.custom(PIPELINE_METRICS.rejectionsRecorded, recorder.serviceName, fiveMinutes, 'Recorded'),
                    this.custom(
                      PIPELINE_METRICS.rejectionsNotRecorded,
                      recorder.serviceName,
                      fiveMinutes,
                      'Not recorded (delivered again)',
                    ),
                  ],
                }),
              ],
            ]
          : []),
        ...(notifications
          ? [
              [
                new cloudwatch.GraphWidget({
                  title: 'Alarm notifications published (per 5 minutes)',
                  width: 12,
                  left: [
                    this.custom(PIPELINE_METRICS.notificationsSent, notifications.sender.serviceName, fiveMinutes, 'Sent'),
                    this.custom(PIPELINE_METRICS.notificationsFailed, notifications.sender.serviceName, fiveMinutes, 'Failed (retried)'),
                  ],
                }),
                new cloudwatch.GraphWidget({
                  title: 'Deliveries by SNS per tier (per 5 minutes)',
                  width: 12,
                  left: notifications.tierTopics.flatMap((topic, index) => [
                    topic.topic.metricNumberOfNotificationsDelivered({
                      period: fiveMinutes,
                      statistic: 'Sum',
                      label: `Tier ${index + 1} delivered`,
                    }),
                    topic.topic.metricNumberOfNotificationsFailed({
                      period: fiveMinutes,
                      statistic: 'Sum',
                      label: `Tier ${index + 1} failed`,
                    }),
                  ]),
                }),
              ],
            ]
          : []),
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: this.alarms })],
      ],
    });
  }

  /**
   * What the alarms above miss: notifications that never reach anyone, failed batches whose
   * metadata never reached the on-failure queue, failed batches left waiting there until their
   * records are about to leave the stream, a backed-up quarantine, and a database or search
   * domain running out of headroom.
   */
  private resilienceAlarms(
    props: OperationsProps,
    consumers: readonly WatchedFunction[],
    alarm: (
      alarmId: string,
      description: string,
      options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>,
    ) => cloudwatch.Alarm,
  ): void {
    const fiveMinutes = Duration.minutes(5);
    const sustained = { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
    const atOnce = { threshold: 1, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
    for (const { label, topic } of props.topics ?? []) {
      alarm(`${compact(label)}NotificationsFailed`, `${label}: SNS could not deliver notifications to subscribers`, {
        metric: topic.metricNumberOfNotificationsFailed({ period: fiveMinutes, statistic: 'Sum' }),
        ...atOnce,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    for (const consumer of consumers) {
      alarm(
        `${compact(consumer.label)}DestinationDeliveryFailures`,
        `${consumer.label}: the event source mapping could not send a failed batch's metadata to the on-failure queue; those records are skipped unrecorded`,
        {
          metric: consumer.lambdaFunction.function.metric('DestinationDeliveryFailures', { period: fiveMinutes, statistic: 'Sum' }),
          ...atOnce,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        },
      );
    }
    if (props.failureRedriveDeadline) {
      const seconds = props.failureRedriveDeadline.toSeconds();
      alarm(
        'ProcessingFailuresAge',
        `A failed batch has waited ${seconds} s in the on-failure queue: redrive it before its records leave the stream`,
        {
          metric: props.failureQueue.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
          threshold: seconds,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }
    const quarantineDepth = props.quarantineDepthThreshold ?? 100;
    alarm('QuarantineDepth', `More than ${quarantineDepth} rejections have waited in the quarantine queue for 15 minutes`, {
      metric: props.quarantine.queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Minimum' }),
      threshold: quarantineDepth,
      ...sustained,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    if (props.databaseCluster) {
      alarm('DatabaseCapacityNearMax', 'The batch store has run at more than 90 % of its maximum capacity (ACU) for 15 minutes', {
        metric: props.databaseCluster.metric('ACUUtilization', { period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 90,
        ...sustained,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    const domain = props.domain;
    const searchNodes = [
      { id: 'Search', nodes: 'data nodes', jvm: domain.metricJVMMemoryPressure, cpu: domain.metricCPUUtilization },
      ...(props.openSearchDedicatedMasters
        ? [{ id: 'SearchMaster', nodes: 'master nodes', jvm: domain.metricMasterJVMMemoryPressure, cpu: domain.metricMasterCPUUtilization }]
        : []),
    ];
    for (const node of searchNodes) {
      alarm(`${node.id}JvmPressure`, `OpenSearch ${node.nodes}: JVM memory pressure above 80 % for 15 minutes`, {
        metric: node.jvm.call(domain, { period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 80,
        ...sustained,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
      alarm(`${node.id}CpuHigh`, `OpenSearch ${node.nodes}: CPU above 80 % for 15 minutes`, {
        metric: node.cpu.call(domain, { period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 80,
        ...sustained,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
  }

  private custom(metricName: string, service: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period, label });
  }
}

/** `AlarmAPIErrors` -> `alarm-api-errors`, `Tier2DeliveriesFailed` -> `tier2-deliveries-failed`. */
function kebab(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function compact(label: string): string {
  return label.replace(/(^|\s)(\w)/g, (_, __, letter: string) => letter.toUpperCase()).replace(/\s+/g, '');
}
