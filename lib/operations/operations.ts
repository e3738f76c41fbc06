import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
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
} as const;

/** A function to watch, with the Powertools service name its metrics carry. */
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
  /** On-failure destination of the stream consumers. */
  readonly failureQueue: EncryptedQueue;
  readonly quarantine: EncryptedQueue;
  readonly domain: opensearch.IDomain;
  /** Tumbling window of the processors; the iterator age threshold allows a few of them. */
  readonly window: Duration;
  /** EBS volume per OpenSearch data node, GiB, for the free storage alarm. */
  readonly openSearchVolumeSizeGiB: number;
}

/**
 * The operator's view: a CloudWatch dashboard of the pipeline's flow (readings polled,
 * accepted and rejected by reason, records put and processed, windows written, alerts,
 * iterator age, errors, duration, queue depths) and alarms that notify the ops topic when
 * records back up, functions fail or are throttled, batches land in the on-failure queue,
 * readings stop arriving, rejections cannot be recorded, or the search domain is unhealthy.
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
    const functions = [props.poller, ...props.processors, ...(recorder ? [recorder] : [])];
    const consumers = props.processors.filter((processor) => processor.consumesStream);
    const fiveMinutes = Duration.minutes(5);

    const alarm = (alarmId: string, description: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${props.namePrefix}-${alarmId.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
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
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: this.alarms })],
      ],
    });
  }

  private custom(metricName: string, service: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period, label });
  }
}

function compact(label: string): string {
  return label.replace(/(^|\s)(\w)/g, (_, __, letter: string) => letter.toUpperCase()).replace(/\s+/g, '');
}
