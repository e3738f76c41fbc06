import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkovExecutable, checkovFailures, judgeCheckov, loadCheckovSkips } from '../../lib/checks/checkov.js';
import { AURORA_POSTGRES_VERSIONS } from '../../lib/config.js';
import { APP_PATHS_FUNCTION } from '../../lib/console/console-site.js';
import { RECORDER_METRICS } from '../../lambdas/batch/quarantine-recorder.js';
import { NODE_RUNTIME } from '../../lib/constructs/pipeline-function.js';
import { PIPELINE_METRICS } from '../../lib/operations/operations.js';
import { access, accessMap, referencedLogicalIds } from './access.js';
import { logicalIds, onlyLogicalId, permissionsOf, roleOfFunction, synthesize, type Synthesized } from './synth.js';

/** The default configuration (cdk.json's context), synthesized once for every test here. */
let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});
afterAll(() => s?.dispose());

const id = (type: string, prefix: string) => onlyLogicalId(s.json, type, prefix);
const props = (logicalId: string) => s.json.Resources[logicalId]?.Properties ?? {};
const ref = (logicalId: string) => ({ Ref: logicalId });
const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const fn = (prefix: string) => id('AWS::Lambda::Function', `${prefix}Function`);
const environment = (functionId: string) => (props(functionId).Environment as { Variables: Record<string, unknown> }).Variables;
const mappingOf = (functionId: string) => {
  const [mapping] = logicalIds(s.json, 'AWS::Lambda::EventSourceMapping').filter((m) =>
    JSON.stringify(props(m).FunctionName).includes(functionId),
  );
  if (!mapping) throw new Error(`no event source mapping for ${functionId}`);
  return props(mapping);
};

describe('ingestion', () => {
  it('encrypts the on-demand stream with a rotating customer managed key and keeps records 7 days', () => {
    const key = id('AWS::KMS::Key', 'ReadingsKey');
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(props(id('AWS::Kinesis::Stream', 'ReadingsStream'))).toMatchObject({
      Name: 'geotech-dev-readings',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 168,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arn(key) },
    });
    expect(props(key).EnableKeyRotation).toBe(true);
  });

  it('starts the poller every minute, one at a time, for up to 60 s, and drops starts that cannot run', () => {
    const poller = fn('PollerHandler');
    expect(props(poller)).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 60 });
    expect(props(id('AWS::Scheduler::Schedule', 'PollerSchedule'))).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: { Arn: arn(poller), RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
    });
    expect(props(id('AWS::Lambda::EventInvokeConfig', 'PollerHandlerFunctionEventInvokeConfig'))).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('points the poller at the IAM-authorised simulator URL and gives it its environment contract', () => {
    const url = id('AWS::Lambda::Url', 'SimulatorHandlerFunctionFunctionUrl');
    expect(props(url)).toMatchObject({ AuthType: 'AWS_IAM', TargetFunctionArn: arn(fn('SimulatorHandler')) });
    expect(environment(fn('PollerHandler'))).toEqual({
      STREAM_NAME: ref(id('AWS::Kinesis::Stream', 'ReadingsStream')),
      SOURCE_BASE_URL: { 'Fn::GetAtt': [url, 'FunctionUrl'] },
      SOURCE_AUTH: 'iam',
      POLL_INTERVAL_SECONDS: '10',
      QUARANTINE_QUEUE_URL: ref(id('AWS::SQS::Queue', 'QuarantineQueue')),
      CURSOR_TABLE_NAME: ref(id('AWS::DynamoDB::Table', 'PollerCursors')),
      SOURCE_HISTORY_MODE: 'auto',
      POWERTOOLS_SERVICE_NAME: 'poller',
      POWERTOOLS_METRICS_NAMESPACE: 'GeotechMonitoring',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(environment(fn('SimulatorHandler'))).toMatchObject({ SIMULATOR_SEED: 'geotech' });
  });
});

