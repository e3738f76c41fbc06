import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';
import { FunctionCustomResource } from '../constructs/function-custom-resource.js';
import { grantNetworkInterfaces, PipelineFunction } from '../constructs/pipeline-function.js';
import { QueueFailureDestination } from '../processing/queue-failure-destination.js';

/** MSK Serverless accepts IAM-authenticated clients over TLS on this port only. */
export const MSK_IAM_PORT = 9098;

export interface MskReadingStreamProps {
  /** Cluster name (1-64 characters); also names the topic function `<clusterName>-topic`. */
  readonly clusterName: string;
  readonly topicName: string;
  readonly vpc: ec2.IVpc;
  /** Subnets of the cluster (two zones at least) and of the event source mappings' interfaces. */
  readonly subnets: ec2.SubnetSelection;
  readonly partitions: number;
  /** The topic's `retention.ms`. */
  readonly retention: Duration;
  readonly logRetention?: logs.RetentionDays;
}

/** How a processor consumes the topic (the same controls as its Kinesis mapping, less the tumbling window). */
export interface KafkaConsumerOptions {
  /** Unique per consumer: the ESM's consumer group, alarmed on its lag. */
  readonly consumerGroupId: string;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly onFailure: EncryptedQueue;
  /** Provisioned pollers (the error-handling controls need provisioned mode); at most one per partition is useful. */
  readonly maximumPollers: number;
}

/**
 * The readings topic on an MSK Serverless cluster in the pipeline VPC: IAM authentication over
 * TLS (the only mode Serverless offers), a security group that admits only the pipeline's
 * Kafka clients and the event source mappings' interfaces, the bootstrap brokers looked up at
 * deployment (Serverless has no such attribute), the topic created by its custom resource, and
 * an SQS interface endpoint through which the mappings send failed batches to the on-failure
 * queue. Grants are per action and per ARN: cluster, topic, consumer group.
 */
