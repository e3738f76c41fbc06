import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalIds, onlyLogicalId, permissionsOf, roleOfFunction, synthesize, type Synthesized, hasCfnLint } from './synth.js';

/** The stack with `stream=msk`, synthesized as `cdk synth -c stream=msk` does (bundled, cdk-nag validated). */
describe('stream=msk', () => {
  let msk: Synthesized;
  beforeAll(() => {
    msk = synthesize({ stream: 'msk', mskPartitions: 4, mskRetentionHours: 200 });
  }, 300_000);
  afterAll(() => msk?.dispose());

  const functionId = (name: string) =>
    Object.entries(msk.json.Resources).find(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === name,
    )![0];

  it('creates no Kinesis stream, and one MSK Serverless cluster with IAM auth in the isolated subnets', () => {
    expect(logicalIds(msk.json, 'AWS::Kinesis::Stream')).toEqual([]);
    const cluster = msk.json.Resources[onlyLogicalId(msk.json, 'AWS::MSK::ServerlessCluster')]!;
    expect(cluster.Properties).toMatchObject({
      ClusterName: 'geotech-dev-readings',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
    const subnets = (cluster.Properties!.VpcConfigs as { SubnetIds: { Ref: string }[] }[])[0]!.SubnetIds.map((ref) => ref.Ref);
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(subnet).toMatch(/databaseSubnet/);
  });

  it('adds one NAT gateway and routes the poller through the egress subnets', () => {
    expect(logicalIds(msk.json, 'AWS::EC2::NatGateway')).toHaveLength(1);
    const poller = msk.json.Resources[functionId('geotech-dev-poller')]!.Properties!;
    const subnets = (poller.VpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds.map((ref) => ref.Ref);
    for (const subnet of subnets) expect(subnet).toMatch(/egressSubnet/);
    expect((poller.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      STREAM_KIND: 'kafka',
      KAFKA_TOPIC: 'geotech-dev-readings',
      KAFKA_AUTH: 'msk-iam',
      KAFKA_BOOTSTRAP_SERVERS: { 'Fn::GetAtt': [expect.stringMatching(/BootstrapBrokers/), 'BootstrapBrokerStringSaslIam'] },
    });
    expect((poller.Environment as { Variables: Record<string, unknown> }).Variables).not.toHaveProperty('STREAM_NAME');
  });

  it('creates the topic through its custom resource with the configured partitions and retention', () => {
    msk.template.hasResourceProperties('Custom::KafkaTopic', {
      Topic: 'geotech-dev-readings',
      Partitions: 4,
      RetentionMs: 200 * 3600 * 1000,
      BootstrapServers: { 'Fn::GetAtt': [Match.stringLikeRegexp('BootstrapBrokers'), 'BootstrapBrokerStringSaslIam'] },
    });
    const topicRole = roleOfFunction(msk.json, functionId('geotech-dev-readings-topic'));
    const actions = permissionsOf(msk.json, topicRole).map((permission) => permission.action);
    expect(actions).toEqual(expect.arrayContaining(['kafka-cluster:CreateTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:DeleteTopic']));
  });

  it('subscribes both processors through MSK mappings in provisioned mode with the error-handling controls', () => {
    const mappings = logicalIds(msk.json, 'AWS::Lambda::EventSourceMapping').map((id) => msk.json.Resources[id]!.Properties!);
    const kafka = mappings.filter((mapping) => mapping.Topics !== undefined);
    expect(kafka).toHaveLength(2);
    for (const mapping of kafka) {
      expect(mapping).toMatchObject({
        Topics: ['geotech-dev-readings'],
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 5,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 518_400,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 4 },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ProcessingFailures/), 'Arn'] } } },
      });
    }
    const groups = kafka.map((mapping) => (mapping.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId);
    expect(groups.sort()).toEqual(['geotech-dev-batch-processor', 'geotech-dev-realtime-processor']);
    const handlers = ['geotech-dev-batch-processor', 'geotech-dev-realtime-processor'].map(
      (name) => msk.json.Resources[functionId(name)]!.Properties!.Handler,
    );
    expect(handlers).toEqual(['index.handler', 'index.handler']);
  });

  it('scopes the Kafka permissions to the cluster, the topic and each consumer group', () => {
    const processorRole = roleOfFunction(msk.json, functionId('geotech-dev-batch-processor'));
    const permissions = permissionsOf(msk.json, processorRole);
    const resourcesOf = (action: string) => permissions.filter((p) => p.action === action).flatMap((p) => p.resources);
    for (const action of ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'])
      expect(resourcesOf(action)).toEqual([expect.stringMatching(/KafkaReadingsCluster.*Arn/)]);
    for (const action of ['kafka-cluster:ReadData', 'kafka-cluster:DescribeTopic'])
      expect(resourcesOf(action)).toEqual([expect.stringMatching(/topic\/geotech-dev-readings\/.*\/geotech-dev-readings"/)]);
    for (const action of ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'])
      expect(resourcesOf(action)).toEqual([expect.stringMatching(/group\/geotech-dev-readings\/.*\/geotech-dev-batch-processor"/)]);
    expect(resourcesOf('kafka-cluster:WriteData')).toEqual([]);
    expect(resourcesOf('kafka-cluster:CreateTopic')).toEqual([]);

    const pollerPermissions = permissionsOf(msk.json, roleOfFunction(msk.json, functionId('geotech-dev-poller')));
    expect(pollerPermissions.filter((p) => p.action === 'kafka-cluster:WriteData').flatMap((p) => p.resources)).toEqual([
      expect.stringMatching(/topic\/geotech-dev-readings\/.*\/geotech-dev-readings"/),
    ]);
    expect(pollerPermissions.some((p) => p.action.startsWith('kinesis:'))).toBe(false);
    expect(pollerPermissions.some((p) => p.action === 'kafka-cluster:ReadData')).toBe(false);
  });

  it("puts the alarm API's manual readings on the topic: in the egress subnets, STREAM_KIND=kafka, write on the topic only", () => {
    const api = msk.json.Resources[functionId('geotech-dev-alarm-api')]!.Properties!;
    const subnets = (api.VpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds.map((ref) => ref.Ref);
    expect(subnets.length).toBeGreaterThan(0);
    for (const subnet of subnets) expect(subnet).toMatch(/egressSubnet/);
    const variables = (api.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ STREAM_KIND: 'kafka', KAFKA_TOPIC: 'geotech-dev-readings', KAFKA_AUTH: 'msk-iam' });
    expect(variables.STREAM_NAME).toBeUndefined();
    const permissions = permissionsOf(msk.json, roleOfFunction(msk.json, functionId('geotech-dev-alarm-api')));
    expect(permissions.filter((p) => p.action === 'kafka-cluster:WriteData').flatMap((p) => p.resources)).toEqual([
      expect.stringMatching(/topic\/geotech-dev-readings\/.*\/geotech-dev-readings"/),
    ]);
    expect(permissions.some((p) => p.action.startsWith('kinesis:'))).toBe(false);
    expect(permissions.some((p) => p.action === 'kafka-cluster:ReadData')).toBe(false);
  });

  it('alarms on each consumer group lag, routed to the operations topic', () => {
    for (const group of ['geotech-dev-batch-processor', 'geotech-dev-realtime-processor']) {
      for (const metric of ['EstimatedMaxTimeLag', 'MaxOffsetLag']) {
        msk.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Kafka',
          MetricName: metric,
          Dimensions: Match.arrayWith([{ Name: 'Consumer Group', Value: group }]),
          AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsNotifications') }],
        });
      }
    }
    const iteratorAge = logicalIds(msk.json, 'AWS::CloudWatch::Alarm').filter((id) => /IteratorAge/.test(id));
    expect(iteratorAge).toEqual([]);
  });

  it('gives the mappings an SQS interface endpoint for the on-failure queue', () => {
    const endpoints = logicalIds(msk.json, 'AWS::EC2::VPCEndpoint').map((id) => msk.json.Resources[id]!.Properties!);
    expect(endpoints.some((endpoint) => JSON.stringify(endpoint.ServiceName).includes('.sqs'))).toBe(true);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(msk.app).violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it.skipIf(!hasCfnLint())('passes cfn-lint with no errors (skipped where cfn-lint is not installed; .ci/run installs it)', () => {
    const templates = msk.assembly.stacks.map((stack) => path.join(msk.outdir, stack.templateFile));
    const result = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
    expect(result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('stream=kinesis (the default)', () => {
  let kinesis: Synthesized;
  beforeAll(() => {
    kinesis = synthesize({});
  }, 300_000);
  afterAll(() => kinesis?.dispose());

  it('creates no MSK cluster, topic resource or NAT gateway', () => {
    expect(logicalIds(kinesis.json, 'AWS::MSK::ServerlessCluster')).toEqual([]);
    expect(logicalIds(kinesis.json, 'Custom::KafkaTopic')).toEqual([]);
    expect(logicalIds(kinesis.json, 'AWS::EC2::NatGateway')).toEqual([]);
    expect(logicalIds(kinesis.json, 'AWS::Kinesis::Stream')).toHaveLength(1);
  });
});