describe('processing', () => {
  it.each(['BatchProcessorHandler', 'RealtimeProcessorHandler'])(
    'subscribes %s with its own tumbling-window mapping, partial batch responses, bisect, bounded retries and the on-failure queue',
    (processor) => {
      expect(mappingOf(fn(processor))).toMatchObject({
        EventSourceArn: arn(id('AWS::Kinesis::Stream', 'ReadingsStream')),
        StartingPosition: 'TRIM_HORIZON',
        TumblingWindowInSeconds: 60,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        // Six days of the stream's seven: a record that ages out still has a day in the stream to be redriven.
        MaximumRecordAgeInSeconds: 518_400,
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 5,
        DestinationConfig: { OnFailure: { Destination: arn(id('AWS::SQS::Queue', 'ProcessingFailuresQueue')) } },
      });
      expect(environment(fn(processor)).WINDOW_SECONDS).toBe('10');
    },
  );

  it('gives the batch processor the Data API it writes to and no topic (the escalation function alone notifies)', () => {
    expect(environment(fn('BatchProcessorHandler'))).toMatchObject({
      DB_CLUSTER_ARN: expect.anything(),
      DB_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')),
      DB_NAME: 'geotech',
      POWERTOOLS_SERVICE_NAME: 'batch-processor',
    });
    expect(environment(fn('BatchProcessorHandler'))).not.toHaveProperty('ALERT_TOPIC_ARN');
    expect(referencedLogicalIds(s.json, JSON.stringify(environment(fn('BatchProcessorHandler')).DB_CLUSTER_ARN))).toEqual([
      id('AWS::RDS::DBCluster', 'BatchStoreCluster'),
    ]);
  });

  it('gives the realtime processor the https domain endpoint, index prefix and quarantine', () => {
    expect(environment(fn('RealtimeProcessorHandler'))).toMatchObject({
      OPENSEARCH_ENDPOINT: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain'), 'DomainEndpoint'] }]],
      },
      OPENSEARCH_INDEX_PREFIX: 'geotech',
      QUARANTINE_QUEUE_URL: ref(id('AWS::SQS::Queue', 'QuarantineQueue')),
      POWERTOOLS_SERVICE_NAME: 'realtime-processor',
    });
  });

  it('drains the quarantine queue into the batch store: 10 messages a batch, partial batch responses, at most 2 at once', () => {
    const recorder = fn('QuarantineRecorderHandler');
    expect(mappingOf(recorder)).toEqual({
      FunctionName: ref(recorder),
      EventSourceArn: arn(id('AWS::SQS::Queue', 'QuarantineQueue')),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(environment(recorder)).toEqual({
      DB_CLUSTER_ARN: environment(fn('BatchProcessorHandler')).DB_CLUSTER_ARN,
      DB_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')),
      DB_NAME: 'geotech',
      POWERTOOLS_SERVICE_NAME: 'quarantine-recorder',
      POWERTOOLS_METRICS_NAMESPACE: 'GeotechMonitoring',
      NODE_OPTIONS: '--enable-source-maps',
    });
    // A failed message is delivered again once its visibility timeout (six function timeouts) ends; no dead-letter queue takes it away.
    const quarantine = props(id('AWS::SQS::Queue', 'QuarantineQueue'));
    expect(quarantine.VisibilityTimeout).toBe(6 * (props(recorder).Timeout as number));
    expect(quarantine.RedrivePolicy).toBeUndefined();
    expect(s.json.Resources[recorder]?.DependsOn).toContain(id('AWS::IAM::Policy', 'QuarantineRecorderHandlerRoleDefaultPolicy'));
  });

  it('encrypts every queue with the messaging key, keeps messages 14 days and refuses requests without TLS', () => {
    const key = id('AWS::KMS::Key', 'MessagingKey');
    const queues = ['QuarantineQueue', 'ProcessingFailuresQueue', 'EscalationScheduleFailuresQueue'];
    expect(logicalIds(s.json, 'AWS::SQS::Queue').sort()).toEqual(queues.map((queue) => id('AWS::SQS::Queue', queue)).sort());
    for (const queue of queues) {
      expect(props(id('AWS::SQS::Queue', queue))).toMatchObject({ KmsMasterKeyId: arn(key), MessageRetentionPeriod: 1_209_600 });
    }
    const policies = logicalIds(s.json, 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect((props(policy).PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('batch store', () => {
  it('runs Aurora Serverless v2 PostgreSQL with the Data API, IAM auth, CMK storage encryption, backups and deletion protection', () => {
    const cluster = id('AWS::RDS::DBCluster', 'BatchStoreCluster');
    expect(props(cluster)).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: '16.13',
      EnableHttpEndpoint: true,
      EnableIAMDatabaseAuthentication: true,
      StorageEncrypted: true,
      KmsKeyId: arn(id('AWS::KMS::Key', 'BatchStoreKey')),
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      EnableCloudwatchLogsExports: ['postgresql'],
    });
    expect(props(id('AWS::RDS::DBInstance', 'BatchStoreClusterwriter'))).toMatchObject({ DBInstanceClass: 'db.serverless' });
    expect(s.json.Resources[cluster]?.DeletionPolicy).toBe('Snapshot');
  });

  it('defaults to the newest Aurora PostgreSQL 16 that aws-cdk-lib offers', () => {
    const newest16 = AURORA_POSTGRES_VERSIONS.filter((version) => version.startsWith('16.')).at(-1);
    expect(props(id('AWS::RDS::DBCluster', 'BatchStoreCluster')).EngineVersion).toBe(newest16);
  });

  it('keeps the database in isolated subnets: no internet gateway, no NAT, rejected traffic logged', () => {
    s.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.resourceCountIs('AWS::EC2::Route', 0);
    for (const subnet of logicalIds(s.json, 'AWS::EC2::Subnet')) expect(props(subnet).MapPublicIpOnLaunch).toBe(false);
    s.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });

  it('encrypts the admin secret with the cluster key and rotates it every 30 days', () => {
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: arn(id('AWS::KMS::Key', 'BatchStoreKey')) });
    s.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
  });

  it('applies the migrations through a custom resource that waits for the writer and changes with the migration sources', () => {
    const migrations = id('Custom::SchemaMigrations', 'SchemaMigrations');
    expect(props(migrations).MigrationsHash).toMatch(/^[0-9a-f]{64}$/);
    // The deployment's site time zone: a change of siteTimeZone updates the resource, and the handler writes it.
    expect(props(migrations).SiteTimeZone).toBe('Australia/Melbourne');
    expect(s.json.Resources[migrations]?.DependsOn).toEqual(
      expect.arrayContaining([id('AWS::RDS::DBCluster', 'BatchStoreCluster'), id('AWS::RDS::DBInstance', 'BatchStoreClusterwriter')]),
    );
    expect(environment(fn('SchemaMigrationsHandler'))).toMatchObject({
      DB_NAME: 'geotech',
      DB_SECRET_ARN: expect.anything(),
      DB_CLUSTER_ARN: expect.anything(),
    });
  });
});

describe('real-time store', () => {
  it('encrypts the domain at rest and between nodes, serves HTTPS only with the newest TLS policy, and spreads two nodes over two zones', () => {
    expect(props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain'))).toMatchObject({
      DomainName: 'geotech-dev',
      EngineVersion: 'OpenSearch_2.19',
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: expect.anything() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
      ClusterConfig: {
        InstanceCount: 2,
        InstanceType: 't3.medium.search',
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: 2 },
      },
      EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
    });
  });

  it('turns on fine-grained access control with the setup function role as master user and Cognito sign-in', () => {
    const domain = props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain'));
    expect(domain).toMatchObject({
      AdvancedSecurityOptions: {
        Enabled: true,
        InternalUserDatabaseEnabled: false,
        MasterUserOptions: { MasterUserARN: arn(roleOfFunction(s.json, fn('RealtimeStoreSetup'))) },
      },
      CognitoOptions: { Enabled: true, UserPoolId: ref(id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool')) },
    });
    // OpenSearch refuses Cognito sign-in for a user pool without a domain.
    expect(s.json.Resources[id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')]?.DependsOn).toEqual(
      expect.arrayContaining([id('AWS::Cognito::UserPoolDomain', 'RealtimeStoreLoginUserPoolDomain')]),
    );
  });

  it('publishes application, audit and both slow logs to CloudWatch Logs', () => {
    const logs = props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).LogPublishingOptions as Record<
      string,
      { Enabled: boolean }
    >;
    expect(Object.keys(logs).sort()).toEqual(['AUDIT_LOGS', 'ES_APPLICATION_LOGS', 'INDEX_SLOW_LOGS', 'SEARCH_SLOW_LOGS']);
    for (const option of Object.values(logs)) expect(option.Enabled).toBe(true);
  });

  it('lets only the project roles reach the domain, writers only their index paths', () => {
    const policy = props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).AccessPolicies as {
      Statement: Record<string, unknown>[];
    };
    expect(JSON.stringify(policy)).not.toMatch(/"AWS":"\*"|"Principal":"\*"/);
    const principals = (sid: string) =>
      referencedLogicalIds(s.json, JSON.stringify(policy.Statement.find((statement) => statement.Sid === sid)?.Principal)).sort();
    expect(principals('SetupFunction')).toEqual([roleOfFunction(s.json, fn('RealtimeStoreSetup'))]);
    expect(principals('DashboardsAdmins')).toEqual([id('AWS::IAM::Role', 'RealtimeStoreLoginAdminRole')]);
    expect(principals('DashboardsViewers')).toEqual([id('AWS::IAM::Role', 'RealtimeStoreLoginViewerRole')]);
    // Viewers read: no PUT, PATCH or DELETE, in the domain's policy or their own.
    const viewerActions = ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'];
    expect(policy.Statement.find((statement) => statement.Sid === 'DashboardsViewers')?.Action).toEqual(viewerActions);
    expect(Object.keys(accessMap(s.json, id('AWS::IAM::Role', 'RealtimeStoreLoginViewerRole'))).sort()).toEqual(viewerActions);
    // Without dashboardsAllowedCidrs, no address condition.
    expect(JSON.stringify(policy)).not.toContain('aws:SourceIp');
    expect(principals('IndexWriters')).toEqual([roleOfFunction(s.json, fn('RealtimeProcessorHandler'))]);
    const writers = policy.Statement.find((statement) => statement.Sid === 'IndexWriters');
    expect(writers?.Action).toEqual(['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut']);
    expect(JSON.stringify(writers?.Resource)).toMatch(/domain\/geotech-dev\/geotech-\*"/);
  });

  it('signs engineers in through Cognito: no self sign-up, MFA required, strong passwords, admin group with its own role', () => {
    expect(props(id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool'))).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true },
      },
    });
    expect(props(id('AWS::Cognito::IdentityPool', 'RealtimeStoreLoginIdentityPool')).AllowUnauthenticatedIdentities).toBe(false);
    expect(props(id('AWS::Cognito::UserPoolGroup', 'RealtimeStoreLoginAdminGroup'))).toMatchObject({
      GroupName: 'admins',
      RoleArn: arn(id('AWS::IAM::Role', 'RealtimeStoreLoginAdminRole')),
    });
    expect(props(id('AWS::Cognito::IdentityPoolRoleAttachment', 'RealtimeStoreLoginRoleAttachment'))).toMatchObject({
      Roles: { authenticated: arn(id('AWS::IAM::Role', 'RealtimeStoreLoginViewerRole')) },
      RoleMappings: { dashboards: { Type: 'Token', AmbiguousRoleResolution: 'AuthenticatedRole' } },
    });
  });

  it('passes the setup resource the roles to map and runs it once the domain exists', () => {
    const setup = id('Custom::OpenSearchSetup', 'RealtimeStoreSetupResource');
    expect(props(setup)).toMatchObject({
      IndexPrefix: 'geotech',
      RetentionDays: 30,
      AdminRoleArns: [arn(id('AWS::IAM::Role', 'RealtimeStoreLoginAdminRole'))],
      ViewerRoleArns: [arn(id('AWS::IAM::Role', 'RealtimeStoreLoginViewerRole'))],
      WriterRoleArns: [arn(roleOfFunction(s.json, fn('RealtimeProcessorHandler')))],
    });
    expect(s.json.Resources[setup]?.DependsOn).toEqual(
      expect.arrayContaining([id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')]),
    );
    expect(environment(fn('RealtimeStoreSetup'))).toMatchObject({
      OPENSEARCH_INDEX_PREFIX: 'geotech',
      RETENTION_DAYS: '30',
      OPENSEARCH_ENDPOINT: expect.anything(),
    });
  });
});

describe('alerts and operations', () => {
  it('encrypts both topics with the messaging key and refuses publishing without TLS', () => {
    for (const topic of ['AlertsTopic', 'OpsNotificationsTopic']) {
      expect(props(id('AWS::SNS::Topic', topic)).KmsMasterKeyId).toEqual(arn(id('AWS::KMS::Key', 'MessagingKey')));
    }
    for (const policy of logicalIds(s.json, 'AWS::SNS::TopicPolicy')) {
      expect(JSON.stringify(props(policy).PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('lets CloudWatch alarms use the messaging key to publish to the encrypted ops topic', () => {
    const statements = (props(id('AWS::KMS::Key', 'MessagingKey')).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
    );
  });

  it('alarms on iterator age, errors, throttles, the on-failure queue, missing readings and search health, notifying the ops topic', () => {
    const alarms = logicalIds(s.json, 'AWS::CloudWatch::Alarm').map((alarm) => props(alarm));
    const named = (metric: string) => alarms.filter((alarm) => alarm.MetricName === metric);
    expect(named('IteratorAge')).toHaveLength(2);
    // Poller, both processors, quarantine recorder, escalation function and alarm API.
    expect(named('Errors')).toHaveLength(6);
    expect(named('Throttles')).toHaveLength(6);
    expect(named('RejectionsNotRecorded')).toEqual([
      expect.objectContaining({
        Namespace: 'GeotechMonitoring',
        Dimensions: [{ Name: 'service', Value: 'quarantine-recorder' }],
        Statistic: 'Sum',
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      }),
    ]);
    const queueName = (queue: string) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id('AWS::SQS::Queue', queue), 'QueueName'] } }];
    expect(named('ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({ Dimensions: queueName('ProcessingFailuresQueue'), Threshold: 1 }),
      expect.objectContaining({ Dimensions: queueName('EscalationScheduleFailuresQueue'), Threshold: 1 }),
      expect.objectContaining({ Dimensions: queueName('QuarantineQueue'), Threshold: 100, Statistic: 'Minimum', EvaluationPeriods: 3 }),
    ]);
    // Half the day a failed batch's records are sure to have left in the stream (7 days less the 6-day record age).
    expect(named('ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({ Dimensions: queueName('ProcessingFailuresQueue'), Threshold: 43_200, Statistic: 'Maximum' }),
    ]);
    expect(named('NumberOfNotificationsFailed').map((alarm) => alarm.Dimensions)).toEqual([
      [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id('AWS::SNS::Topic', 'AlertsTopic'), 'TopicName'] } }],
      [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id('AWS::SNS::Topic', 'EscalationTier2Topic'), 'TopicName'] } }],
      [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id('AWS::SNS::Topic', 'EscalationTier3Topic'), 'TopicName'] } }],
      [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id('AWS::SNS::Topic', 'OpsNotificationsTopic'), 'TopicName'] } }],
    ]);
    expect(named('DestinationDeliveryFailures').map((alarm) => alarm.Dimensions)).toEqual([
      [{ Name: 'FunctionName', Value: ref(fn('BatchProcessorHandler')) }],
      [{ Name: 'FunctionName', Value: ref(fn('RealtimeProcessorHandler')) }],
    ]);
    expect(named('ACUUtilization')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/RDS',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: ref(id('AWS::RDS::DBCluster', 'BatchStoreCluster')) }],
        Threshold: 90,
      }),
    ]);
    expect(named('JVMMemoryPressure')).toEqual([expect.objectContaining({ Namespace: 'AWS/ES', Threshold: 80 })]);
    expect(named('CPUUtilization')).toEqual([expect.objectContaining({ Namespace: 'AWS/ES', Threshold: 80 })]);
    // No dedicated masters in the dev profile, so no master alarms.
    expect(named('MasterJVMMemoryPressure')).toEqual([]);
    expect(named('ReadingsAccepted')).toEqual([expect.objectContaining({ Namespace: 'GeotechMonitoring', TreatMissingData: 'breaching' })]);
    expect(named('ClusterStatus.red')).toHaveLength(1);
    expect(named('ClusterIndexWritesBlocked')).toHaveLength(1);
    expect(named('FreeStorageSpace')).toHaveLength(1);
    const opsTopic = ref(id('AWS::SNS::Topic', 'OpsNotificationsTopic'));
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([opsTopic]);
      expect(alarm.OKActions).toEqual([opsTopic]);
    }
  });

  it('draws the dashboard from every Powertools metric in the namespace, by service, with rejects by reason', () => {
    const body = JSON.stringify(props(id('AWS::CloudWatch::Dashboard', 'OperationsDashboard')).DashboardBody);
    for (const metric of [
      'ReadingsPolled',
      'ReadingsAccepted',
      'ReadingsRejected',
      'RecordsPut',
      'RecordsProcessed',
      'WindowsWritten',
      'AlertsRaised',
      'RejectionsRecorded',
      'RejectionsNotRecorded',
      'NotificationsSent',
      'NotificationsFailed',
      'NumberOfNotificationsDelivered',
      'NumberOfNotificationsFailed',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(PIPELINE_METRICS).toMatchObject({
      rejectionsRecorded: RECORDER_METRICS.recorded,
      rejectionsNotRecorded: RECORDER_METRICS.notRecorded,
    });
    expect(body).toContain('SEARCH(\'{GeotechMonitoring,reason,service} MetricName=\\\\\\"ReadingsRejected\\\\\\"\'');
    for (const service of ['poller', 'batch-processor', 'realtime-processor', 'quarantine-recorder', 'escalation'])
      expect(body).toContain(`\\"service\\",\\"${service}\\"`);
    for (const metric of ['IteratorAge', 'Errors', 'Throttles', 'Duration', 'ApproximateNumberOfMessagesVisible'])
      expect(body).toContain(`\\"${metric}\\"`);
  });
});

