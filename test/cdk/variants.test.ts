import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, accessMap } from './access.js';
import { logicalIds, onlyLogicalId, roleOfFunction, synthesize, type Synthesized, hasCfnLint } from './synth.js';

/**
 * A production stage: a real source API with a key in Secrets Manager under a customer managed
 * key, a provisioned stream, five-minute windows, the production search profile with Dashboards
 * limited to one network, a reader in another zone, scale-to-zero Aurora, subscriptions, two
 * escalation tiers with contacts by level and no reminders, the site console on its own domain
 * name, and deletion protection off. Synthesized once for every test here.
 */
const SOURCE_KEY = 'arn:aws:kms:ap-southeast-2:123456789012:key/0d4e7b52-1f7a-4a4d-9c55-3a2e1f0b9c11';
const PROD = {
  env: 'prod',
  production: 'true',
  openSearchProfile: 'production',
  auroraReaders: '1',
  dashboardsAllowedCidrs: '203.0.113.0/24,2001:db8::/32',
  sourceApiKeyKmsKeyArn: SOURCE_KEY,
  account: '123456789012',
  region: 'ap-southeast-2',
  simulator: false,
  sourceBaseUrl: 'https://monitoring.example.com/api/',
  sourceApiKeySecretName: 'geotech/source-api-key',
  streamMode: 'provisioned',
  shardCount: '2',
  streamRetentionHours: '168',
  windowSeconds: '300',
  tumblingWindowSeconds: '300',
  openSearchInstanceCount: '3',
  auroraMinCapacity: '0',
  deletionProtection: 'false',
  alertEmails: 'engineer@example.com,site@example.com',
  alertSms: '+61400111222',
  opsEmails: 'ops@example.com',
  escalationTiers: '2',
  reminderIntervalMinutes: '0',
  escalationContacts: '1:action:+61400999888,2:alarm+action:lead@example.com,2:action:+61400333444',
  consoleDomainName: 'console.monitoring.example.com',
  consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b3c9d2e-1f4a-4b5c-8d6e-7f8091a2b3c4',
};

let s: Synthesized;
beforeAll(() => {
  s = synthesize(PROD);
});
afterAll(() => s?.dispose());

const id = (type: string, prefix: string) => onlyLogicalId(s.json, type, prefix);
const props = (logicalId: string) => s.json.Resources[logicalId]?.Properties ?? {};
const poller = () => id('AWS::Lambda::Function', 'PollerHandlerFunction');

