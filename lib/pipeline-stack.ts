import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AlarmApi } from './alarms/alarm-api.js';
import { ConsoleSite } from './console/console-site.js';
import { EscalationNotifier } from './alarms/escalation-notifier.js';
import { BatchStore } from './batch-store/batch-store.js';
import { SchemaMigrations } from './batch-store/schema-migrations.js';
import { type PipelineConfig, resourcePrefix } from './config.js';
import { EncryptedQueue } from './constructs/encrypted-queue.js';
import { EncryptedTopic } from './constructs/encrypted-topic.js';
import { encryptLogGroups } from './constructs/log-encryption.js';
import type { FunctionNetwork } from './constructs/pipeline-function.js';
import { rotatingKey } from './constructs/rotating-key.js';
import { Poller } from './ingestion/poller.js';
import { PollSource } from './ingestion/poll-source.js';
import { MskReadingStream } from './ingestion/msk-reading-stream.js';
import { ReadingStream } from './ingestion/reading-stream.js';
import { acknowledge } from './nag.js';
import { type KafkaConsumer, Operations } from './operations/operations.js';
import { RotationFailures } from './operations/rotation-failures.js';
import { QuarantineRecorder } from './processing/quarantine-recorder.js';
import { StreamProcessor, type StreamProcessorProps } from './processing/stream-processor.js';
import { RealtimeStore } from './realtime-store/realtime-store.js';
import { openSearchLayout } from './realtime-store/search-profiles.js';
import { QuickSightReporting } from './reporting/quicksight-reporting.js';
import { SourceSimulator } from './simulator/source-simulator.js';
import { SERVICE_NAMES } from '../lambdas/shared/telemetry.js';

export interface PipelineStackProps extends StackProps {
  /** The configuration as loadConfig returns it: every key and every rule between keys already checked. */
  readonly config: PipelineConfig;
}

/**
 * One stage of the geotechnical monitoring pipeline: poller -> Kinesis -> two tumbling-window
 * processors -> Aurora PostgreSQL (Data API) and OpenSearch, with the alarm lifecycle (escalating
 * notifications per tier, an HTTP API to acknowledge), a simulated source, and the operator's
 * dashboard and alarms. Every named resource starts with `geotech-<env>`.
 */