/** The routes of the alarm API, and the read API's beside them on the same HTTP API. */
const ALARM_ROUTE_KEYS = ['GET /alarms', 'GET /alarms/{id}', 'POST /alarms/{id}/acknowledge', 'GET /response-plans', 'PUT /response-plans'];
const READ_ROUTE_KEYS = [
  'GET /instruments',
  'GET /instruments/{id}',
  'GET /instruments/{id}/windows',
  'GET /instruments/{id}/readings',
  'GET /instruments/{id}/events',
  'PUT /instruments/{id}/trigger-rule',
  'POST /instruments/{id}/baselines',
  'POST /readings',
];

describe('alarm lifecycle', () => {
  const api = () => id('AWS::ApiGatewayV2::Api', 'AlarmApiHttpApi');
  const client = () => id('AWS::Cognito::UserPoolClient', 'AlarmApiAlarmsCli');
  const userPool = () => id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool');
  const tierTopics = () => [
    id('AWS::SNS::Topic', 'AlertsTopic'),
    id('AWS::SNS::Topic', 'EscalationTier2'),
    id('AWS::SNS::Topic', 'EscalationTier3'),
  ];

  it('serves one HTTP API whose routes all need a JWT from the CLI or console app client of the Dashboards user pool', () => {
    expect(logicalIds(s.json, 'AWS::ApiGatewayV2::Api')).toEqual([api()]);
    expect(props(api())).toMatchObject({ Name: 'geotech-dev-alarms', ProtocolType: 'HTTP' });
    const [authorizer, ...others] = logicalIds(s.json, 'AWS::ApiGatewayV2::Authorizer');
    expect(others).toEqual([]);
    expect(props(authorizer!)).toEqual({
      ApiId: ref(api()),
      Name: 'geotech-dev-alarms-cli',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [ref(client()), ref(id('AWS::Cognito::UserPoolClient', 'ConsoleClient'))],
        Issuer: {
          'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', ref(userPool())]],
        },
      },
    });
    const routes = logicalIds(s.json, 'AWS::ApiGatewayV2::Route').map((route) => props(route));
    expect(routes.map((route) => route.RouteKey).sort()).toEqual([...ALARM_ROUTE_KEYS, ...READ_ROUTE_KEYS].sort());
    for (const route of routes) {
      expect(route, String(route.RouteKey)).toMatchObject({ ApiId: ref(api()), AuthorizationType: 'JWT', AuthorizerId: ref(authorizer!) });
    }
  });

  it('leads every route to the alarm API function (payload 2.0), each route allowed to invoke it on its own path only', () => {
    const integrations = logicalIds(s.json, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(props(integrations[0]!)).toEqual({
      ApiId: ref(api()),
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arn(fn('AlarmApiHandler')),
      PayloadFormatVersion: '2.0',
    });
    for (const route of logicalIds(s.json, 'AWS::ApiGatewayV2::Route')) {
      expect(props(route).Target).toEqual({ 'Fn::Join': ['', ['integrations/', ref(integrations[0]!)]] });
    }
    const permissions = logicalIds(s.json, 'AWS::Lambda::Permission')
      .map((permission) => props(permission))
      .filter((permission) => permission.Principal === 'apigateway.amazonaws.com');
    expect(permissions).toHaveLength(ALARM_ROUTE_KEYS.length + READ_ROUTE_KEYS.length);
    const paths = permissions.map((permission) => {
      expect(permission.FunctionName).toEqual(arn(fn('AlarmApiHandler')));
      const parts = (permission.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      expect(parts).toContainEqual(ref(api()));
      return parts.at(-1);
    });
    expect(paths.sort()).toEqual([...ALARM_ROUTE_KEYS, ...READ_ROUTE_KEYS].map((key) => `/*/*${key.split(' ')[1]}`).sort());
  });

  it('throttles the default stage and writes one JSON access log line a request to a log group encrypted with the logs key', () => {
    const stages = logicalIds(s.json, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = props(stages[0]!);
    const logGroup = id('AWS::Logs::LogGroup', 'AlarmApiAccessLogs');
    expect(stage).toMatchObject({
      ApiId: ref(api()),
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
      AccessLogSettings: { DestinationArn: arn(logGroup) },
    });
    const format = JSON.parse((stage.AccessLogSettings as { Format: string }).Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
      authorizerError: '$context.authorizer.error',
      integrationError: '$context.integrationErrorMessage',
      user: '$context.authorizer.claims.sub',
    });
    expect(props(logGroup)).toMatchObject({
      LogGroupName: '/aws/vendedlogs/apigateway/geotech-dev-alarms',
      KmsKeyId: arn(id('AWS::KMS::Key', 'LogsKey')),
      RetentionInDays: 30,
    });
  });

  it('signs the CLI in with USER_PASSWORD_AUTH on a client without a secret and with 15-minute tokens, and adds the engineers and viewers groups', () => {
    expect(props(client())).toMatchObject({
      UserPoolId: ref(userPool()),
      ClientName: 'geotech-dev-alarms-cli',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
    const groups = logicalIds(s.json, 'AWS::Cognito::UserPoolGroup').map((group) => props(group));
    expect(groups.map((group) => group.GroupName).sort()).toEqual(['admins', 'engineers', 'viewers']);
    for (const group of groups) expect(group.UserPoolId).toEqual(ref(userPool()));
    expect(groups.filter((group) => group.GroupName !== 'admins').map((group) => group.RoleArn)).toEqual([undefined, undefined]);
  });

  it('looks up the Dashboards app client in the identity pool, so the CLI client in the same user pool cannot be mistaken for it', () => {
    const lookup = props(id('Custom::OpenSearchDashboardsClient', 'RealtimeStoreLoginOpenSearchClientLookup'));
    const call = JSON.stringify(lookup.Create);
    expect(call).toContain('\\"action\\":\\"describeIdentityPool\\"');
    expect(call).toContain('CognitoIdentityProviders.0.ClientId');
    expect(lookup.Update).toEqual(lookup.Create);
    expect(accessMap(s.json, id('AWS::IAM::Role', 'RealtimeStoreLoginClientLookupRole'))).toEqual({
      ...access([[['logs:CreateLogStream', 'logs:PutLogEvents'], [id('AWS::Logs::LogGroup', 'RealtimeStoreLoginClientLookupLogs')]]]),
      ...access([[['cognito-identity:DescribeIdentityPool'], [id('AWS::Cognito::IdentityPool', 'RealtimeStoreLoginIdentityPool')]]]),
    });
  });

  it('gives the alarm API function the Data API target, the escalation policy, the site time zone, the reading stream and the window', () => {
    expect(environment(fn('AlarmApiHandler'))).toEqual({
      DB_CLUSTER_ARN: environment(fn('BatchProcessorHandler')).DB_CLUSTER_ARN,
      DB_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')),
      DB_NAME: 'geotech',
      ESCALATION_TIERS: '3',
      REMINDER_INTERVAL_MINUTES: '30',
      SITE_TIME_ZONE: 'Australia/Melbourne',
      STREAM_NAME: ref(id('AWS::Kinesis::Stream', 'ReadingsStream')),
      WINDOW_SECONDS: '10',
      POWERTOOLS_SERVICE_NAME: 'alarm-api',
      POWERTOOLS_METRICS_NAMESPACE: 'GeotechMonitoring',
      NODE_OPTIONS: '--enable-source-maps',
    });
    // It answers within the HTTP API's 29 s integration limit.
    expect(props(fn('AlarmApiHandler')).Timeout).toBeLessThan(29);
  });

  it('starts the escalation function every minute, retrying undelivered starts twice within two minutes, then into its dead-letter queue', () => {
    const escalation = fn('EscalationHandler');
    expect(props(id('AWS::Scheduler::Schedule', 'EscalationSchedule'))).toEqual({
      Name: 'geotech-dev-escalation',
      Description: expect.any(String),
      ScheduleExpression: 'rate(1 minute)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arn(escalation),
        RoleArn: arn(id('AWS::IAM::Role', 'EscalationScheduleRole')),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
        DeadLetterConfig: { Arn: arn(id('AWS::SQS::Queue', 'EscalationScheduleFailuresQueue')) },
      },
    });
    expect(props(id('AWS::IAM::Role', 'EscalationScheduleRole')).AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    // A failed run is not retried by Lambda: the next start finds the same notifications due.
    expect(props(id('AWS::Lambda::EventInvokeConfig', 'EscalationHandlerFunctionEventInvokeConfig'))).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    expect(props(escalation).Timeout).toBeLessThan(60);
    expect(props(escalation).ReservedConcurrentExecutions).toBeUndefined();
  });

  it("gives the escalation function the tier topics in order, the escalation policy, the site time zone and the console's URL to acknowledge at", () => {
    expect(environment(fn('EscalationHandler'))).toEqual({
      DB_CLUSTER_ARN: environment(fn('BatchProcessorHandler')).DB_CLUSTER_ARN,
      DB_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')),
      DB_NAME: 'geotech',
      ESCALATION_TOPIC_ARNS: { 'Fn::Join': ['', [ref(tierTopics()[0]!), ',', ref(tierTopics()[1]!), ',', ref(tierTopics()[2]!)]] },
      ESCALATION_TIERS: '3',
      REMINDER_INTERVAL_MINUTES: '30',
      SITE_TIME_ZONE: 'Australia/Melbourne',
      ACKNOWLEDGE_URL: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('AWS::CloudFront::Distribution', 'ConsoleDistribution'), 'DomainName'] }]],
      },
      POWERTOOLS_SERVICE_NAME: 'escalation',
      POWERTOOLS_METRICS_NAMESPACE: 'GeotechMonitoring',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('keeps a topic per tier, tier 1 the alert topic under its first logical ID, all encrypted with the messaging key', () => {
    expect(logicalIds(s.json, 'AWS::SNS::Topic').sort()).toEqual([...tierTopics(), id('AWS::SNS::Topic', 'OpsNotificationsTopic')].sort());
    expect(tierTopics()[0]).toMatch(/^AlertsTopic[0-9A-F]{8}$/);
    expect(tierTopics().map((topic) => props(topic).TopicName)).toEqual([
      'geotech-dev-alerts',
      'geotech-dev-alerts-tier-2',
      'geotech-dev-alerts-tier-3',
    ]);
    for (const topic of tierTopics()) expect(props(topic).KmsMasterKeyId).toEqual(arn(id('AWS::KMS::Key', 'MessagingKey')));
    // No contact is configured by default: nobody is subscribed.
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms on notifications the escalation function could not publish, deliveries SNS failed per tier and undelivered schedule starts', () => {
    const alarms = logicalIds(s.json, 'AWS::CloudWatch::Alarm').map((alarm) => props(alarm));
    expect(alarms.filter((alarm) => alarm.MetricName === 'NotificationsFailed')).toEqual([
      expect.objectContaining({
        AlarmName: 'geotech-dev-notifications-failed',
        Namespace: 'GeotechMonitoring',
        Dimensions: [{ Name: 'service', Value: 'escalation' }],
        Statistic: 'Sum',
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
    expect(PIPELINE_METRICS.notificationsFailed).toBe('NotificationsFailed');
    const deliveries = alarms.filter(
      (alarm) => alarm.MetricName === 'NumberOfNotificationsFailed' && String(alarm.AlarmName).includes('deliveries-failed'),
    );
    expect(deliveries.map((alarm) => alarm.AlarmName)).toEqual([
      'geotech-dev-tier1-deliveries-failed',
      'geotech-dev-tier2-deliveries-failed',
      'geotech-dev-tier3-deliveries-failed',
    ]);
    deliveries.forEach((alarm, index) => {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SNS',
        Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [tierTopics()[index], 'TopicName'] } }],
        Threshold: 1,
      });
    });
    expect(alarms.find((alarm) => alarm.AlarmName === 'geotech-dev-escalation-schedule-failures-depth')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    for (const name of ['geotech-dev-escalation-errors', 'geotech-dev-alarm-api-errors', 'geotech-dev-alarm-api-throttles'])
      expect(alarms.map((alarm) => alarm.AlarmName)).toContain(name);
  });

  it('outputs what the alarm CLI needs to reach a deployed stage', () => {
    expect(s.json.Outputs).toMatchObject({
      AlarmsApiUrl: { Value: { 'Fn::GetAtt': [api(), 'ApiEndpoint'] } },
      AlarmsCliClientId: { Value: ref(client()) },
      AlarmsUserPoolId: { Value: ref(userPool()) },
    });
  });
});

describe('site console', () => {
  const distribution = () => id('AWS::CloudFront::Distribution', 'ConsoleDistribution');
  const bucket = () => id('AWS::S3::Bucket', 'ConsoleBucket');
  const logBucket = () => id('AWS::S3::Bucket', 'ConsoleAccessLogs');
  const consoleClient = () => id('AWS::Cognito::UserPoolClient', 'ConsoleClient');
  const origin = () => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution(), 'DomainName'] }]] });
  const originWith = (suffix: string) => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution(), 'DomainName'] }, suffix]] });
  const config = () => {
    const distributionConfig = props(distribution()).DistributionConfig as Record<string, unknown>;
    return distributionConfig;
  };

  it('keeps the bundle in a private, encrypted bucket that refuses plain HTTP and logs its access', () => {
    expect(props(bucket())).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: ref(logBucket()), LogFilePrefix: 's3/' },
    });
    expect(props(logBucket())).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
    });
    for (const b of [bucket(), logBucket()]) {
      const [policy] = logicalIds(s.json, 'AWS::S3::BucketPolicy').filter(
        (p) => JSON.stringify(props(p).Bucket) === JSON.stringify(ref(b)),
      );
      expect((props(policy!).PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('serves the bucket through CloudFront with origin access control only: HTTPS, index.html at the root, access logs', () => {
    const oac = id('AWS::CloudFront::OriginAccessControl', 'ConsoleDistributionOrigin1S3OriginAccessControl');
    expect(props(oac)).toMatchObject({
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    expect(config()).toMatchObject({
      DefaultRootObject: 'index.html',
      Origins: [{ DomainName: { 'Fn::GetAtt': [bucket(), 'RegionalDomainName'] }, OriginAccessControlId: { 'Fn::GetAtt': [oac, 'Id'] } }],
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        ResponseHeadersPolicyId: ref(id('AWS::CloudFront::ResponseHeadersPolicy', 'ConsoleHeaders')),
        FunctionAssociations: [
          {
            EventType: 'viewer-request',
            FunctionARN: { 'Fn::GetAtt': [id('AWS::CloudFront::Function', 'ConsoleAppPaths'), 'FunctionARN'] },
          },
        ],
      },
      Logging: { Bucket: { 'Fn::GetAtt': [logBucket(), 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
    });
    // The default certificate: no alias, so no TLS policy can be set (variants.test.ts covers a stage with its own name).
    expect(config().ViewerCertificate).toBeUndefined();
    const [policy] = logicalIds(s.json, 'AWS::S3::BucketPolicy').filter(
      (p) => JSON.stringify(props(p).Bucket) === JSON.stringify(ref(bucket())),
    );
    const reads = (props(policy!).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.filter(
      (st) => st.Effect === 'Allow',
    );
    expect(reads).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', ref(distribution())],
              ],
            },
          },
        },
      }),
    ]);
  });

  it('answers the app paths with index.html and lets files through, in the viewer-request function', () => {
    const code = props(id('AWS::CloudFront::Function', 'ConsoleAppPaths')).FunctionCode as string;
    expect(code).toBe(APP_PATHS_FUNCTION);
    expect(props(id('AWS::CloudFront::Function', 'ConsoleAppPaths')).FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
    const uri = (path: string) => handler({ request: { uri: path } }).uri;
    expect(uri('/')).toBe('/index.html');
    expect(uri('/alarms')).toBe('/index.html');
    expect(uri('/alarms/BH-1%402026-11-22T08%3A30%3A40Z')).toBe('/index.html');
    expect(uri('/alarms/BH-1@2026-11-22T08:30:40.000Z')).toBe('/index.html');
    expect(uri('/instruments/PZ-101')).toBe('/index.html');
    expect(uri('/callback')).toBe('/index.html');
    expect(uri('/config.json')).toBe('/config.json');
    expect(uri('/assets/app-KIVEOEP4.js')).toBe('/assets/app-KIVEOEP4.js');
  });

  it('sends a CSP allowing only itself, the Region API Gateway and the Cognito domain, with HSTS, no framing, no sniffing and a referrer policy', () => {
    const headers = (
      props(id('AWS::CloudFront::ResponseHeadersPolicy', 'ConsoleHeaders')).ResponseHeadersPolicyConfig as Record<string, unknown>
    ).SecurityHeadersConfig as Record<string, Record<string, unknown>>;
    const csp = JSON.stringify(headers.ContentSecurityPolicy!.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("connect-src 'self' https://*.execute-api.");
    expect(csp).toContain(id('AWS::Cognito::UserPoolDomain', 'RealtimeStoreLoginUserPoolDomain'));
    expect(csp).toContain('.amazoncognito.com');
    expect(headers).toMatchObject({
      ContentSecurityPolicy: { Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
    });
  });

  it('signs in through a public Cognito app client: authorization code only (PKCE), no secret, callbacks on the console', () => {
    expect(props(consoleClient())).toMatchObject({
      UserPoolId: ref(id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool')),
      ClientName: 'geotech-dev-console',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [originWith('/callback')],
      LogoutURLs: [originWith('/')],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('lets the console call the API: its origin alone in CORS, its client among the audiences', () => {
    expect(props(id('AWS::ApiGatewayV2::Api', 'AlarmApiHttpApi')).CorsConfiguration).toEqual({
      AllowOrigins: [origin()],
      AllowMethods: ['GET', 'POST', 'PUT'],
      AllowHeaders: ['authorization', 'content-type'],
      MaxAge: 3600,
    });
  });

  it('deploys the built bundle and a config.json naming the API, the sign-in domain and the client', () => {
    const deployments = logicalIds(s.json, 'Custom::CDKBucketDeployment').map((d) => props(d));
    expect(deployments).toHaveLength(2);
    const assets = deployments.find((d) => d.DestinationBucketKeyPrefix === 'assets/')!;
    expect(assets).toMatchObject({
      DestinationBucketName: ref(bucket()),
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    const pages = deployments.find((d) => d !== assets)!;
    expect(pages).toMatchObject({
      DestinationBucketName: ref(bucket()),
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: ref(distribution()),
      DistributionPaths: ['/index.html', '/config.json'],
    });
    // config.json is written at deploy time from markers: the API endpoint, the hosted domain and the client id.
    const markers = JSON.stringify(pages.SourceMarkers);
    expect(markers).toContain(JSON.stringify({ 'Fn::GetAtt': [id('AWS::ApiGatewayV2::Api', 'AlarmApiHttpApi'), 'ApiEndpoint'] }));
    expect(markers).toContain(JSON.stringify(ref(consoleClient())));
    expect(markers).toContain(JSON.stringify(ref(id('AWS::Cognito::UserPoolDomain', 'RealtimeStoreLoginUserPoolDomain'))));
    // The asset the pages come from holds the built index.html, naming a hashed script that the assets' asset holds.
    const assetDirs = readdirSync(s.outdir).filter((entry) => entry.startsWith('asset.'));
    const withIndex = assetDirs.filter((dir) => existsSync(path.join(s.outdir, dir, 'index.html')));
    expect(withIndex).toHaveLength(1);
    const script = /src="\/assets\/(app-[A-Z0-9]+\.js)"/.exec(readFileSync(path.join(s.outdir, withIndex[0]!, 'index.html'), 'utf8'))?.[1];
    expect(script).toBeDefined();
    expect(assetDirs.some((dir) => existsSync(path.join(s.outdir, dir, script!)))).toBe(true);
    expect(existsSync(path.join(s.outdir, withIndex[0]!, 'build-manifest.json'))).toBe(false);
  });

  it('outputs the console URL and the distribution domain', () => {
    expect(s.json.Outputs).toMatchObject({
      ConsoleUrl: { Value: originWith('/') },
      ConsoleDistributionDomain: { Value: { 'Fn::GetAtt': [distribution(), 'DomainName'] } },
    });
  });
});

describe('recovery outputs', () => {
  it('outputs what the recovery commands need to reach a deployed stage and process as its processors do', () => {
    const outputs = s.json.Outputs as Record<string, { Value: unknown }>;
    for (const name of [
      'StreamName',
      'DatabaseClusterArn',
      'DatabaseSecretArn',
      'DatabaseName',
      'ProcessingFailuresQueueUrl',
      'QuarantineQueueUrl',
      'OpenSearchEndpoint',
    ])
      expect(outputs[name], name).toBeDefined();
    expect(
      Object.fromEntries(
        ['WindowSeconds', 'AllowedLatenessSeconds', 'LateHorizonSeconds', 'TumblingWindowSeconds', 'OpenSearchIndexPrefix'].map((n) => [
          n,
          outputs[n]?.Value,
        ]),
      ),
    ).toEqual({
      WindowSeconds: '10',
      AllowedLatenessSeconds: '30',
      LateHorizonSeconds: String(168 * 3600),
      TumblingWindowSeconds: '60',
      OpenSearchIndexPrefix: 'geotech',
    });
  });
});

describe('protection', () => {
  it('protects the stack from deletion and retains the stateful resources by default', () => {
    expect(s.stack.terminationProtection).toBe(true);
    for (const [type, prefix] of [
      ['AWS::Kinesis::Stream', 'ReadingsStream'],
      ['AWS::OpenSearchService::Domain', 'RealtimeStoreDomain'],
      ['AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool'],
      ['AWS::KMS::Key', 'BatchStoreKey'],
      ['AWS::KMS::Key', 'ReadingsKey'],
      ['AWS::SQS::Queue', 'QuarantineQueue'],
      ['AWS::SQS::Queue', 'EscalationScheduleFailuresQueue'],
      ['AWS::Logs::LogGroup', 'AlarmApiAccessLogs'],
    ] as const) {
      expect(s.json.Resources[id(type, prefix)]?.DeletionPolicy, prefix).toBe('Retain');
    }
    expect(props(id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool')).DeletionProtection).toBe('ACTIVE');
  });
});

describe('least privilege', () => {
  const logsOf = (prefix: string) =>
    access([[['logs:CreateLogStream', 'logs:PutLogEvents'], [id('AWS::Logs::LogGroup', `${prefix}LogGroup`)]]]);

  it('grants no action with a wildcard and no resource "*" in any IAM policy', () => {
    for (const [logicalId, resource] of Object.entries(s.json.Resources)) {
      const documents =
        resource.Type === 'AWS::IAM::Policy'
          ? [resource.Properties?.PolicyDocument]
          : resource.Type === 'AWS::IAM::Role'
            ? ((resource.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((policy) => policy.PolicyDocument)
            : [];
      for (const document of documents) {
        for (const statement of (document as { Statement: { Action: unknown; Resource: unknown }[] }).Statement) {
          for (const action of [statement.Action].flat()) expect(String(action), `${logicalId}`).not.toContain('*');
          for (const target of [statement.Resource].flat()) expect(target, `${logicalId}`).not.toBe('*');
        }
      }
    }
  });

  it('has `*` in a resource ARN only where lib/README.md says: function versions, domain paths, the project index patterns, console objects', () => {
    const kinds = new Set<string>();
    for (const role of logicalIds(s.json, 'AWS::IAM::Role')) {
      for (const permission of permissionsOf(s.json, role)) {
        for (const resource of permission.resources.filter((text) => text.includes('*'))) {
          const kind = /"Arn"\]\},":\*"\]/.test(resource)
            ? 'function versions'
            : /"Arn"\]\},"\/\*"\]/.test(resource) && permission.action.startsWith('es:')
              ? 'domain paths'
              : /"\/geotech-\*(\/\*)?"\]/.test(resource)
                ? 'index patterns'
                : role.startsWith('ConsoleDeployRole') && permission.action.startsWith('s3:') && /"\/\*"\]/.test(resource)
                  ? 'console objects'
                  : `unexpected: ${role} ${permission.action} ${resource}`;
          kinds.add(kind);
        }
      }
    }
    expect([...kinds].sort()).toEqual(['console objects', 'domain paths', 'function versions', 'index patterns']);
    const managed = logicalIds(s.json, 'AWS::IAM::Role').flatMap((role) =>
      ((props(role).ManagedPolicyArns as unknown[] | undefined) ?? []).map((policy) =>
        JSON.stringify(policy).replace(/.*policy\/([\w/-]+).*/, '$1'),
      ),
    );
    expect(managed.sort()).toEqual([
      'AmazonOpenSearchServiceCognitoAccess',
      'service-role/AWSLambdaBasicExecutionRole',
      'service-role/AmazonRDSEnhancedMonitoringRole',
    ]);
  });

  it('console deployment: read the staged bundle, write the console bucket, invalidate its distribution, log; its function runs under that role', () => {
    const role = id('AWS::IAM::Role', 'ConsoleDeployRole');
    const bucket = id('AWS::S3::Bucket', 'ConsoleBucket');
    const map = accessMap(s.json, role);
    expect(Object.keys(map)).toEqual([
      'cloudfront:CreateInvalidation',
      'cloudfront:GetInvalidation',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    expect(map['cloudfront:CreateInvalidation']).toEqual([id('AWS::CloudFront::Distribution', 'ConsoleDistribution')]);
    expect(map['logs:PutLogEvents']).toEqual([id('AWS::Logs::LogGroup', 'ConsoleDeployLogs')]);
    expect(map['s3:PutObject']).toEqual([bucket]);
    expect(map['s3:ListBucket']).toEqual([bucket]);
    // Reads: the console bucket, and the CDK's staging bucket (a literal of the bootstrap's asset bucket).
    expect(map['s3:GetObject']).toHaveLength(2);
    expect(map['s3:GetObject']).toContain(bucket);
    expect(map['s3:GetObject']!.find((r) => r !== bucket)).toMatch(/^literal:.*cdk-[a-z0-9]+-assets-/);
    const deployFunction = logicalIds(s.json, 'AWS::Lambda::Function', 'CustomCDKBucketDeployment');
    expect(deployFunction).toHaveLength(1);
    expect(roleOfFunction(s.json, deployFunction[0]!)).toBe(role);
  });

  it('poller: put records on the stream, quarantine rejects, call the simulator URL, nothing else', () => {
    const stream = id('AWS::Kinesis::Stream', 'ReadingsStream');
    const simulator = fn('SimulatorHandler');
    expect(accessMap(s.json, roleOfFunction(s.json, fn('PollerHandler')))).toEqual({
      ...logsOf('PollerHandler'),
      ...access([
        [['kinesis:PutRecords', 'kinesis:DescribeStreamSummary'], [stream]],
        [['kms:GenerateDataKey'], [id('AWS::KMS::Key', 'ReadingsKey'), id('AWS::KMS::Key', 'MessagingKey')]],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'MessagingKey')]],
        [['sqs:SendMessage'], [id('AWS::SQS::Queue', 'QuarantineQueue')]],
        [['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'], [simulator]],
        [['dynamodb:GetItem', 'dynamodb:PutItem'], [id('AWS::DynamoDB::Table', 'PollerCursors')]],
        [['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], [id('AWS::KMS::Key', 'PollerCursorKey')]],
      ]),
    });
  });

  it('keeps the poller’s history cursors in an encrypted table with point-in-time recovery', () => {
    const table = id('AWS::DynamoDB::Table', 'PollerCursors');
    expect(props(table)).toMatchObject({
      KeySchema: [{ AttributeName: 'path', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arn(id('AWS::KMS::Key', 'PollerCursorKey')) },
    });
  });

  it('batch processor: read the stream, use the Data API and its secret, send failures, nothing else (no topic)', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('BatchProcessorHandler')))).toEqual({
      ...logsOf('BatchProcessorHandler'),
      ...access([
        [streamReadActions, [id('AWS::Kinesis::Stream', 'ReadingsStream')]],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'ReadingsKey'), id('AWS::KMS::Key', 'MessagingKey'), id('AWS::KMS::Key', 'BatchStoreKey')]],
        [dataApiActions, [id('AWS::RDS::DBCluster', 'BatchStoreCluster')]],
        [
          ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          [id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')],
        ],
        [['kms:GenerateDataKey'], [id('AWS::KMS::Key', 'MessagingKey')]],
        [['sqs:SendMessage'], [id('AWS::SQS::Queue', 'ProcessingFailuresQueue')]],
      ]),
    });
  });

  it('decrypts the database secret only through Secrets Manager', () => {
    const permissions = accessMap(s.json, roleOfFunction(s.json, fn('BatchProcessorHandler')));
    expect(permissions['kms:Decrypt']).toContain(id('AWS::KMS::Key', 'BatchStoreKey'));
    const role = roleOfFunction(s.json, fn('BatchProcessorHandler'));
    const decryptDatabaseKey = Object.values(s.json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes(role))
      .flatMap((resource) => (resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
      .find((statement) => JSON.stringify(statement.Resource).includes(id('AWS::KMS::Key', 'BatchStoreKey')));
    expect(JSON.stringify(decryptDatabaseKey?.Condition)).toContain('secretsmanager.');
  });

  it('realtime processor: read the stream, write only the project indices and _bulk, quarantine, send failures, nothing else', () => {
    const domain = id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain');
    const role = roleOfFunction(s.json, fn('RealtimeProcessorHandler'));
    expect(accessMap(s.json, role)).toEqual({
      ...logsOf('RealtimeProcessorHandler'),
      ...access([
        [streamReadActions, [id('AWS::Kinesis::Stream', 'ReadingsStream')]],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'ReadingsKey'), id('AWS::KMS::Key', 'MessagingKey')]],
        [['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut'], [domain]],
        [['kms:GenerateDataKey'], [id('AWS::KMS::Key', 'MessagingKey')]],
        [['sqs:SendMessage'], [id('AWS::SQS::Queue', 'ProcessingFailuresQueue'), id('AWS::SQS::Queue', 'QuarantineQueue')]],
      ]),
    });
    const paths = permissionsOfAction(role, 'es:ESHttpPost').map((resource) => resource.replace(/.*"(\/[^"]*)".*/, '$1'));
    expect(paths.sort()).toEqual(['/_bulk', '/geotech-*', '/geotech-*/*']);
  });

  it('quarantine recorder: consume the quarantine queue, use the Data API and its secret, nothing else', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('QuarantineRecorderHandler')))).toEqual({
      ...logsOf('QuarantineRecorderHandler'),
      ...access([
        [['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], [id('AWS::SQS::Queue', 'QuarantineQueue')]],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'MessagingKey'), id('AWS::KMS::Key', 'BatchStoreKey')]],
        [dataApiActions, [id('AWS::RDS::DBCluster', 'BatchStoreCluster')]],
        [
          ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          [id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')],
        ],
      ]),
    });
  });

  it('simulator: write its own logs only', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('SimulatorHandler')))).toEqual(logsOf('SimulatorHandler'));
  });

  it('migration: the Data API as the owner, and the secrets of the roles whose passwords it sets, only', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('SchemaMigrationsHandler')))).toEqual({
      ...logsOf('SchemaMigrationsHandler'),
      ...access([
        [dataApiActions, [id('AWS::RDS::DBCluster', 'BatchStoreCluster')]],
        [
          ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          [
            id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreClusterSecretAttachment'),
            id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment'),
            id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreReportingSecretAttachment'),
          ],
        ],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'BatchStoreKey')]],
      ]),
    });
  });

  it('escalation function: publish to the tier topics, use the Data API and its secret, nothing else', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('EscalationHandler')))).toEqual({
      ...logsOf('EscalationHandler'),
      ...access([
        [
          ['sns:Publish'],
          [id('AWS::SNS::Topic', 'AlertsTopic'), id('AWS::SNS::Topic', 'EscalationTier2'), id('AWS::SNS::Topic', 'EscalationTier3')],
        ],
        [['kms:GenerateDataKey'], [id('AWS::KMS::Key', 'MessagingKey')]],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'MessagingKey'), id('AWS::KMS::Key', 'BatchStoreKey')]],
        [dataApiActions, [id('AWS::RDS::DBCluster', 'BatchStoreCluster')]],
        [
          ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          [id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')],
        ],
      ]),
    });
  });

  it('alarm API function: the Data API and its secret, and put records on the stream (manual readings), nothing else', () => {
    expect(accessMap(s.json, roleOfFunction(s.json, fn('AlarmApiHandler')))).toEqual({
      ...logsOf('AlarmApiHandler'),
      ...access([
        [['kinesis:PutRecords', 'kinesis:DescribeStreamSummary'], [id('AWS::Kinesis::Stream', 'ReadingsStream')]],
        [['kms:GenerateDataKey'], [id('AWS::KMS::Key', 'ReadingsKey')]],
        [dataApiActions, [id('AWS::RDS::DBCluster', 'BatchStoreCluster')]],
        [
          ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          [id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')],
        ],
        [['kms:Decrypt'], [id('AWS::KMS::Key', 'BatchStoreKey')]],
      ]),
    });
  });

  it('escalation schedule: invoke the escalation function and put undelivered starts in its dead-letter queue, nothing else', () => {
    expect(accessMap(s.json, id('AWS::IAM::Role', 'EscalationScheduleRole'))).toEqual(
      access([
        [['lambda:InvokeFunction'], [fn('EscalationHandler')]],
        [['sqs:SendMessage'], [id('AWS::SQS::Queue', 'EscalationScheduleFailuresQueue')]],
        [['kms:GenerateDataKey', 'kms:Decrypt'], [id('AWS::KMS::Key', 'MessagingKey')]],
      ]),
    );
  });

  it('owner secret: read by the migration function alone', () => {
    const owner = id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreClusterSecretAttachment');
    const readers = logicalIds(s.json, 'AWS::IAM::Role').filter((role) =>
      (accessMap(s.json, role)['secretsmanager:GetSecretValue'] ?? []).includes(owner),
    );
    expect(readers).toEqual([roleOfFunction(s.json, fn('SchemaMigrationsHandler'))]);
  });

  it('schedule: invoke the poller only', () => {
    expect(accessMap(s.json, id('AWS::IAM::Role', 'PollerScheduleRole'))).toEqual(
      access([[['lambda:InvokeFunction'], [fn('PollerHandler')]]]),
    );
  });

  function permissionsOfAction(role: string, action: string): string[] {
    return Object.values(s.json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes(role))
      .flatMap((resource) => (resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
      .filter((statement) => [statement.Action].flat().includes(action))
      .flatMap((statement) => [statement.Resource].flat().map((resource) => JSON.stringify(resource)));
  }
});

const streamReadActions = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamConsumer',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:ListStreams',
  'kinesis:SubscribeToShard',
];
const dataApiActions = [
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:ExecuteStatement',
  'rds-data:RollbackTransaction',
];

