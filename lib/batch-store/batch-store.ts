import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct, type IDependable } from 'constructs';
import { APPLICATION_ROLE, REPORTING_ROLE } from '../../lambdas/db/database-roles.js';
import { rotatingKey } from '../constructs/rotating-key.js';
import { acknowledge, managedPolicy } from '../nag.js';

/** The Data API actions a client of the cluster needs (aws-cdk-lib's own list for `grantDataApiAccess`). */
const DATA_API_ACTIONS = [
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:ExecuteStatement',
  'rds-data:RollbackTransaction',
];

/** Who signs in to the database: the owner (migrations only), the pipeline's functions, or QuickSight. */
export type DatabaseLoginName = 'owner' | 'application' | 'reporting';

export interface BatchStoreProps {
  /** Cluster identifier (lowercase); also names the VPC, the secret and the log group. */
  readonly clusterIdentifier: string;
  /** Aurora PostgreSQL version; it must offer the RDS Data API. @default AuroraPostgresEngineVersion.VER_16_13 */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /** @default 'geotech' */
  readonly databaseName?: string;
  /** Serverless v2 minimum capacity in ACU; 0 lets the writer pause when idle. @default 0.5 */
  readonly minCapacity?: number;
  /** Serverless v2 maximum capacity in ACU. @default 4 */
  readonly maxCapacity?: number;
  /** @default Duration.days(7) */
  readonly backupRetention?: Duration;
  /** Refuse deletion of the cluster (and keep its key and logs when the stack goes). @default true */
  readonly deletionProtection?: boolean;
  /** How often the passwords of the owner and of the application and reporting roles are rotated. @default Duration.days(30) */
  readonly rotationInterval?: Duration;
  /**
   * Serverless v2 readers besides the writer, placed in the VPC's zones in turn from the second
   * zone on, the writer in the first: a failover target in another zone. @default 0
   */
  readonly readers?: number;
  /** Customer managed key for storage and the admin secret. @default - a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** Retention of the PostgreSQL and VPC flow logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default '10.40.0.0/16' */
  readonly vpcCidr?: string;
  /**
   * Adds a public subnet with one NAT gateway and private subnets routed through it, for
   * functions in the VPC that must reach the internet (the poller beside an MSK cluster). The
   * database subnets stay isolated. @default false
   */
  readonly internetEgress?: boolean;
}

/**
 * The batch store: Aurora Serverless v2 PostgreSQL in isolated subnets (no NAT, no internet),
 * reached through the RDS Data API, with TLS required (`rds.force_ssl`), enhanced monitoring and
 * Performance Insights. Storage, the secrets and Performance Insights are encrypted with a
 * customer managed key; IAM database authentication is on.
 *
 * Three logins, each with its own secret and rotation: the **owner** (the cluster's admin user,
 * for the schema migrations only; single-user rotation), the **application** role the
 * pipeline's functions use, and the **reporting** role QuickSight uses (multi-user rotation,
 * with the owner's secret as the master). The roles and their grants are created by the
 * migrations (lambdas/db/database-roles.ts). The only things inside the VPC besides the
 * database are the rotation functions, which share one security group that may reach the
 * cluster and the Secrets Manager interface endpoint, and nothing else.
 */