export class PipelineStack extends Stack {
  /** The Kinesis stream with `stream=kinesis`. */
  readonly stream: ReadingStream | undefined;
  /** The MSK Serverless cluster and readings topic with `stream=msk`. */
  readonly mskStream: MskReadingStream | undefined;
  readonly quarantine: EncryptedQueue;
  readonly processingFailures: EncryptedQueue;
  readonly alerts: EncryptedTopic;
  readonly opsNotifications: EncryptedTopic;
  readonly simulator: SourceSimulator | undefined;
  readonly poller: Poller;
  readonly batchStore: BatchStore;
  readonly migrations: SchemaMigrations;
  readonly realtimeStore: RealtimeStore;
  readonly batchProcessor: StreamProcessor;
  readonly realtimeProcessor: StreamProcessor;
  readonly quarantineRecorder: QuarantineRecorder;
  /** The alarm API: alarms, acknowledgements and response plans over HTTP, signed in through Cognito. */
  readonly alarmApi: AlarmApi;
  /** The site console: static site on CloudFront, signing in through the user pool, calling the alarm API. */
  readonly console: ConsoleSite;
  /** The escalation function, its schedule and the tier topics (tier 1 is {@link alerts}). */
  readonly escalation: EscalationNotifier;
  readonly operations: Operations;
  /** QuickSight over the batch store's report views; only when `quicksightPrincipals` names someone. */
  readonly reporting: QuickSightReporting | undefined;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, {
      description: `Geotechnical monitoring pipeline (${props.config.env})`,
      terminationProtection: props.config.deletionProtection,
      ...props,
    });
    const config = props.config;
    const prefix = resourcePrefix(config);
    const stateful = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const namespace = config.metricsNamespace;

    const messagingKey = rotatingKey(this, 'MessagingKey', {
      alias: `${prefix}/messaging`,
      description: `Encrypts the ${prefix} queues and topics`,
      removalPolicy: stateful,
    });
    messagingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    messagingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeRulesPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // Every log group of the stage, including those constructs add later, is encrypted with this key.
    encryptLogGroups(this, 'LogsKey', { alias: `${prefix}/logs`, removalPolicy: stateful });

    this.quarantine = new EncryptedQueue(this, 'Quarantine', {
      queueName: `${prefix}-quarantine`,
      encryptionKey: messagingKey,
      retentionPeriod: Duration.days(14),
      // Six times the recorder's 30 s timeout, as AWS advises for a queue a function consumes.
      visibilityTimeout: Duration.minutes(3),
      removalPolicy: stateful,
    });
    this.processingFailures = new EncryptedQueue(this, 'ProcessingFailures', {
      queueName: `${prefix}-processing-failures`,
      encryptionKey: messagingKey,
      retentionPeriod: Duration.days(14),
      removalPolicy: stateful,
    });
    acknowledge(
      this.quarantine.queue,
      'SQS3',
      'The quarantine only buffers rejections for the quarantine recorder, which deletes a message once its row is in quarantined_readings; a message it cannot store is delivered again until stored (failures are alarmed), where a dead-letter queue would take it out of that retry and need a manual redrive.',
    );
    acknowledge(
      this.processingFailures.queue,
      'SQS3',
      'This queue is itself the dead-letter (on-failure) destination of the stream event source mappings.',
    );
    // Tier 1 of the alarm notifications; its construct ID (and so its logical ID) predates the tiers.
    this.alerts = new EncryptedTopic(this, 'Alerts', {
      topicName: `${prefix}-alerts`,
      displayName: `Geotechnical trigger alerts (${config.env})`,
      encryptionKey: messagingKey,
      emails: config.alertEmails,
      smsNumbers: config.alertSms,
    });
    this.opsNotifications = new EncryptedTopic(this, 'OpsNotifications', {
      topicName: `${prefix}-ops`,
      displayName: `Geotechnical pipeline operations (${config.env})`,
      encryptionKey: messagingKey,
      emails: config.opsEmails,
    });
    this.warnOfUnsubscribedTopics(config);

    this.batchStore = new BatchStore(this, 'BatchStore', {
      clusterIdentifier: `${prefix}-batch`,
      engineVersion: auroraVersion(config.auroraEngineVersion),
      minCapacity: config.auroraMinCapacity,
      maxCapacity: config.auroraMaxCapacity,
      readers: config.auroraReaders,
      backupRetention: Duration.days(config.backupRetentionDays),
      deletionProtection: config.deletionProtection,
      internetEgress: config.stream === 'msk',
      logRetention,
    });
    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      store: this.batchStore,
      functionName: `${prefix}-migrate`,
      siteTimeZone: config.siteTimeZone,
      logRetention,
    });

    this.reporting =
      config.quicksightPrincipals.length > 0
        ? new QuickSightReporting(this, 'Reporting', {
            store: this.batchStore,
            principals: config.quicksightPrincipals,
            namePrefix: prefix,
            siteTimeZone: config.siteTimeZone,
            dependsOn: [this.migrations.customResource.resource],
          })
        : undefined;

    const search = openSearchLayout(config);
    this.realtimeStore = new RealtimeStore(this, 'RealtimeStore', {
      domainName: prefix,
      engineVersion: opensearch.EngineVersion.openSearch(config.openSearchEngineVersion),
      instanceType: search.dataInstanceType,
      instanceCount: search.dataNodes,
      masterNodes: search.masterNodes,
      masterInstanceType: search.masterInstanceType,
      dashboardsAllowedCidrs: config.dashboardsAllowedCidrs,
      volumeSizeGiB: config.openSearchVolumeSizeGiB,
      indexPrefix: config.openSearchIndexPrefix,
      retentionDays: config.openSearchRetentionDays,
      dashboardsDomainPrefix: config.dashboardsDomainPrefix ?? `${prefix}-${this.account}`,
      removalPolicy: stateful,
      logRetention,
    });

    this.stream =
      config.stream === 'kinesis'
        ? new ReadingStream(this, 'Readings', {
            streamName: `${prefix}-readings`,
            streamMode: config.streamMode === 'provisioned' ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
            shardCount: config.shardCount,
            retentionPeriod: Duration.hours(config.streamRetentionHours),
            removalPolicy: stateful,
          })
        : undefined;
    this.mskStream =
      config.stream === 'msk'
        ? new MskReadingStream(this, 'KafkaReadings', {
            clusterName: `${prefix}-readings`,
            topicName: `${prefix}-readings`,
            vpc: this.batchStore.vpc,
            subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
            partitions: config.mskPartitions,
            retention: Duration.hours(config.mskRetentionHours),
            logRetention,
          })
        : undefined;
    const readings = (this.stream ?? this.mskStream)!;
    // Created after the realtime store on purpose: the bootstrap-broker lookup shares the stack's one
    // AwsCustomResource function with the Dashboards client lookup, whose role (made there) it adds its statement to.

    this.simulator = config.simulator
      ? new SourceSimulator(this, 'Simulator', { functionName: `${prefix}-simulator`, seed: config.simulatorSeed, logRetention })
      : undefined;
    this.poller = new Poller(this, 'Poller', {
      functionName: `${prefix}-poller`,
      source: this.simulator ? this.simulator.asPollSource() : this.externalSource(config),
      stream: readings,
      network: this.mskStream ? this.pollerNetwork(this.mskStream) : undefined,
      quarantine: this.quarantine,
      pollInterval: Duration.seconds(config.pollIntervalSeconds),
      historyMode: config.sourceHistoryMode,
      ...(config.sourceInitialLookback === undefined ? {} : { initialLookback: config.sourceInitialLookback }),
      removalPolicy: stateful,
      metricsNamespace: namespace,
      logRetention,
    });

    // What the two stream processors share; each states its entry, its store and its service.
    const consumption: Omit<StreamProcessorProps, 'entry' | 'functionName' | 'description' | 'serviceName'> = {
      stream: readings,
      partitions: config.mskPartitions,
      onFailure: this.processingFailures,
      metricsNamespace: namespace,
      logRetention,
      window: Duration.seconds(config.tumblingWindowSeconds),
      averagingWindow: Duration.seconds(config.windowSeconds),
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
      retryAttempts: config.retryAttempts,
      maxRecordAge: Duration.seconds(config.maxRecordAgeSeconds),
    };
    this.batchProcessor = new StreamProcessor(this, 'BatchProcessor', {
      ...consumption,
      entry: this.mskStream ? 'lambdas/batch/msk-handler.ts' : 'lambdas/batch/handler.ts',
      functionName: `${prefix}-batch-processor`,
      description: 'Folds readings into tumbling windows and writes readings, windows and trigger status to Aurora',
      serviceName: SERVICE_NAMES.batchProcessor,
      environment: {
        ...this.batchStore.dataApiEnvironment,
        ALLOWED_LATENESS_SECONDS: String(config.allowedLatenessSeconds),
        LATE_HORIZON_SECONDS: String(config.lateHorizonHours * 3600),
      },
    });
    // It opens and updates alarms in the batch store; the escalation function alone notifies.
    this.batchStore.grantDataApiAccess(this.batchProcessor);

    // Alike the batch processor above on purpose: each states only its entry, names, service and store variables.
    this.realtimeProcessor = new StreamProcessor(this, 'RealtimeProcessor', {
      ...consumption,
      entry: this.mskStream ? 'lambdas/realtime/msk-handler.ts' : 'lambdas/realtime/handler.ts',
      functionName: `${prefix}-realtime-processor`,
      description: 'Folds readings into tumbling windows and indexes readings, windows and status in OpenSearch',
      serviceName: SERVICE_NAMES.realtimeProcessor,
      environment: {
        OPENSEARCH_ENDPOINT: this.realtimeStore.endpointUrl,
        OPENSEARCH_INDEX_PREFIX: this.realtimeStore.indexPrefix,
        QUARANTINE_QUEUE_URL: this.quarantine.queueUrl,
      },
    });
    this.realtimeStore.grantIndexWrite(this.realtimeProcessor);
    this.quarantine.grantSend(this.realtimeProcessor);

    this.quarantineRecorder = new QuarantineRecorder(this, 'QuarantineRecorder', {
      functionName: `${prefix}-quarantine-recorder`,
      queue: this.quarantine,
      store: this.batchStore,
      metricsNamespace: namespace,
      logRetention,
    });

    this.alarmApi = new AlarmApi(this, 'AlarmApi', {
      functionName: `${prefix}-alarm-api`,
      namePrefix: prefix,
      userPool: this.realtimeStore.login.userPool,
      store: this.batchStore,
      readingStream: readings,
      network: this.mskStream
        ? this.kafkaClientNetwork(
            this.mskStream,
            'AlarmApi',
            'Alarm API: Kafka over TLS to the readings cluster (manual readings), HTTPS out to the AWS APIs through the NAT gateway',
          )
        : undefined,
      windowSeconds: config.windowSeconds,
      escalationTiers: config.escalationTiers,
      reminderIntervalMinutes: config.reminderIntervalMinutes,
      siteTimeZone: config.siteTimeZone,
      removalPolicy: stateful,
      metricsNamespace: namespace,
      logRetention,
    });
    this.console = new ConsoleSite(this, 'Console', {
      namePrefix: prefix,
      userPool: this.realtimeStore.login.userPool,
      userPoolDomain: this.realtimeStore.login.userPoolDomain,
      apiUrl: this.alarmApi.url,
      siteTimeZone: config.siteTimeZone,
      domainName: config.consoleDomainName,
      certificateArn: config.consoleCertificateArn,
      removalPolicy: stateful,
    });
    this.alarmApi.allowBrowserApp(this.console.client, this.console.origin);
    this.escalation = new EscalationNotifier(this, 'Escalation', {
      functionName: `${prefix}-escalation`,
      firstTier: this.alerts,
      tiers: config.escalationTiers,
      topicNamePrefix: `${prefix}-alerts`,
      stageLabel: config.env,
      encryptionKey: messagingKey,
      contacts: config.escalationContacts,
      store: this.batchStore,
      reminderIntervalMinutes: config.reminderIntervalMinutes,
      siteTimeZone: config.siteTimeZone,
      // Notifications link to the alarm's page in the console (`/alarms/<id>`).
      acknowledgeUrl: this.console.origin,
      removalPolicy: stateful,
      metricsNamespace: namespace,
      logRetention,
    });

    this.operations = new Operations(this, 'Operations', {
      namePrefix: prefix,
      metricsNamespace: namespace,
      opsTopic: this.opsNotifications,
      poller: { label: 'Poller', lambdaFunction: this.poller.lambdaFunction, serviceName: this.poller.serviceName, consumesStream: false },
      processors: [
        {
          label: 'Batch processor',
          lambdaFunction: this.batchProcessor.lambdaFunction,
          serviceName: this.batchProcessor.serviceName,
          consumesStream: config.stream === 'kinesis',
        },
        {
          label: 'Realtime processor',
          lambdaFunction: this.realtimeProcessor.lambdaFunction,
          serviceName: this.realtimeProcessor.serviceName,
          consumesStream: config.stream === 'kinesis',
        },
      ],
      quarantineRecorder: {
        label: 'Quarantine recorder',
        lambdaFunction: this.quarantineRecorder.lambdaFunction,
        serviceName: this.quarantineRecorder.serviceName,
        consumesStream: false,
      },
      notifications: {
        sender: {
          label: 'Escalation',
          lambdaFunction: this.escalation.lambdaFunction,
          serviceName: this.escalation.serviceName,
          consumesStream: false,
        },
        tierTopics: this.escalation.topics,
        scheduleFailures: this.escalation.scheduleFailures,
      },
      services: [
        {
          label: 'Alarm API',
          lambdaFunction: this.alarmApi.lambdaFunction,
          serviceName: this.alarmApi.serviceName,
          consumesStream: false,
        },
      ],
      failureQueue: this.processingFailures,
      kafkaConsumers: this.mskStream ? this.kafkaConsumers(this.mskStream) : undefined,
      quarantine: this.quarantine,
      domain: this.realtimeStore.domain,
      window: Duration.seconds(config.tumblingWindowSeconds),
      openSearchVolumeSizeGiB: config.openSearchVolumeSizeGiB,
      openSearchDedicatedMasters: search.masterNodes > 0,
      // The alert topic is tier 1 of the escalation: its delivery failures are alarmed with the other tiers'.
      topics: [{ label: 'Ops topic', topic: this.opsNotifications.topic }],
      databaseCluster: this.batchStore.cluster,
      failureRedriveDeadline: failureRedriveDeadline(config),
    });
    new RotationFailures(this, 'SecretRotationFailures', {
      namePrefix: prefix,
      secrets: [this.batchStore.ownerSecret, this.batchStore.applicationSecret, this.batchStore.reportingSecret],
      topic: this.opsNotifications,
    });

    this.outputs(config);
  }

  /**
   * A topic nobody subscribes to delivers nothing. loadConfig refuses that for a stage marked
   * `production`; any other stage is warned at synth.
   */
  private warnOfUnsubscribedTopics(config: PipelineConfig): void {
    if (config.alertEmails.length === 0 && config.alertSms.length === 0) {
      Annotations.of(this.alerts).addWarningV2(
        'geotech:alerts-unsubscribed',
        'The alert topic has no subscriber: trigger-level alerts reach nobody (set alertEmails or alertSms)',
      );
    }
    if (config.opsEmails.length === 0) {
      Annotations.of(this.opsNotifications).addWarningV2(
        'geotech:ops-unsubscribed',
        'The operations topic has no subscriber: alarms and rotation failures reach nobody (set opsEmails)',
      );
    }
  }

  /**
   * The poller beside an MSK cluster runs in the VPC's egress subnets: it reaches the brokers,
   * and through the NAT gateway the source API and the AWS APIs it calls (HTTPS).
   */
  private pollerNetwork(mskStream: MskReadingStream): FunctionNetwork {
    return this.kafkaClientNetwork(
      mskStream,
      'Poller',
      'Poller: HTTPS out (source API and AWS APIs through the NAT gateway), Kafka over TLS to the readings cluster',
    );
  }

  /** A Kafka client's place in the VPC: the egress subnets, HTTPS out through the NAT gateway, and the brokers. */
  private kafkaClientNetwork(mskStream: MskReadingStream, name: string, description: string): FunctionNetwork {
    const vpc = this.batchStore.vpc;
    const securityGroup = new ec2.SecurityGroup(this, `${name}SecurityGroup`, { vpc, description, allowAllOutbound: false });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (and the source API) through the NAT gateway');
    mskStream.allowClient(securityGroup);
    return { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [securityGroup] };
  }

  /** The processors' consumer groups: their function names, as the mappings are told. */
  private kafkaConsumers(mskStream: MskReadingStream): KafkaConsumer[] {
    return [
      { label: 'Batch processor', processor: this.batchProcessor },
      { label: 'Realtime processor', processor: this.realtimeProcessor },
    ].map(({ label, processor }) => ({
      label,
      clusterName: mskStream.clusterName,
      topic: mskStream.topicName,
      consumerGroup: processor.consumerGroupId!,
    }));
  }

  /** The real source API; loadConfig requires sourceBaseUrl whenever the simulator is off. */
  private externalSource(config: PipelineConfig): PollSource {
    const apiKeySecret = config.sourceApiKeySecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'SourceApiKey', config.sourceApiKeySecretName)
      : undefined;
    const apiKeyEncryptionKey = config.sourceApiKeyKmsKeyArn
      ? kms.Key.fromKeyArn(this, 'SourceApiKeyEncryptionKey', config.sourceApiKeyKmsKeyArn)
      : undefined;
    return PollSource.api(config.sourceBaseUrl!, { apiKeySecret, apiKeyEncryptionKey });
  }

  private outputs(config: PipelineConfig): void {
    const login = this.realtimeStore.login;
    new CfnOutput(this, 'DashboardsUrl', {
      description: 'OpenSearch Dashboards (sign in with a Cognito user)',
      value: `https://${this.realtimeStore.domain.domainEndpoint}/_dashboards/`,
    });
    new CfnOutput(this, 'DashboardsUserPoolId', { description: 'Cognito user pool of Dashboards users', value: login.userPool.userPoolId });
    new CfnOutput(this, 'DashboardsSignInDomain', { description: 'Cognito hosted sign-in domain', value: login.userPoolDomain.baseUrl() });
    new CfnOutput(this, 'OpenSearchEndpoint', { value: this.realtimeStore.endpointUrl });
    if (this.stream) new CfnOutput(this, 'StreamName', { value: this.stream.streamName });
    if (this.mskStream) {
      new CfnOutput(this, 'KafkaClusterArn', { value: this.mskStream.clusterArn });
      new CfnOutput(this, 'KafkaTopic', { value: this.mskStream.topicName });
      new CfnOutput(this, 'KafkaBootstrapServers', { value: this.mskStream.bootstrapServers });
    }
    new CfnOutput(this, 'DatabaseClusterArn', { value: this.batchStore.cluster.clusterArn });
    new CfnOutput(this, 'DatabaseSecretArn', {
      description: "The application role's secret (DML on the pipeline tables): for operators' Data API queries",
      value: this.batchStore.applicationSecret.secretArn,
    });
    new CfnOutput(this, 'DatabaseReportingSecretArn', {
      description: "The reporting role's secret (SELECT on the report_ views only), for reporting tools",
      value: this.batchStore.reportingSecret.secretArn,
    });
    new CfnOutput(this, 'DatabaseOwnerSecretArn', {
      description: "The owner's secret, used by the schema migrations only",
      value: this.batchStore.ownerSecret.secretArn,
    });
    new CfnOutput(this, 'DatabaseName', { value: this.batchStore.databaseName });
    new CfnOutput(this, 'AlertTopicArn', { description: 'Tier 1 of the alarm notifications', value: this.alerts.topicArn });
    new CfnOutput(this, 'AlarmsApiUrl', {
      description: 'Alarm API base URL (the CLI: npm run alarms -- --stage <env>)',
      value: this.alarmApi.url,
    });
    new CfnOutput(this, 'AlarmsCliClientId', {
      description: 'Cognito app client the alarm CLI signs in with (USER_PASSWORD_AUTH)',
      value: this.alarmApi.cliClient.userPoolClientId,
    });
    new CfnOutput(this, 'AlarmsUserPoolId', {
      description: 'Cognito user pool of the alarm API users (groups engineers, viewers)',
      value: this.realtimeStore.login.userPool.userPoolId,
    });
    new CfnOutput(this, 'ConsoleUrl', { description: 'Site console (sign in with a Cognito user)', value: `${this.console.origin}/` });
    new CfnOutput(this, 'ConsoleDistributionDomain', {
      description: 'CloudFront domain of the site console, where a consoleDomainName points',
      value: this.console.distribution.distributionDomainName,
    });
    new CfnOutput(this, 'QuarantineQueueUrl', { value: this.quarantine.queueUrl });
    new CfnOutput(this, 'ProcessingFailuresQueueUrl', { value: this.processingFailures.queueUrl });
    // The processors' settings, for the recovery commands (npm run redrive, replay, rebuild -- --stage <env>) to process as they do.
    new CfnOutput(this, 'WindowSeconds', {
      description: 'Event-time window the processors average over',
      value: String(config.windowSeconds),
    });
    new CfnOutput(this, 'AllowedLatenessSeconds', { value: String(config.allowedLatenessSeconds) });
    new CfnOutput(this, 'LateHorizonSeconds', { value: String(config.lateHorizonHours * 3600) });
    new CfnOutput(this, 'TumblingWindowSeconds', { value: String(config.tumblingWindowSeconds) });
    new CfnOutput(this, 'OpenSearchIndexPrefix', { value: this.realtimeStore.indexPrefix });
    new CfnOutput(this, 'OperationsDashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.operations.dashboard.dashboardName}`,
    });
    if (this.reporting) {
      new CfnOutput(this, 'QuickSightDashboardUrl', {
        description: 'QuickSight monitoring report (sign in to QuickSight first)',
        value: this.reporting.dashboardUrl,
      });
    }
    if (this.simulator)
      new CfnOutput(this, 'SimulatorUrl', { description: 'IAM-authorised simulator function URL', value: this.simulator.url.url });
  }
}

/**
 * How long a failed batch may wait in the on-failure queue: half the least time its records
 * still have in the stream when its message arrives (the retention less the largest record age
 * the mappings allow), at least an hour.
 */
export function failureRedriveDeadline(
  config: Pick<PipelineConfig, 'stream' | 'streamRetentionHours' | 'mskRetentionHours' | 'maxRecordAgeSeconds'>,
): Duration {
  const retentionHours = config.stream === 'msk' ? config.mskRetentionHours : config.streamRetentionHours;
  const left = retentionHours * 3600 - config.maxRecordAgeSeconds;
  return Duration.seconds(Math.max(3600, Math.floor(left / 2)));
}

/**
 * The aws-cdk-lib engine of a version loadConfig has accepted: one of AURORA_POSTGRES_VERSIONS,
 * which are read from these same `VER_<major>_<minor>` members.
 */
function auroraVersion(version: string): rds.AuroraPostgresEngineVersion {
  const engines = rds.AuroraPostgresEngineVersion as unknown as Record<string, rds.AuroraPostgresEngineVersion>;
  return engines[`VER_${version.replace('.', '_')}`]!;
}
