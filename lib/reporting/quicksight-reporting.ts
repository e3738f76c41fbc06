import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct, type IDependable } from 'constructs';
import type { BatchStore } from '../batch-store/batch-store.js';
import { acknowledge, wildcardResource } from '../nag.js';
import { DASHBOARD_VIEWER_ACTIONS, DATA_SET_USER_ACTIONS, DATA_SOURCE_USER_ACTIONS, permissionsFor } from './permissions.js';
import { reportDashboardDefinition } from './report-dashboard.js';
import { REPORT_VIEW_IDS, REPORT_VIEWS, type ReportViewId } from './report-views.js';

/** The role QuickSight assumes to read data source secrets; it exists once an administrator grants QuickSight access to Secrets Manager. */
export const QUICKSIGHT_SECRETS_ROLE = 'service-role/aws-quicksight-secretsmanager-role-v0';

/** Aurora PostgreSQL's default port. */
export const AURORA_POSTGRES_PORT = 5432;

export interface QuickSightReportingProps {
  /** The batch store whose report views are published; QuickSight reaches its cluster through a VPC connection into its VPC. */
  readonly store: BatchStore;
  /** ARNs of the QuickSight users or groups the data source, datasets and dashboard are shared with; at least one. */
  readonly principals: readonly string[];
  /** Prefix of every QuickSight asset ID and name and of the secret policy's name, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** The site's IANA time zone: the dashboard shows times in it (the views' days are already its local days). */
  readonly siteTimeZone: string;
  /** What must exist before QuickSight connects, e.g. the schema migrations that create the report views. @default - nothing */
  readonly dependsOn?: readonly IDependable[];
  /**
   * The role QuickSight reads data source secrets with. It is given `secretsmanager:GetSecretValue`
   * on the reporting role's secret and `kms:Decrypt` on the secret's key through Secrets Manager.
   * @default - the account's `service-role/aws-quicksight-secretsmanager-role-v0`, which must already exist
   */
  readonly secretsRole?: iam.IRole;
  /** Schema of the report views. @default 'public' */
  readonly schema?: string;
  /**
   * The port the cluster listens on. A literal, not the cluster's `Endpoint.Port` attribute,
   * because the data source needs a number where CloudFormation attributes are strings.
   * @default 5432, Aurora PostgreSQL's default, which the batch store keeps
   */
  readonly port?: number;
}

/**
 * QuickSight over the batch store's report views.
 *
 * - A VPC connection into the batch store's isolated subnets, with its own security group that
 *   may only reach the cluster on its port (and the cluster's group letting it in), and a role
 *   QuickSight assumes to manage its network interfaces in that VPC.
 * - An Aurora PostgreSQL data source over the cluster endpoint, TLS on, signing in as the
 *   batch store's reporting role (SELECT on the `report_` views only) with its Secrets Manager
 *   secret (never a password in the template).
 * - One DIRECT_QUERY dataset per report view: every dashboard query runs against the views, so
 *   reports are as current as the database and no SPICE capacity or refresh schedule is needed.
 * - The monitoring dashboard, defined in code (see {@link reportDashboardDefinition}).
 *
 * The principals may use the data source and datasets and view the dashboard; CloudFormation
 * owns all of them.
 */
