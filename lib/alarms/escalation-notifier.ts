import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../lambdas/shared/telemetry.js';
import type { BatchStore } from '../batch-store/batch-store.js';
import { type EscalationContact, MAX_ESCALATION_TIERS } from '../config/values.js';
import { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { EncryptedTopic } from '../constructs/encrypted-topic.js';
import { ServiceFunction, type ServiceFunctionOptions } from '../constructs/pipeline-function.js';
import { acknowledge, wildcardResource } from '../nag.js';

/**
 * The SNS message attribute every alarm notification carries with the alarm's level
 * (`alert`, `alarm` or `action`); contacts' subscription filter policies match on it.
 */
export const LEVEL_ATTRIBUTE = 'level';

export interface EscalationNotifierProps extends ServiceFunctionOptions {
  /** Tier 1, which hears of every change of every alarm: the stage's alert topic. */
  readonly firstTier: EncryptedTopic;
  /** Tiers in all, 1 to MAX_ESCALATION_TIERS (5); tiers 2 to `tiers` get a topic each (ESCALATION_TIERS). */
  readonly tiers: number;
  /** Names the topics of tiers 2 and up, `<topicNamePrefix>-tier-<k>`, e.g. `geotech-dev-alerts`. */
  readonly topicNamePrefix: string;
  /** Ends the display names of those topics, e.g. `dev`. */
  readonly stageLabel: string;
  /** Encrypts the topics of tiers 2 and up and the schedule's dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** Subscribed to their tier's topic, filtered to their levels. @default [] */
  readonly contacts?: readonly EscalationContact[];
  /** The batch store, whose alarms the function reads and whose notification records it writes. */
  readonly store: BatchStore;
  /** Minutes between reminders of an unacknowledged alarm, 0 for none (REMINDER_INTERVAL_MINUTES). */
  readonly reminderIntervalMinutes: number;
  /** IANA time zone the notifications give times in (SITE_TIME_ZONE). */
  readonly siteTimeZone: string;
  /** Base URL of the alarm API, without a trailing slash; notifications link `<url>/alarms/<id>` (ACKNOWLEDGE_URL). */
  readonly acknowledgeUrl: string;
  /** Powertools service name: the `service` dimension of its metrics. @default 'escalation' */
  readonly serviceName?: string;
  /** Shorter than the schedule's minute, so runs seldom overlap (overlapping runs are safe). @default Duration.seconds(50) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Of the schedule's dead-letter queue. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one sender of alarm notifications: the escalation function, started every minute by
 * EventBridge Scheduler, finds the notifications due (first notices, escalations to the next
 * tier once a level's time limit passes unacknowledged, reminders), claims each in the batch
 * store and publishes it to its tier's SNS topic with the `level` message attribute. Each
 * tier has a topic (tier 1 is the alert topic); each contact is subscribed to its tier's
 * topic with a filter policy on `level`. Starts the schedule could not deliver go to a
 * dead-letter queue; the function may publish to the tier topics and use the Data API,
 * nothing else.
 */
export class EscalationNotifier extends ServiceFunction {
  /** The tier topics, tier 1 first. */
  readonly topics: readonly EncryptedTopic[];
  readonly schedule: scheduler.Schedule;
  /** Where the schedule puts the starts it could not deliver after its retries. */
  readonly scheduleFailures: EncryptedQueue;
  readonly scheduleRole: iam.Role;

  constructor(scope: Construct, id: string, props: EscalationNotifierProps) {
    if (!Number.isInteger(props.tiers) || props.tiers < 1 || props.tiers > MAX_ESCALATION_TIERS) {
      throw new Error(`escalation tiers must be a whole number from 1 to ${MAX_ESCALATION_TIERS} (got ${props.tiers})`);
    }
    const misplaced = (props.contacts ?? []).find((contact) => contact.tier > props.tiers);
    if (misplaced) throw new Error(`the contact ${misplaced.endpoint} names tier ${misplaced.tier}, but there are ${props.tiers} tiers`);
    super(scope, id, {
      entry: 'lambdas/alarms/handler.ts',
      functionName: props.functionName,
      description: 'Sends the alarm notifications due (first notices, escalations, reminders) to the tier topics',
      serviceName: props.serviceName ?? SERVICE_NAMES.escalation,
      metricsNamespace: props.metricsNamespace,
      timeout: props.timeout ?? Duration.seconds(50),
      memorySize: props.memorySize ?? 256,
      logRetention: props.logRetention,
      environment: props.store.dataApiEnvironment,
    });

    const tierTopics = [props.firstTier];
    for (let tier = 2; tier <= props.tiers; tier++) {
      tierTopics.push(
        new EncryptedTopic(this, `Tier${tier}`, {
          topicName: `${props.topicNamePrefix}-tier-${tier}`,
          displayName: `Geotechnical alarms, tier ${tier} (${props.stageLabel})`,
          encryptionKey: props.encryptionKey,
        }),
      );
    }
    this.topics = tierTopics;
    for (const contact of props.contacts ?? []) {
      const filtered: subscriptions.EmailSubscriptionProps = {
        filterPolicy: { [LEVEL_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({ allowlist: [...contact.levels] }) },
      };
      tierTopics[contact.tier - 1]!.topic.addSubscription(
        contact.protocol === 'email'
          ? new subscriptions.EmailSubscription(contact.endpoint, filtered)
          : new subscriptions.SmsSubscription(contact.endpoint, filtered),
      );
    }

    this.lambdaFunction.addEnvironment('ESCALATION_TOPIC_ARNS', tierTopics.map((topic) => topic.topicArn).join(','));
    this.lambdaFunction.addEnvironment('ESCALATION_TIERS', String(props.tiers));
    this.lambdaFunction.addEnvironment('REMINDER_INTERVAL_MINUTES', String(props.reminderIntervalMinutes));
    this.lambdaFunction.addEnvironment('SITE_TIME_ZONE', props.siteTimeZone);
    this.lambdaFunction.addEnvironment('ACKNOWLEDGE_URL', props.acknowledgeUrl);
    for (const topic of tierTopics) topic.grantPublish(this.lambdaFunction);
    props.store.grantDataApiAccess(this.lambdaFunction);

    // A failed run is not retried by Lambda: the next start, a minute later, finds the same notifications due.
    this.lambdaFunction.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    this.scheduleFailures = new EncryptedQueue(this, 'ScheduleFailures', {
      queueName: `${props.functionName}-schedule-failures`,
      encryptionKey: props.encryptionKey,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.scheduleFailures.queue,
      'SQS3',
      'This queue is itself the dead-letter queue of the escalation schedule: it keeps the starts EventBridge Scheduler could not deliver to the function, for inspection (its depth is alarmed); nothing consumes it, so it needs no dead-letter queue of its own.',
    );
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: `Lets EventBridge Scheduler start ${props.functionName} and keep the starts it could not deliver`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    // The target grants sqs:SendMessage on the dead-letter queue; the queue's key is needed as well.
    this.scheduleFailures.grantSend(this.scheduleRole);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.functionName,
      description: 'Sends the alarm notifications due every minute',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new targets.LambdaInvoke(this.lambdaFunction.function, {
        role: this.scheduleRole,
        // A start older than two minutes is superseded by the later ones; only delivery failures are retried.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(2),
        deadLetterQueue: this.scheduleFailures.queue,
      }),
    });
    acknowledge(
      this.scheduleRole,
      wildcardResource(this, `${this.lambdaFunction.functionArn}:*`),
      'The LambdaInvoke target grants lambda:InvokeFunction on the escalation function and its versions (ARN:*); the role can invoke nothing else.',
    );
  }
}