export class MskReadingStream extends Construct {
  readonly cluster: msk.CfnServerlessCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly topicName: string;
  readonly clusterName: string;
  /** `host:port` list of the IAM (TLS) listeners. */
  readonly bootstrapServers: string;
  readonly topicResource: FunctionCustomResource;
  readonly queueEndpoint: ec2.InterfaceVpcEndpoint;
  private readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: MskReadingStreamProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.topicName = props.topicName;
    this.clusterName = props.clusterName;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `MSK cluster ${props.clusterName} and its event source mappings: Kafka over TLS among themselves, HTTPS to the SQS endpoint`,
      allowAllOutbound: false,
    });
    // The mappings' interfaces take the cluster's group: they reach the brokers through it.
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Event source mappings to the brokers');
    this.securityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Event source mappings to the brokers');

    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
    });

    this.queueEndpoint = new ec2.InterfaceVpcEndpoint(this, 'SqsEndpoint', {
      vpc: props.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.SQS,
      subnets: props.subnets,
      privateDnsEnabled: true,
      open: false,
    });
    this.queueEndpoint.connections.allowDefaultPortFrom(this.securityGroup, 'Event source mappings to the on-failure queue');

    const lookup = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      resourceType: 'Custom::MskBootstrapBrokers',
      installLatestAwsSdk: false,
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: this.clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(this.clusterArn),
        outputPaths: ['BootstrapBrokerStringSaslIam'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [this.clusterArn] }),
      ]),
    });
    this.bootstrapServers = lookup.getResponseField('BootstrapBrokerStringSaslIam');

    const topicAdmin = new ec2.SecurityGroup(this, 'TopicFunctionSecurityGroup', {
      vpc: props.vpc,
      description: `Topic function of ${props.clusterName}: Kafka over TLS to the cluster only`,
      allowAllOutbound: false,
    });
    this.allowClient(topicAdmin);
    const topicFunction = new PipelineFunction(this, 'TopicFunction', {
      entry: 'lambdas/kafka/topic-resource-handler.ts',
      functionName: `${props.clusterName}-topic`,
      description: `Creates, updates and deletes the ${props.topicName} topic (partitions, retention)`,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: { KAFKA_AUTH: 'msk-iam' },
      network: { vpc: props.vpc, subnets: props.subnets, securityGroups: [topicAdmin] },
    });
    this.grantCluster(topicFunction);
    topicFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ManageTheReadingsTopic',
        actions: [
          'kafka-cluster:CreateTopic',
          'kafka-cluster:AlterTopic',
          'kafka-cluster:DeleteTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
          'kafka-cluster:AlterTopicDynamicConfiguration',
        ],
        resources: [this.topicArn],
      }),
    );
    this.topicResource = new FunctionCustomResource(this, 'Topic', {
      lambdaFunction: topicFunction,
      resourceType: 'Custom::KafkaTopic',
      logRetention: props.logRetention,
      properties: {
        BootstrapServers: this.bootstrapServers,
        Topic: props.topicName,
        Partitions: props.partitions,
        RetentionMs: props.retention.toMilliseconds(),
      },
    });
  }

  get clusterArn(): string {
    return this.cluster.attrArn;
  }

  /** `arn:…:topic/<cluster name>/<cluster uuid>/<topic>`, the resource of the data-plane topic actions. */
  get topicArn(): string {
    return this.dataPlaneArn('topic', this.topicName);
  }

  /** The consumer group's ARN, the resource of the group actions. */
  groupArn(consumerGroupId: string): string {
    return this.dataPlaneArn('group', consumerGroupId);
  }

  /** The KAFKA_* contract of a Kafka-using function. */
  get kafkaEnvironment(): Record<string, string> {
    return { KAFKA_BOOTSTRAP_SERVERS: this.bootstrapServers, KAFKA_TOPIC: this.topicName, KAFKA_AUTH: 'msk-iam' };
  }

  /** Lets a client's security group reach the brokers (and only them, on this side). */
  allowClient(client: ec2.SecurityGroup): void {
    client.addEgressRule(this.securityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Kafka over TLS to the readings cluster');
    this.securityGroup.addIngressRule(client, ec2.Port.tcp(MSK_IAM_PORT), `Kafka clients: ${client.node.path}`);
  }

  /** A producer's permissions: connect and describe the cluster, write and describe the topic. */
  grantWrite(grantee: iam.IGrantable): void {
    this.grantCluster(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:WriteData', 'kafka-cluster:DescribeTopic'],
      resourceArns: [this.topicArn],
    });
  }

  /**
   * Subscribes a function through an MSK event source mapping in provisioned mode (needed for
   * retries, record age, split batch and the on-failure destination), from the oldest record,
   * with partial batch responses, and grants what the mapping does with the function's role.
   */
  subscribe(fn: PipelineFunction, options: KafkaConsumerOptions): lambda.EventSourceMapping {
    this.grantCluster(fn);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kafka-cluster:ReadData', 'kafka-cluster:DescribeTopic'],
      resourceArns: [this.topicArn],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      resourceArns: [this.groupArn(options.consumerGroupId)],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      resourceArns: [this.clusterArn],
    });
    grantNetworkInterfaces(fn.role, this.vpc);
    const mapping = new lambda.EventSourceMapping(fn, 'MskEventSource', {
      target: fn.function,
      eventSourceArn: this.clusterArn,
      kafkaTopic: this.topicName,
      kafkaConsumerGroupId: options.consumerGroupId,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: options.batchSize,
      maxBatchingWindow: options.maxBatchingWindow,
      retryAttempts: options.retryAttempts,
      maxRecordAge: options.maxRecordAge,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new QueueFailureDestination(options.onFailure),
      provisionedPollerConfig: { minimumPollers: 1, maximumPollers: options.maximumPollers },
    });
    // The mapping starts once the topic exists and its role may read it.
    mapping.node.addDependency(this.topicResource.resource);
    mapping.node.addDependency(fn.role);
    return mapping;
  }

  private grantCluster(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
      resourceArns: [this.clusterArn],
    });
  }

  private dataPlaneArn(kind: 'topic' | 'group', name: string): string {
    const stack = Stack.of(this);
    const clusterUuid = Fn.select(2, Fn.split('/', this.clusterArn));
    return `arn:${stack.partition}:kafka:${stack.region}:${stack.account}:${kind}/${this.clusterName}/${clusterUuid}/${name}`;
  }
}
