import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { rotatingKey } from '../constructs/rotating-key.js';
import { acknowledge } from '../nag.js';

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
  /** How often the admin password is rotated. @default Duration.days(30) */
  readonly rotationInterval?: Duration;
  /** Customer managed key for storage and the admin secret. @default - a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** Retention of the PostgreSQL and VPC flow logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default '10.40.0.0/16' */
  readonly vpcCidr?: string;
}

/**
 * The batch store: Aurora Serverless v2 PostgreSQL in isolated subnets (no NAT, no internet),
 * reached through the RDS Data API. Storage and the admin secret are encrypted with a
 * customer managed key; the admin password rotates on a schedule; IAM database authentication
 * is on. The only thing inside the VPC besides the database is the rotation function, which
 * reaches Secrets Manager through an interface endpoint.
 */
export class BatchStore extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: rds.DatabaseCluster;
  readonly writer: rds.IAuroraClusterInstance;
  readonly encryptionKey: kms.IKey;
  readonly databaseName: string;

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
        description: `Encrypts the ${props.clusterIdentifier} Aurora cluster, its secret and logs`,
        removalPolicy: retained,
      });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.clusterIdentifier,
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr ?? '10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const secretsManagerEndpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: isolated,
      privateDnsEnabled: true,
      open: false,
    });

    // RDS writes to this group when it exports the PostgreSQL log; creating it here sets its retention.
    const postgresLog = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: logRetention,
      removalPolicy: retained,
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: props.clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_16_13 }),
      writer: rds.ClusterInstance.serverlessV2('writer', { autoMinorVersionUpgrade: true }),
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

    this.cluster.addRotationSingleUser({
      automaticallyAfter: props.rotationInterval ?? Duration.days(30),
      vpcSubnets: isolated,
      endpoint: secretsManagerEndpoint,
    });
  }

  /** The admin credentials the Data API signs in with. */
  get secret(): secretsmanager.ISecret {
    if (!this.cluster.secret) throw new Error('the batch store cluster has no secret');
    return this.cluster.secret;
  }

  /**
   * Lets the grantee use the Data API on this cluster: ExecuteStatement, BatchExecuteStatement,
   * Begin/Commit/RollbackTransaction on the cluster, reading its secret, and decrypting that
   * secret with the cluster's key through Secrets Manager only.
   */
  grantDataApiAccess(grantee: iam.IGrantable): iam.Grant {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
    });
    return this.cluster.grantDataApiAccess(grantee);
  }

  /** The environment a Data API client reads: DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME. */
  get dataApiEnvironment(): Record<string, string> {
    return { DB_CLUSTER_ARN: this.cluster.clusterArn, DB_SECRET_ARN: this.secret.secretArn, DB_NAME: this.databaseName };
  }
}