describe('a production stage', () => {
  it('names the stack and resources after the stage and deploys to the configured account and Region', () => {
    expect(s.stack.stackName).toBe('GeotechMonitoring-prod');
    expect(s.stack.account).toBe('123456789012');
    expect(s.stack.region).toBe('ap-southeast-2');
    expect(props(id('AWS::Kinesis::Stream', 'ReadingsStream')).Name).toBe('geotech-prod-readings');
    expect(props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).DomainName).toBe('geotech-prod');
    expect(props(id('AWS::Cognito::UserPoolDomain', 'RealtimeStoreLoginUserPoolDomain')).Domain).toBe('geotech-prod-123456789012');
  });

  it('polls the real source with its API key read from Secrets Manager at run time, not from the environment', () => {
    s.template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(logicalIds(s.json, 'AWS::Lambda::Function', 'SimulatorHandler')).toEqual([]);
    const env = (props(poller()).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      SOURCE_BASE_URL: 'https://monitoring.example.com/api/',
      SOURCE_AUTH: 'api-key',
      SOURCE_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:geotech/source-api-key',
    });
    const map = accessMap(s.json, roleOfFunction(s.json, poller()));
    expect(map['secretsmanager:GetSecretValue']).toEqual([
      'literal:"arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:geotech/source-api-key-??????"',
    ]);
    expect(Object.keys(map).filter((action) => action.startsWith('lambda:'))).toEqual([]);
  });

  it('decrypts the API key secret with its customer managed key, through Secrets Manager only', () => {
    const role = roleOfFunction(s.json, poller());
    expect(accessMap(s.json, role)['kms:Decrypt']).toContain(`literal:"${SOURCE_KEY}"`);
    const statement = Object.values(s.json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes(role))
      .flatMap((resource) => (resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
      .find((candidate) => candidate.Resource === SOURCE_KEY);
    expect(statement?.Action).toBe('kms:Decrypt');
    expect(JSON.stringify(statement?.Condition)).toContain(
      '{"StringEquals":{"kms:ViaService":{"Fn::Join":["",["secretsmanager.ap-southeast-2."',
    );
  });

  it('runs the search domain with three dedicated masters and non-burstable data nodes in three zones', () => {
    expect(props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).ClusterConfig).toEqual({
      InstanceCount: 3,
      InstanceType: 'm7g.large.search',
      DedicatedMasterEnabled: true,
      DedicatedMasterCount: 3,
      DedicatedMasterType: 'm7g.large.search',
      ZoneAwarenessEnabled: true,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
      MultiAZWithStandbyEnabled: false,
    });
    const alarms = logicalIds(s.json, 'AWS::CloudWatch::Alarm').map((alarm) => String(props(alarm).MetricName));
    expect(alarms).toEqual(expect.arrayContaining(['MasterJVMMemoryPressure', 'MasterCPUUtilization']));
  });

  it('lets the Dashboards roles reach the domain only from the allowed networks, and the setup function from anywhere', () => {
    const policy = props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).AccessPolicies as {
      Statement: Record<string, unknown>[];
    };
    const condition = (sid: string) => policy.Statement.find((statement) => statement.Sid === sid)?.Condition;
    const fromAllowed = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } };
    expect(condition('DashboardsAdmins')).toEqual(fromAllowed);
    expect(condition('DashboardsViewers')).toEqual(fromAllowed);
    expect(condition('SetupFunction')).toBeUndefined();
  });

  it('adds a Serverless v2 reader in the second zone, scaling with the writer in the first', () => {
    const instances = logicalIds(s.json, 'AWS::RDS::DBInstance').map((instance) => props(instance));
    expect(instances).toHaveLength(2);
    const [writer, reader] = [
      id('AWS::RDS::DBInstance', 'BatchStoreClusterwriter'),
      id('AWS::RDS::DBInstance', 'BatchStoreClusterreader1'),
    ].map(props);
    // The zones of the batch store's two subnets, in order.
    const zones = logicalIds(s.json, 'AWS::EC2::Subnet')
      .sort()
      .map((subnet) => props(subnet).AvailabilityZone);
    expect(new Set(zones.map(String)).size).toBe(2);
    expect(writer).toMatchObject({ DBInstanceClass: 'db.serverless', AvailabilityZone: zones[0] });
    expect(reader).toMatchObject({ DBInstanceClass: 'db.serverless', AvailabilityZone: zones[1], PromotionTier: 1 });
  });

  it('provisions the stream with the configured shards and retention', () => {
    expect(props(id('AWS::Kinesis::Stream', 'ReadingsStream'))).toMatchObject({
      ShardCount: 2,
      RetentionPeriodHours: 168,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  it('uses the configured window in both mappings and in the iterator age alarm', () => {
    const stream = id('AWS::Kinesis::Stream', 'ReadingsStream');
    const streamMappings = logicalIds(s.json, 'AWS::Lambda::EventSourceMapping').filter((mapping) =>
      JSON.stringify(props(mapping).EventSourceArn).includes(stream),
    );
    expect(streamMappings).toHaveLength(2);
    for (const mapping of streamMappings) expect(props(mapping).TumblingWindowInSeconds).toBe(300);
    const iteratorAlarms = logicalIds(s.json, 'AWS::CloudWatch::Alarm').filter((alarm) => props(alarm).MetricName === 'IteratorAge');
    for (const alarm of iteratorAlarms) expect(props(alarm).Threshold).toBe(900_000);
  });

  it('spreads three search nodes over three zones and lets Aurora pause at 0 ACU', () => {
    expect(s.assembly.getStackArtifact(s.stack.artifactId).messages.filter((message) => message.level === 'warning')).toEqual([]);
    expect(props(id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')).ClusterConfig).toMatchObject({
      InstanceCount: 3,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
    });
    expect(props(id('AWS::RDS::DBCluster', 'BatchStoreCluster')).ServerlessV2ScalingConfiguration).toMatchObject({ MinCapacity: 0 });
  });

  it('subscribes the alert emails and phone numbers to tier 1 for every level, each contact to its tier for its levels, and the ops emails to operations', () => {
    const subscriptions = logicalIds(s.json, 'AWS::SNS::Subscription').map((subscription) => props(subscription));
    const alerts = { Ref: id('AWS::SNS::Topic', 'AlertsTopic') };
    const tier2 = { Ref: id('AWS::SNS::Topic', 'EscalationTier2') };
    const ops = { Ref: id('AWS::SNS::Topic', 'OpsNotificationsTopic') };
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: 'engineer@example.com', TopicArn: alerts },
        { Protocol: 'email', Endpoint: 'site@example.com', TopicArn: alerts },
        { Protocol: 'sms', Endpoint: '+61400111222', TopicArn: alerts },
        { Protocol: 'sms', Endpoint: '+61400999888', TopicArn: alerts, FilterPolicy: { level: ['action'] } },
        { Protocol: 'email', Endpoint: 'lead@example.com', TopicArn: tier2, FilterPolicy: { level: ['alarm', 'action'] } },
        { Protocol: 'sms', Endpoint: '+61400333444', TopicArn: tier2, FilterPolicy: { level: ['action'] } },
        { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: ops },
      ]),
    );
    expect(subscriptions).toHaveLength(7);
  });

  it('keeps one topic per configured tier and tells both alarm functions the tiers and that reminders are off', () => {
    expect(logicalIds(s.json, 'AWS::SNS::Topic', 'EscalationTier')).toEqual([id('AWS::SNS::Topic', 'EscalationTier2')]);
    const env = (functionPrefix: string) =>
      (props(id('AWS::Lambda::Function', functionPrefix)).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env('EscalationHandlerFunction')).toMatchObject({
      ESCALATION_TOPIC_ARNS: {
        'Fn::Join': ['', [{ Ref: id('AWS::SNS::Topic', 'AlertsTopic') }, ',', { Ref: id('AWS::SNS::Topic', 'EscalationTier2') }]],
      },
      ESCALATION_TIERS: '2',
      REMINDER_INTERVAL_MINUTES: '0',
    });
    expect(env('AlarmApiHandlerFunction')).toMatchObject({ ESCALATION_TIERS: '2', REMINDER_INTERVAL_MINUTES: '0' });
    const deliveryAlarms = logicalIds(s.json, 'AWS::CloudWatch::Alarm').filter(
      (alarm) => props(alarm).MetricName === 'NumberOfNotificationsFailed' && String(props(alarm).AlarmName).includes('deliveries-failed'),
    );
    expect(deliveryAlarms).toHaveLength(2);
  });

  it('can be torn down when deletion protection is off: no termination protection, stateful resources deleted, a final database snapshot kept', () => {
    expect(s.stack.terminationProtection).toBe(false);
    expect(props(id('AWS::RDS::DBCluster', 'BatchStoreCluster')).DeletionProtection).toBe(false);
    expect(s.json.Resources[id('AWS::RDS::DBCluster', 'BatchStoreCluster')]?.DeletionPolicy).toBe('Snapshot');
    for (const [type, prefix] of [
      ['AWS::Kinesis::Stream', 'ReadingsStream'],
      ['AWS::OpenSearchService::Domain', 'RealtimeStoreDomain'],
      ['AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool'],
      ['AWS::KMS::Key', 'ReadingsKey'],
      ['AWS::SQS::Queue', 'QuarantineQueue'],
      ['AWS::SQS::Queue', 'EscalationScheduleFailuresQueue'],
      ['AWS::Logs::LogGroup', 'AlarmApiAccessLogs'],
    ] as const) {
      expect(s.json.Resources[id(type, prefix)]?.DeletionPolicy, prefix).toBe('Delete');
    }
    expect(props(id('AWS::Cognito::UserPool', 'RealtimeStoreLoginUserPool')).DeletionProtection).toBe('INACTIVE');
  });

  it('keeps the same least-privilege grants for the processors', () => {
    const realtime = accessMap(s.json, roleOfFunction(s.json, id('AWS::Lambda::Function', 'RealtimeProcessorHandlerFunction')));
    expect(realtime).toMatchObject(
      access([[['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut'], [id('AWS::OpenSearchService::Domain', 'RealtimeStoreDomain')]]]),
    );
    expect(Object.keys(realtime).some((action) => action.startsWith('rds-data:') || action.startsWith('sns:'))).toBe(false);
  });

  it('serves the site console on its own name with the certificate and TLS 1.2 at least, and points sign-in, CORS and notifications there', () => {
    const distribution = onlyLogicalId(s.json, 'AWS::CloudFront::Distribution', 'ConsoleDistribution');
    const config = s.json.Resources[distribution]!.Properties!.DistributionConfig as Record<string, unknown>;
    expect(config).toMatchObject({
      Aliases: ['console.monitoring.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: PROD.consoleCertificateArn,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
    });
    const client = s.json.Resources[onlyLogicalId(s.json, 'AWS::Cognito::UserPoolClient', 'ConsoleClient')]!.Properties!;
    expect(client).toMatchObject({
      CallbackURLs: ['https://console.monitoring.example.com/callback'],
      LogoutURLs: ['https://console.monitoring.example.com/'],
    });
    const api = s.json.Resources[onlyLogicalId(s.json, 'AWS::ApiGatewayV2::Api', 'AlarmApiHttpApi')]!.Properties!;
    expect(api.CorsConfiguration).toMatchObject({ AllowOrigins: ['https://console.monitoring.example.com'] });
    const escalation = s.json.Resources[onlyLogicalId(s.json, 'AWS::Lambda::Function', 'EscalationHandlerFunction')]!.Properties!;
    expect((escalation.Environment as { Variables: Record<string, unknown> }).Variables.ACKNOWLEDGE_URL).toBe(
      'https://console.monitoring.example.com',
    );
    expect(s.json.Outputs).toMatchObject({ ConsoleUrl: { Value: 'https://console.monitoring.example.com/' } });
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(s.app).violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it.skipIf(!hasCfnLint())('passes cfn-lint with no errors (skipped where cfn-lint is not installed; .ci/run installs it)', () => {
    const templates = s.assembly.stacks.map((stack) => path.join(s.outdir, stack.templateFile));
    const result = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
    expect(result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
  });
});