export class BatchStore extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: rds.DatabaseCluster;
  readonly writer: rds.IAuroraClusterInstance;
  readonly readers: readonly rds.IAuroraClusterInstance[];
  readonly encryptionKey: kms.IKey;
  readonly databaseName: string;
  /** The Secrets Manager interface endpoint the rotation functions call. */
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  /** The security group of every rotation function: out to the cluster's port and the endpoint's HTTPS only. */
  readonly rotationSecurityGroup: ec2.SecurityGroup;
  /** The owner's (admin) credentials: the migrations sign in with these, nothing else does. */
  readonly ownerSecret: secretsmanager.ISecret;
  /** The application role's credentials: every pipeline function that uses the Data API. */
  readonly applicationSecret: secretsmanager.ISecret;
  /** The reporting role's credentials: QuickSight. */
  readonly reportingSecret: secretsmanager.ISecret;
  private readonly loginRotationSchedules: IConstruct[] = [];

  constructor(scope: Construct, id: string, props: BatchStoreProps) {
    super(scope, id);
    const deletionProtection = props.deletionProtection ?? true;
    const retained = deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.databaseName = props.databaseName ?? 'geotech';
    this.encryptionKey =
      props.encryptionKey ??
      rotatingKey(this, 'Key', {
        alias: `${props.clusterIdentifier}/aurora`,
        description: `Encrypts the ${props.clusterIdentifier} Aurora cluster, its secrets and its Performance Insights data`,
        removalPolicy: retained,
      });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.clusterIdentifier,
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr ?? '10.40.0.0/16'),
      maxAzs: 2,
      natGateways: props.internetEgress ? 1 : 0,
      subnetConfiguration: [
        { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ...(props.internetEgress
          ? [
              { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
              { name: 'egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
            ]
          : []),
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.secretsManagerEndpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: isolated,
      privateDnsEnabled: true,
      // Not open to the whole VPC: only the rotation functions' group is let in, below.
      open: false,
    });
    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: this.vpc,
      description: `Secret rotation functions of ${props.clusterIdentifier}: reach the cluster and the Secrets Manager endpoint only`,
      allowAllOutbound: false,
    });
    this.secretsManagerEndpoint.connections.allowDefaultPortFrom(this.rotationSecurityGroup, 'Secret rotation functions');

    // RDS writes to this group when it exports the PostgreSQL log; creating it here sets its retention.
    const postgresLog = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: logRetention,
      removalPolicy: retained,
    });

    const zones = this.vpc.availabilityZones;
    const readerCount = props.readers ?? 0;
    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      description: `Enhanced monitoring of ${props.clusterIdentifier}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
    });
    acknowledge(
      monitoringRole,
      managedPolicy('service-role/AmazonRDSEnhancedMonitoringRole'),
      'The AWS managed policy RDS enhanced monitoring is documented with: it lets the monitoring agent write OS metrics to the RDSOSMetrics log group only.',
    );
    const instance = {
      autoMinorVersionUpgrade: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.encryptionKey,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: props.clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_16_13 }),
      // Every connection must use TLS (the Data API and QuickSight do).
      parameters: { 'rds.force_ssl': '1' },
      writer: rds.ClusterInstance.serverlessV2('writer', {
        ...instance,
        ...(readerCount > 0 ? { availabilityZone: zones[0] } : {}),
      }),
      readers: Array.from({ length: readerCount }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`reader${i + 1}`, {
          ...instance,
          // The first reader scales with the writer, so a failover lands on a reader of the same capacity.
          scaleWithWriter: i === 0,
          availabilityZone: zones.length > 1 ? zones[1 + (i % (zones.length - 1))] : undefined,
        }),
      ),
      monitoringInterval: Duration.minutes(1),
      monitoringRole,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.encryptionKey,
      serverlessV2MinCapacity: props.minCapacity ?? 0.5,
      serverlessV2MaxCapacity: props.maxCapacity ?? 4,
      vpc: this.vpc,
      vpcSubnets: isolated,
      credentials: rds.Credentials.fromGeneratedSecret('geotech_admin', {
        secretName: `${props.clusterIdentifier}/admin`,
        encryptionKey: this.encryptionKey,
      }),
      defaultDatabaseName: this.databaseName,
      enableDataApi: true,
      iamAuthentication: true,
      storageEncrypted: true,
      storageEncryptionKey: this.encryptionKey,
      backup: { retention: props.backupRetention ?? Duration.days(7) },
      deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
    });
    this.cluster.node.addDependency(postgresLog);
    if (!deletionProtection) {
      acknowledge(
        this.cluster,
        'RDS10',
        'Deletion protection is off by configuration (deletionProtection=false) for a stage meant to be torn down; CloudFormation still takes a final snapshot.',
      );
    }
    this.writer = this.cluster.node.findChild('writer') as rds.IAuroraClusterInstance;
    this.readers = Array.from(
      { length: readerCount },
      (_, i) => this.cluster.node.findChild(`reader${i + 1}`) as rds.IAuroraClusterInstance,
    );
    if (!this.cluster.secret) throw new Error('the batch store cluster has no secret');
    this.ownerSecret = this.cluster.secret;

    const rotation = {
      automaticallyAfter: props.rotationInterval ?? Duration.days(30),
      vpcSubnets: isolated,
      endpoint: this.secretsManagerEndpoint,
      securityGroup: this.rotationSecurityGroup,
    };
    this.cluster.addRotationSingleUser(rotation);
    const login = (loginId: string, username: string, name: string): secretsmanager.ISecret => {
      const secret = new rds.DatabaseSecret(this, `${loginId}Secret`, {
        username,
        secretName: `${props.clusterIdentifier}/${name}`,
        encryptionKey: this.encryptionKey,
        masterSecret: this.ownerSecret,
      }).attach(this.cluster);
      this.cluster.addRotationMultiUser(`${loginId}Rotation`, { ...rotation, secret });
      this.loginRotationSchedules.push(secret.node.findChild('RotationSchedule'));
      return secret;
    };
    this.applicationSecret = login('Application', APPLICATION_ROLE, 'application');
    this.reportingSecret = login('Reporting', REPORTING_ROLE, 'reporting');
  }

  /**
   * The first rotation of the application and reporting secrets (right after they are created)
   * signs in with their current passwords, which the schema migrations set: it waits for them.
   */
  rotateLoginsAfter(...dependencies: IDependable[]): void {
    for (const schedule of this.loginRotationSchedules) schedule.node.addDependency(...dependencies);
  }

  /** The secret of a login. */
  secretOf(login: DatabaseLoginName): secretsmanager.ISecret {
    return { owner: this.ownerSecret, application: this.applicationSecret, reporting: this.reportingSecret }[login];
  }

  /**
   * Lets the grantee use the Data API on this cluster as a login (the application role unless
   * told otherwise): ExecuteStatement, BatchExecuteStatement, Begin/Commit/RollbackTransaction
   * on the cluster, reading that login's secret, and decrypting it with the cluster's key
   * through Secrets Manager only.
   */
  grantDataApiAccess(grantee: iam.IGrantable, login: DatabaseLoginName = 'application'): iam.Grant {
    this.grantSecretRead(grantee, login);
    return iam.Grant.addToPrincipal({ grantee, actions: DATA_API_ACTIONS, resourceArns: [this.cluster.clusterArn] });
  }

  /** Lets the grantee read a login's secret (GetSecretValue, DescribeSecret) and decrypt it through Secrets Manager only. */
  grantSecretRead(grantee: iam.IGrantable, login: DatabaseLoginName): iam.Grant {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [this.secretOf(login).secretArn],
    });
  }

  /** The environment a Data API client reads: DB_CLUSTER_ARN, DB_SECRET_ARN (the login's secret, the application role's unless told otherwise), DB_NAME. */
  dataApiEnvironmentOf(login: DatabaseLoginName): Record<string, string> {
    return { DB_CLUSTER_ARN: this.cluster.clusterArn, DB_SECRET_ARN: this.secretOf(login).secretArn, DB_NAME: this.databaseName };
  }

  /** The environment of a pipeline function: the Data API target as the application role. */
  get dataApiEnvironment(): Record<string, string> {
    return this.dataApiEnvironmentOf('application');
  }
}