describe('security findings', () => {
  const rotationGroup = () => id('AWS::EC2::SecurityGroup', 'BatchStoreRotationSecurityGroup');
  const groupId = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'GroupId'] });

  it('lets the rotation functions reach the Secrets Manager endpoint on 443, and the cluster, and nothing else', () => {
    const endpointGroup = id('AWS::EC2::SecurityGroup', 'BatchStoreVpcSecretsManagerSecurityGroup');
    const ingress = logicalIds(s.json, 'AWS::EC2::SecurityGroupIngress').map(props);
    expect(ingress).toContainEqual(
      expect.objectContaining({
        GroupId: groupId(endpointGroup),
        SourceSecurityGroupId: groupId(rotationGroup()),
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      }),
    );
    // The endpoint is open to nothing else: no CIDR rule on it.
    expect(props(endpointGroup).SecurityGroupIngress).toBeUndefined();
    // No egress to any address: only the two rules to the endpoint's and the cluster's groups.
    expect(props(rotationGroup()).SecurityGroupEgress).toBeUndefined();
    const egress = logicalIds(s.json, 'AWS::EC2::SecurityGroupEgress')
      .map(props)
      .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(groupId(rotationGroup())));
    expect(
      egress
        .map((rule) => referencedLogicalIds(s.json, JSON.stringify(rule.DestinationSecurityGroupId)))
        .flat()
        .sort(),
    ).toEqual([endpointGroup, id('AWS::EC2::SecurityGroup', 'BatchStoreClusterSecurityGroup')].sort());
  });

  it('rotates the owner, application and reporting secrets with functions in the rotation security group, through the endpoint', () => {
    const applications = logicalIds(s.json, 'AWS::Serverless::Application').map(props);
    expect(applications).toHaveLength(3);
    const endpoint = id('AWS::EC2::VPCEndpoint', 'BatchStoreVpcSecretsManager');
    for (const application of applications) {
      const parameters = application.Parameters as Record<string, unknown>;
      expect(parameters.vpcSecurityGroupIds).toEqual(groupId(rotationGroup()));
      expect(JSON.stringify(parameters.endpoint)).toContain(endpoint);
    }
    const multiUser = applications.filter(
      (application) => (application.Parameters as Record<string, unknown>).masterSecretArn !== undefined,
    );
    expect(multiUser).toHaveLength(2);
    for (const application of multiUser) {
      expect((application.Parameters as Record<string, unknown>).masterSecretArn).toEqual(
        ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreClusterSecretAttachment')),
      );
    }
  });

  it('sends rotation failures of the three secrets to the ops topic, which EventBridge may encrypt for', () => {
    const rule = props(id('AWS::Events::Rule', 'SecretRotationFailuresRule'));
    expect(rule.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationFailed', 'RotationAbandoned'],
        additionalEventData: {
          SecretId: [
            'BatchStoreClusterSecretAttachment',
            'BatchStoreApplicationSecretAttachment',
            'BatchStoreReportingSecretAttachment',
          ].map((secret) => ref(id('AWS::SecretsManager::SecretTargetAttachment', secret))),
        },
      },
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: ref(id('AWS::SNS::Topic', 'OpsNotificationsTopic')) })]);
    const statements = (props(id('AWS::KMS::Key', 'MessagingKey')).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' } }));
  });

  it('gives the application and reporting roles secrets of their own, encrypted with the cluster key, rotated after the migrations set them', () => {
    const secret = (prefix: string) => props(id('AWS::SecretsManager::Secret', prefix));
    // The username, and the owner's secret as the master multi-user rotation signs in with.
    const template = (prefix: string) =>
      JSON.stringify((secret(prefix).GenerateSecretString as { SecretStringTemplate: unknown }).SecretStringTemplate);
    const owner = id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreClusterSecretAttachment');
    expect(template('BatchStoreApplicationSecret')).toContain('\\"username\\":\\"geotech_app\\",\\"masterarn\\"');
    expect(template('BatchStoreReportingSecret')).toContain('\\"username\\":\\"geotech_reporting\\",\\"masterarn\\"');
    for (const prefix of ['BatchStoreApplicationSecret', 'BatchStoreReportingSecret']) expect(template(prefix)).toContain(owner);
    for (const prefix of ['BatchStoreApplicationSecret', 'BatchStoreReportingSecret']) {
      expect(secret(prefix)).toMatchObject({
        Name: `geotech-dev-batch/${prefix === 'BatchStoreApplicationSecret' ? 'application' : 'reporting'}`,
      });
      expect(secret(prefix).KmsKeyId).toEqual(arn(id('AWS::KMS::Key', 'BatchStoreKey')));
    }
    const migrations = id('Custom::SchemaMigrations', 'SchemaMigrations');
    for (const schedule of [
      'BatchStoreApplicationSecretAttachmentRotationSchedule',
      'BatchStoreReportingSecretAttachmentRotationSchedule',
    ]) {
      expect(props(id('AWS::SecretsManager::RotationSchedule', schedule)).RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
      expect([s.json.Resources[id('AWS::SecretsManager::RotationSchedule', schedule)]?.DependsOn].flat()).toContain(migrations);
    }
    expect(environment(fn('SchemaMigrationsHandler'))).toMatchObject({
      DB_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreClusterSecretAttachment')),
      DB_APPLICATION_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreApplicationSecretAttachment')),
      DB_REPORTING_SECRET_ARN: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreReportingSecretAttachment')),
    });
  });

  it('requires TLS on every database connection and monitors the instances', () => {
    const group = id('AWS::RDS::DBClusterParameterGroup', 'BatchStoreClusterParameterGroup');
    expect(props(group).Parameters).toEqual({ 'rds.force_ssl': '1' });
    expect(props(id('AWS::RDS::DBCluster', 'BatchStoreCluster')).DBClusterParameterGroupName).toEqual(ref(group));
    expect(props(id('AWS::RDS::DBInstance', 'BatchStoreClusterwriter'))).toMatchObject({
      MonitoringInterval: 60,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: arn(id('AWS::KMS::Key', 'BatchStoreKey')),
    });
    // One writer and no reader by default (auroraReaders=0).
    expect(logicalIds(s.json, 'AWS::RDS::DBInstance')).toHaveLength(1);
  });

  it('encrypts every log group with the logs key, which CloudWatch Logs may use for this account’s log groups only', () => {
    const key = id('AWS::KMS::Key', 'LogsKey');
    const groups = logicalIds(s.json, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(10);
    for (const group of groups) expect(props(group).KmsKeyId, group).toEqual(arn(key));
    const statements = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.find((statement) => statement.Sid === 'CloudWatchLogsEncryptsThisAccountsLogGroups');
    expect(JSON.stringify(logs?.Principal)).toContain('logs.');
    expect(JSON.stringify(logs?.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
    expect(props(key).EnableKeyRotation).toBe(true);
  });

  it('keeps the OpenSearch audit log when the stack goes, like the domain', () => {
    expect(s.json.Resources[id('AWS::Logs::LogGroup', 'RealtimeStoreAuditLogs')]?.DeletionPolicy).toBe('Retain');
  });

  it('warns at synth that nobody is subscribed to the alert and ops topics', () => {
    const warnings = s.assembly
      .getStackArtifact(s.stack.artifactId)
      .messages.filter((message) => message.level === 'warning')
      .map((message) => String(message.entry.data));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('The alert topic has no subscriber'),
        expect.stringContaining('The operations topic has no subscriber'),
      ]),
    );
  });

  it.skipIf(!checkovExecutable())(
    'passes checkov but for the findings lib/checks/checkov-skips.json lists (skipped where checkov is not installed; .ci/run installs it)',
    () => {
      const template = path.join(s.outdir, s.assembly.getStackArtifact(s.stack.artifactId).templateFile);
      const result = spawnSync(
        checkovExecutable()!,
        ['-f', template, '--framework', 'cloudformation', '-o', 'json', '--quiet', '--compact'],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const { unlisted } = judgeCheckov(checkovFailures(JSON.parse(result.stdout)), loadCheckovSkips());
      expect(unlisted.map((failure) => `${failure.check} ${failure.logicalId}`)).toEqual([]);
    },
  );
});