export class QuickSightReporting extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  readonly vpcConnectionRole: iam.Role;
  readonly vpcConnection: quicksight.CfnVPCConnection;
  readonly secretAccess: iam.Policy;
  readonly dataSource: quicksight.CfnDataSource;
  readonly dataSets: Readonly<Record<ReportViewId, quicksight.CfnDataSet>>;
  readonly dashboard: quicksight.CfnDashboard;
  /** Where the dashboard opens in the QuickSight console. */
  readonly dashboardUrl: string;

  constructor(scope: Construct, id: string, props: QuickSightReportingProps) {
    super(scope, id);
    if (props.principals.length === 0)
      throw new Error('QuickSightReporting needs at least one QuickSight principal to share the reports with');
    const stack = Stack.of(this);
    const { store, namePrefix: prefix } = props;
    const schema = props.schema ?? 'public';
    const cluster = store.cluster;
    const port = props.port ?? AURORA_POSTGRES_PORT;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: store.vpc,
      description: `QuickSight VPC connection of ${prefix}: reaches the batch store cluster on its port only`,
      allowAllOutbound: false,
    });
    cluster.connections.allowFrom(this.securityGroup, ec2.Port.tcp(port), 'QuickSight VPC connection');

    this.vpcConnectionRole = new iam.Role(this, 'VpcConnectionRole', {
      assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com'),
      description: `QuickSight manages the network interfaces of the ${prefix} VPC connection with this role`,
      inlinePolicies: {
        NetworkInterfaces: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'DescribeSubnetsAndSecurityGroups',
              actions: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'ManageNetworkInterfacesInTheBatchStoreVpc',
              actions: ['ec2:CreateNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:DeleteNetworkInterface'],
              resources: ['*'],
              conditions: { ArnEquals: { 'ec2:Vpc': store.vpc.vpcArn } },
            }),
          ],
        }),
      },
    });
    acknowledge(
      this.vpcConnectionRole,
      wildcardResource(this, '*'),
      'QuickSight VPC connection role: ec2:DescribeSubnets and ec2:DescribeSecurityGroups support no resource-level permissions; creating, modifying and deleting network interfaces is limited to the batch store VPC by the ec2:Vpc condition.',
    );

    this.vpcConnection = new quicksight.CfnVPCConnection(this, 'VpcConnection', {
      awsAccountId: stack.account,
      vpcConnectionId: `${prefix}-batch-store`,
      name: `${prefix} batch store`,
      roleArn: this.vpcConnectionRole.roleArn,
      securityGroupIds: [this.securityGroup.securityGroupId],
      subnetIds: store.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });

    const secretsRole =
      props.secretsRole ??
      iam.Role.fromRoleArn(this, 'SecretsRole', `arn:${stack.partition}:iam::${stack.account}:role/${QUICKSIGHT_SECRETS_ROLE}`, {
        mutable: true,
      });
    this.secretAccess = new iam.Policy(this, 'SecretAccess', {
      policyName: `${prefix}-quicksight-batch-store-secret`,
      roles: [secretsRole],
      statements: [
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [store.reportingSecret.secretArn] }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [store.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
        }),
      ],
    });

    this.dataSource = new quicksight.CfnDataSource(this, 'DataSource', {
      awsAccountId: stack.account,
      dataSourceId: `${prefix}-batch-store`,
      name: `${prefix} batch store`,
      type: 'AURORA_POSTGRESQL',
      dataSourceParameters: {
        auroraPostgreSqlParameters: { host: cluster.clusterEndpoint.hostname, port, database: store.databaseName },
      },
      credentials: { secretArn: store.reportingSecret.secretArn },
      vpcConnectionProperties: { vpcConnectionArn: this.vpcConnection.attrArn },
      sslProperties: { disableSsl: false },
      permissions: permissionsFor(props.principals, DATA_SOURCE_USER_ACTIONS),
    });
    // QuickSight tests the connection when it creates the data source: the network path, the
    // secret and the database must all be in place first.
    this.dataSource.node.addDependency(
      this.securityGroup,
      ...cluster.connections.securityGroups,
      this.secretAccess,
      ...(props.dependsOn ?? []),
    );

    const dataSets = {} as Record<ReportViewId, quicksight.CfnDataSet>;
    for (const viewId of REPORT_VIEW_IDS) {
      const view = REPORT_VIEWS[viewId];
      const dataSet = new quicksight.CfnDataSet(this, `DataSet-${viewId}`, {
        awsAccountId: stack.account,
        dataSetId: `${prefix}-${viewId}`,
        name: `${prefix} ${view.title.toLowerCase()}`,
        importMode: 'DIRECT_QUERY',
        physicalTableMap: {
          [viewId]: {
            relationalTable: {
              dataSourceArn: this.dataSource.attrArn,
              schema,
              name: view.view,
              inputColumns: view.columns.map((column) => ({ name: column.name, type: column.type })),
            },
          },
        },
        permissions: permissionsFor(props.principals, DATA_SET_USER_ACTIONS),
      });
      dataSet.node.addDependency(...(props.dependsOn ?? []));
      dataSets[viewId] = dataSet;
    }
    this.dataSets = dataSets;

    const dashboardId = `${prefix}-monitoring`;
    this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
      awsAccountId: stack.account,
      dashboardId,
      name: `${prefix} monitoring report`,
      definition: reportDashboardDefinition(
        Object.fromEntries(REPORT_VIEW_IDS.map((viewId) => [viewId, dataSets[viewId].attrArn])) as Record<ReportViewId, string>,
        props.siteTimeZone,
      ),
      dashboardPublishOptions: {
        adHocFilteringOption: { availabilityStatus: 'ENABLED' },
        exportToCsvOption: { availabilityStatus: 'ENABLED' },
        sheetControlsOption: { visibilityState: 'EXPANDED' },
      },
      validationStrategy: { mode: 'STRICT' },
      permissions: permissionsFor(props.principals, DASHBOARD_VIEWER_ACTIONS),
    });
    this.dashboardUrl = `https://${stack.region}.quicksight.aws.amazon.com/sn/dashboards/${dashboardId}`;
  }
}