describe('checks', () => {
  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(
      report.violations.map(
        (violation) => `${violation.ruleName} ${violation.violatingResources.map((r) => r.resourceLogicalId).join(',')}`,
      ),
    ).toEqual([]);
  });

  it('acknowledges cdk-nag findings only on specific resources, each naming the exact finding and a reason', () => {
    const acknowledgements: { path: string; id: string; reason: string }[] = [];
    for (const construct of s.app.node.findAll()) {
      for (const entry of construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [ruleId, reason] of Object.entries(entry.data as Record<string, string>)) {
          if (ruleId.includes('AwsSolutions'))
            acknowledgements.push({ path: construct.node.path, id: ruleId.replace(/^annotation::/i, ''), reason });
        }
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect(acknowledgement.path.split('/').length, `${acknowledgement.id} at ${acknowledgement.path}`).toBeGreaterThan(2);
      expect(acknowledgement.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      if (/IAM[45]/.test(acknowledgement.id)) expect(acknowledgement.id).toMatch(/\[(Action|Resource|Policy)::.+\]$/);
      expect(acknowledgement.reason.length, acknowledgement.id).toBeGreaterThan(40);
    }
  });

  it('bundles every project function with esbuild as minified ESM for ARM64 on the newest Node.js runtime', () => {
    const ours = [
      'PollerHandler',
      'SimulatorHandler',
      'BatchProcessorHandler',
      'RealtimeProcessorHandler',
      'QuarantineRecorderHandler',
      'SchemaMigrationsHandler',
      'RealtimeStoreSetup',
      'EscalationHandler',
      'AlarmApiHandler',
    ].map(fn);
    for (const functionId of ours) {
      const lambda = props(functionId);
      expect(lambda).toMatchObject({ Runtime: NODE_RUNTIME.name, Architectures: ['arm64'], Handler: 'index.handler' });
      const assetHash = String((lambda.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
      const bundle = path.join(s.outdir, `asset.${assetHash}`, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      // esbuild marks each module with a `// path` comment unless it minifies (embedded SQL keeps its own lines).
      expect(code, 'a minified bundle carries no module path comments').not.toMatch(/^\/\/ (lambdas|node_modules)\//m);
      expect(code, 'a minified bundle has no indented statement lines').not.toMatch(/^ {2}(const|let|var|return|function|if) /m);
      expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';"), 'ESM output with the require shim').toBe(
        true,
      );
      expect(code).toMatch(/export\{[^}]*\bas handler[,}]/);
    }
    expect(NODE_RUNTIME.name).toBe('nodejs24.x');
  });

  it.skipIf(!hasCfnLint())('passes cfn-lint with no errors (skipped where cfn-lint is not installed; .ci/run installs it)', () => {
    const templates = s.assembly.stacks.map((stack) => path.join(s.outdir, stack.templateFile));
    const result = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
    expect(result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('matches the template snapshot (asset hashes and content hashes stripped)', async () => {
    await expect(JSON.stringify(stableTemplate(s.json), null, 2) + '\n').toMatchFileSnapshot('./__snapshots__/default.template.json');
  });
});

/** The template with values that change whenever handler code changes replaced by placeholders. */
function stableTemplate(json: object): unknown {
  return JSON.parse(
    JSON.stringify(json)
      .replace(/[0-9a-f]{64}\.zip/g, '<asset>.zip')
      .replace(/"(MigrationsHash|SetupHash)":"[0-9a-f]{64}"/g, '"$1":"<content hash>"'),
  );
}

function hasCfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
