import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MIGRATIONS } from '../../lambdas/db/migration-set.generated.js';
import { createPipelineApp } from '../../lib/app.js';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { PROJECT_ROOT } from '../../lib/constructs/pipeline-function.js';
import { REPORT_VIEW_IDS, REPORT_VIEWS, type QuickSightColumnType } from '../../lib/reporting/report-views.js';
import { accessMap } from './access.js';
import { cdkJsonContext, logicalIds, onlyLogicalId, synthesize, type Synthesized } from './synth.js';

/**
 * A stage with QuickSight reporting on, bound to an account and Region whose QuickSight
 * identity Region is another one (users live in us-east-1, the stack in ap-southeast-2).
 * Synthesized once for every test here. QuickSight itself cannot run here: what is checked
 * is the template CloudFormation would receive.
 */
const ACCOUNT = '123456789012';
const ALICE = `arn:aws:quicksight:us-east-1:${ACCOUNT}:user/default/alice`;
const ENGINEERS = `arn:aws:quicksight:us-east-1:${ACCOUNT}:group/default/site-engineers`;
const REPORTING = {
  account: ACCOUNT,
  region: 'ap-southeast-2',
  quicksightRegion: 'us-east-1',
  quicksightPrincipals: `${ALICE},${ENGINEERS}`,
};

let s: Synthesized;
beforeAll(() => {
  s = synthesize(REPORTING);
});
afterAll(() => s?.dispose());

type Json = Record<string, unknown>;
const id = (type: string, prefix = '') => onlyLogicalId(s.json, type, prefix);
const props = (logicalId: string) => (s.json.Resources[logicalId]?.Properties ?? {}) as Json;
const ref = (logicalId: string) => ({ Ref: logicalId });
const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
const dependsOn = (logicalId: string) => [s.json.Resources[logicalId]?.DependsOn ?? []].flat();
const dataSetIdOf = (viewId: string) => id('AWS::QuickSight::DataSet', `ReportingDataSet${viewId}`);
const dashboard = () => props(id('AWS::QuickSight::Dashboard'));
const definition = () => dashboard().Definition as Definition;

interface Definition {
  Options?: { Timezone?: string };
  DataSetIdentifierDeclarations: { Identifier: string; DataSetArn: unknown }[];
  ParameterDeclarations: { StringParameterDeclaration?: { Name: string; ParameterValueType: string } }[];
  FilterGroups: {
    CrossDataset: string;
    Filters: {
      CategoryFilter?: {
        Column: { DataSetIdentifier: string; ColumnName: string };
        Configuration: { CustomFilterConfiguration?: { ParameterName?: string; MatchOperator: string } };
      };
    }[];
    ScopeConfiguration: {
      SelectedSheets?: { SheetVisualScopingConfigurations: { SheetId: string; Scope: string; VisualIds?: string[] }[] };
    };
    Status?: string;
  }[];
  Sheets: {
    SheetId: string;
    Visuals: Json[];
    ParameterControls: { Dropdown?: Dropdown }[];
    SheetControlLayouts?: { Configuration: { GridLayout: { Elements: { ElementId: string }[] } } }[];
    Layouts: { Configuration: { GridLayout: { Elements: { ElementId: string; ElementType: string }[] } } }[];
  }[];
}

interface Dropdown {
  ParameterControlId: string;
  SourceParameterName: string;
  Type: string;
  SelectableValues?: { LinkToDataSetColumn?: { DataSetIdentifier: string; ColumnName: string } };
  CascadingControlConfiguration?: { SourceControls: { SourceSheetControlId: string; ColumnToMatch: { ColumnName: string } }[] };
}

/** The visuals of the one sheet, by kind: `{ LineChartVisual: {...} }` → ['LineChartVisual', {...}]. */
const visuals = () =>
  definition().Sheets[0]!.Visuals.map((visual) => {
    const [kind, body] = Object.entries(visual)[0]!;
    return { kind, body: body as { VisualId: string; Title?: { FormatText?: { PlainText?: string } }; ChartConfiguration: Json } };
  });

/** Every column a visual's field wells read, as `dataset.column`. */
const columnsRead = (visual: Json): string[] =>
  [...JSON.stringify(visual).matchAll(/"Column":\{"ColumnName":"([^"]+)","DataSetIdentifier":"([^"]+)"\}/g)].map(
    ([, column, dataSet]) => `${dataSet}.${column}`,
  );

describe('the network path from QuickSight to the database', () => {
  it('puts the VPC connection in the subnets the cluster uses: the batch store VPC, two zones, no route out of the VPC', () => {
    const connection = props(id('AWS::QuickSight::VPCConnection'));
    const clusterSubnets = props(id('AWS::RDS::DBSubnetGroup', 'BatchStoreClusterSubnets')).SubnetIds;
    expect(connection.SubnetIds).toEqual(clusterSubnets);
    const subnetIds = (connection.SubnetIds as { Ref: string }[]).map((subnet) => subnet.Ref);
    expect(subnetIds).toHaveLength(2);
    expect(new Set(subnetIds.map((subnet) => JSON.stringify(props(subnet).AvailabilityZone))).size).toBe(2);
    for (const subnet of subnetIds) expect(props(subnet).VpcId).toEqual(ref(id('AWS::EC2::VPC', 'BatchStoreVpc')));
    expect(logicalIds(s.json, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(logicalIds(s.json, 'AWS::EC2::NatGateway')).toEqual([]);
    expect(logicalIds(s.json, 'AWS::EC2::Route')).toEqual([]);
    expect(connection).toMatchObject({
      AwsAccountId: ACCOUNT,
      VPCConnectionId: 'geotech-dev-batch-store',
      RoleArn: getAtt(id('AWS::IAM::Role', 'ReportingVpcConnectionRole'), 'Arn'),
      SecurityGroupIds: [getAtt(id('AWS::EC2::SecurityGroup', 'ReportingSecurityGroup'), 'GroupId')],
    });
  });

  it("lets QuickSight's interfaces reach the cluster on 5432 and nothing else, and nothing reach them", () => {
    const quicksight = getAtt(id('AWS::EC2::SecurityGroup', 'ReportingSecurityGroup'), 'GroupId');
    const cluster = getAtt(id('AWS::EC2::SecurityGroup', 'BatchStoreClusterSecurityGroup'), 'GroupId');
    const rulesOf = (type: string, group: unknown) =>
      logicalIds(s.json, type)
        .map(props)
        .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(group));

    expect(props(id('AWS::EC2::SecurityGroup', 'ReportingSecurityGroup')).SecurityGroupIngress).toBeUndefined();
    expect(rulesOf('AWS::EC2::SecurityGroupIngress', quicksight)).toEqual([]);
    expect(rulesOf('AWS::EC2::SecurityGroupEgress', quicksight)).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: cluster }),
    ]);
    expect(
      rulesOf('AWS::EC2::SecurityGroupIngress', cluster).filter(
        (rule) => JSON.stringify(rule.SourceSecurityGroupId) === JSON.stringify(quicksight),
      ),
    ).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 })]);
  });

  it('gives the VPC connection role exactly the EC2 network interface permissions QuickSight needs, creating and changing interfaces only in the batch store VPC', () => {
    const role = id('AWS::IAM::Role', 'ReportingVpcConnectionRole');
    expect(props(role).AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'quicksight.amazonaws.com' } }],
    });
    const everything = ['literal:"*"'];
    expect(accessMap(s.json, role)).toEqual({
      'ec2:CreateNetworkInterface': everything,
      'ec2:DeleteNetworkInterface': everything,
      'ec2:DescribeSecurityGroups': everything,
      'ec2:DescribeSubnets': everything,
      'ec2:ModifyNetworkInterfaceAttribute': everything,
    });
    const statements = (props(role).Policies as { PolicyDocument: { Statement: { Action: string[]; Condition?: Json }[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    const manage = statements.find((statement) => statement.Action.includes('ec2:CreateNetworkInterface'));
    expect(manage?.Action.sort()).toEqual([
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:ModifyNetworkInterfaceAttribute',
    ]);
    expect(JSON.stringify(manage?.Condition)).toContain(`{"Ref":"${id('AWS::EC2::VPC', 'BatchStoreVpc')}"}`);
    expect(Object.keys(manage?.Condition ?? {})).toEqual(['ArnEquals']);
  });
});

describe('the data source', () => {
  it("is Aurora PostgreSQL over the cluster endpoint through the VPC connection, with TLS and the reporting role's secret as credentials", () => {
    const dataSource = props(id('AWS::QuickSight::DataSource'));
    expect(dataSource).toMatchObject({
      AwsAccountId: ACCOUNT,
      DataSourceId: 'geotech-dev-batch-store',
      Type: 'AURORA_POSTGRESQL',
      DataSourceParameters: {
        AuroraPostgreSqlParameters: {
          Host: getAtt(id('AWS::RDS::DBCluster', 'BatchStoreCluster'), 'Endpoint.Address'),
          Port: 5432,
          Database: 'geotech',
        },
      },
      VpcConnectionProperties: { VpcConnectionArn: getAtt(id('AWS::QuickSight::VPCConnection'), 'Arn') },
      SslProperties: { DisableSsl: false },
    });
    expect(dataSource.Credentials).toEqual({
      SecretArn: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreReportingSecretAttachment')),
    });
  });

  it("lets QuickSight's secrets role read the reporting role's secret, not the owner's, and decrypt it with the cluster key through Secrets Manager only", () => {
    const [policyId] = logicalIds(s.json, 'AWS::IAM::Policy').filter((policy) =>
      JSON.stringify(props(policy).Roles).includes('aws-quicksight-secretsmanager-role-v0'),
    );
    expect(policyId).toBeDefined();
    const policy = props(policyId!);
    expect(policy.Roles).toEqual(['aws-quicksight-secretsmanager-role-v0']);
    expect(policy.PolicyName).toBe('geotech-dev-quicksight-batch-store-secret');
    expect((policy.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: ref(id('AWS::SecretsManager::SecretTargetAttachment', 'BatchStoreReportingSecretAttachment')),
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(id('AWS::KMS::Key', 'BatchStoreKey'), 'Arn'),
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.ap-southeast-2.', { Ref: 'AWS::URLSuffix' }]] } },
        },
      },
    ]);
  });

  it('is created only once the network rules, the secret policy and the schema migrations are in place (QuickSight tests the connection on creation)', () => {
    const waitsFor = dependsOn(id('AWS::QuickSight::DataSource'));
    const clusterIngressFromQuickSight = logicalIds(s.json, 'AWS::EC2::SecurityGroupIngress').filter((rule) =>
      JSON.stringify(props(rule).SourceSecurityGroupId).includes(id('AWS::EC2::SecurityGroup', 'ReportingSecurityGroup')),
    );
    expect(waitsFor).toEqual(
      expect.arrayContaining([
        ...clusterIngressFromQuickSight,
        ...logicalIds(s.json, 'AWS::EC2::SecurityGroupEgress', 'ReportingSecurityGroup'),
        id('AWS::IAM::Policy', 'ReportingSecretAccess'),
        id('Custom::SchemaMigrations', 'SchemaMigrations'),
      ]),
    );
  });
});

describe('the datasets', () => {
  it('are one direct-query dataset per report view, each reading its view through the data source', () => {
    expect(logicalIds(s.json, 'AWS::QuickSight::DataSet')).toHaveLength(REPORT_VIEW_IDS.length);
    for (const viewId of REPORT_VIEW_IDS) {
      const dataSet = props(dataSetIdOf(viewId));
      expect(dataSet).toMatchObject({ DataSetId: `geotech-dev-${viewId}`, ImportMode: 'DIRECT_QUERY', AwsAccountId: ACCOUNT });
      expect(dataSet.PhysicalTableMap).toEqual({
        [viewId]: {
          RelationalTable: {
            DataSourceArn: getAtt(id('AWS::QuickSight::DataSource'), 'Arn'),
            Schema: 'public',
            Name: REPORT_VIEWS[viewId].view,
            InputColumns: REPORT_VIEWS[viewId].columns.map((column) => ({ Name: column.name, Type: column.type })),
          },
        },
      });
      expect(dependsOn(dataSetIdOf(viewId))).toContain(id('Custom::SchemaMigrations', 'SchemaMigrations'));
    }
  });

  it('declare exactly the columns the migrated views have, with the QuickSight type of each PostgreSQL type (intervals excepted)', async () => {
    const db = new PGlite();
    try {
      for (const migration of BUNDLED_MIGRATIONS) await db.exec(migration.sql);
      const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
        [REPORT_VIEW_IDS.map((viewId) => REPORT_VIEWS[viewId].view)],
      );
      for (const viewId of REPORT_VIEW_IDS) {
        const view = REPORT_VIEWS[viewId];
        const inDatabase = rows
          .filter((row) => row.table_name === view.view && row.data_type !== 'interval')
          .map((row) => ({ name: row.column_name, type: quickSightType(row.data_type) }));
        expect(inDatabase.length, `${view.view} exists`).toBeGreaterThan(0);
        const declared = JSON.parse(JSON.stringify((props(dataSetIdOf(viewId)).PhysicalTableMap as Json)[viewId])) as {
          RelationalTable: { InputColumns: { Name: string; Type: string }[] };
        };
        expect(
          declared.RelationalTable.InputColumns.map((column) => ({ name: column.Name, type: column.Type })),
          view.view,
        ).toEqual(inDatabase);
      }
    } finally {
      await db.close();
    }
  });
});

describe('the dashboard', () => {
  it('is defined in code over the five datasets', () => {
    expect(dashboard()).toMatchObject({
      AwsAccountId: ACCOUNT,
      DashboardId: 'geotech-dev-monitoring',
      ValidationStrategy: { Mode: 'STRICT' },
    });
    expect(definition().DataSetIdentifierDeclarations).toEqual(
      REPORT_VIEW_IDS.map((viewId) => ({ Identifier: viewId, DataSetArn: getAtt(dataSetIdOf(viewId), 'Arn') })),
    );
  });

  it('draws a time series per instrument: the mean over window start, one line (colour) per instrument', () => {
    const charts = visuals().filter((visual) => visual.kind === 'LineChartVisual');
    expect(charts).toHaveLength(1);
    const wells = (charts[0]!.body.ChartConfiguration.FieldWells as { LineChartAggregatedFieldWells: Record<string, Json[]> })
      .LineChartAggregatedFieldWells;
    expect(wells.Category).toEqual([
      { DateDimensionField: expect.objectContaining({ Column: { DataSetIdentifier: 'history', ColumnName: 'window_start' } }) },
    ]);
    expect(wells.Values).toEqual([
      {
        NumericalMeasureField: expect.objectContaining({
          Column: { DataSetIdentifier: 'history', ColumnName: 'mean' },
          AggregationFunction: { SimpleNumericalAggregation: 'AVERAGE' },
        }),
      },
    ]);
    expect(wells.Colors).toEqual([
      { CategoricalDimensionField: expect.objectContaining({ Column: { DataSetIdentifier: 'history', ColumnName: 'instrument_id' } }) },
    ]);
  });

  it('has the latest status, daily summary, exceedance and silent instrument tables, each reading only its own view', () => {
    const tables = visuals().filter((visual) => visual.kind === 'TableVisual');
    const viewsRead = tables.map((table) => [...new Set(columnsRead(table.body).map((column) => column.split('.')[0]))]);
    expect(viewsRead).toEqual([['latest'], ['daily'], ['exceedances'], ['silent']]);
    const daily = columnsRead(tables[1]!.body);
    expect(daily).toEqual(
      expect.arrayContaining([
        'daily.instrument_id',
        'daily.day',
        'daily.reading_count',
        'daily.min_value',
        'daily.mean',
        'daily.max_value',
        'daily.completeness',
      ]),
    );
    expect(columnsRead(tables[2]!.body)).toEqual(
      expect.arrayContaining([
        'exceedances.instrument_id',
        'exceedances.from_status',
        'exceedances.to_status',
        'exceedances.changed_at',
        'exceedances.ended_at',
      ]),
    );
    expect(columnsRead(tables[3]!.body)).toEqual(
      expect.arrayContaining(['silent.instrument_id', 'silent.last_reading_at', 'silent.silent_seconds']),
    );
  });

  it("shows times in the site's time zone, and days as the views' site-local days", () => {
    expect(definition().Options).toEqual({ Timezone: 'Australia/Melbourne' });
    const withZone = synthesize({ ...REPORTING, siteTimeZone: 'Australia/Perth' });
    try {
      const dashboardId = onlyLogicalId(withZone.json, 'AWS::QuickSight::Dashboard');
      expect((withZone.json.Resources[dashboardId]!.Properties as { Definition: Definition }).Definition.Options).toEqual({
        Timezone: 'Australia/Perth',
      });
    } finally {
      withZone.dispose();
    }
  });

  it('reads only columns its datasets declare, and lays out every visual', () => {
    const declared = new Set(REPORT_VIEW_IDS.flatMap((viewId) => REPORT_VIEWS[viewId].columns.map((column) => `${viewId}.${column.name}`)));
    const read = visuals().flatMap((visual) => columnsRead(visual.body));
    expect(read.filter((column) => !declared.has(column))).toEqual([]);
    const laidOut = definition().Sheets[0]!.Layouts[0]!.Configuration.GridLayout.Elements.map((element) => element.ElementId);
    expect(laidOut).toEqual(visuals().map((visual) => visual.body.VisualId));
  });

  it('offers instrument type and instrument drop-downs (multi-select, the instruments following the types) bound to declared parameters', () => {
    const sheet = definition().Sheets[0]!;
    const dropdowns = sheet.ParameterControls.map((control) => control.Dropdown!);
    expect(
      dropdowns.map((dropdown) => [
        dropdown.SourceParameterName,
        dropdown.Type,
        dropdown.SelectableValues?.LinkToDataSetColumn?.ColumnName,
      ]),
    ).toEqual([
      ['InstrumentType', 'MULTI_SELECT', 'instrument_type'],
      ['Instrument', 'MULTI_SELECT', 'instrument_id'],
    ]);
    const [typeControl, instrumentControl] = dropdowns;
    expect(instrumentControl!.CascadingControlConfiguration?.SourceControls).toEqual([
      {
        SourceSheetControlId: typeControl!.ParameterControlId,
        ColumnToMatch: { DataSetIdentifier: 'latest', ColumnName: 'instrument_type' },
      },
    ]);
    expect(definition().ParameterDeclarations.map((declaration) => declaration.StringParameterDeclaration)).toEqual([
      expect.objectContaining({ Name: 'InstrumentType', ParameterValueType: 'MULTI_VALUED' }),
      expect.objectContaining({ Name: 'Instrument', ParameterValueType: 'MULTI_VALUED' }),
    ]);
    expect(sheet.SheetControlLayouts?.[0]?.Configuration.GridLayout.Elements.map((element) => element.ElementId)).toEqual(
      dropdowns.map((dropdown) => dropdown.ParameterControlId),
    );
  });

  it('filters every visual by both parameters, on the instrument type and instrument columns of the dataset it shows', () => {
    const sheetId = definition().Sheets[0]!.SheetId;
    for (const visual of visuals()) {
      const viewId = columnsRead(visual.body)[0]!.split('.')[0];
      const groups = definition().FilterGroups.filter((group) =>
        group.ScopeConfiguration.SelectedSheets?.SheetVisualScopingConfigurations.some(
          (scope) => scope.SheetId === sheetId && (scope.Scope === 'ALL_VISUALS' || scope.VisualIds?.includes(visual.body.VisualId)),
        ),
      );
      const filters = groups
        .filter((group) => group.Status !== 'DISABLED')
        .flatMap((group) => group.Filters)
        .map((filter) => filter.CategoryFilter!)
        .map((filter) => [
          filter.Column.DataSetIdentifier,
          filter.Column.ColumnName,
          filter.Configuration.CustomFilterConfiguration?.ParameterName,
          filter.Configuration.CustomFilterConfiguration?.MatchOperator,
        ]);
      expect(filters, visual.body.VisualId).toEqual(
        expect.arrayContaining([
          [viewId, 'instrument_type', 'InstrumentType', 'EQUALS'],
          [viewId, 'instrument_id', 'Instrument', 'EQUALS'],
        ]),
      );
    }
  });

  it('is shown to the principals with export to CSV and the controls expanded', () => {
    expect(dashboard().DashboardPublishOptions).toMatchObject({
      ExportToCSVOption: { AvailabilityStatus: 'ENABLED' },
      SheetControlsOption: { VisibilityState: 'EXPANDED' },
    });
    expect(s.json.Outputs?.QuickSightDashboardUrl).toMatchObject({
      Value: 'https://ap-southeast-2.quicksight.aws.amazon.com/sn/dashboards/geotech-dev-monitoring',
    });
  });
});

describe('sharing', () => {
  const permissionsOf = (logicalId: string) => props(logicalId).Permissions as { Principal: string; Actions: string[] }[];

  it('lets each principal use the data source and every dataset, and view the dashboard, without owning any of them', () => {
    const use = (actions: string[]) => [ALICE, ENGINEERS].map((principal) => ({ Principal: principal, Actions: actions }));
    expect(permissionsOf(id('AWS::QuickSight::DataSource'))).toEqual(
      use(['quicksight:DescribeDataSource', 'quicksight:DescribeDataSourcePermissions', 'quicksight:PassDataSource']),
    );
    for (const viewId of REPORT_VIEW_IDS) {
      expect(permissionsOf(dataSetIdOf(viewId)), viewId).toEqual(
        use([
          'quicksight:DescribeDataSet',
          'quicksight:DescribeDataSetPermissions',
          'quicksight:PassDataSet',
          'quicksight:DescribeIngestion',
          'quicksight:ListIngestions',
        ]),
      );
    }
    expect(permissionsOf(id('AWS::QuickSight::Dashboard'))).toEqual(
      use(['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard']),
    );
    const granted = JSON.stringify(logicalIds(s.json, 'AWS::QuickSight::DataSet').map(permissionsOf));
    expect(granted).not.toMatch(/Update|Delete|CreateIngestion/);
  });
});

describe('checks', () => {
  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(s.app).violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('acknowledges only the wildcard resource of the VPC connection role, on that role, with a reason', () => {
    const acknowledged = s.stack
      .reporting!.node.findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.keys(entry.data as Json).map((rule) => ({ path: construct.node.path, rule }))),
      );
    expect(acknowledged).toEqual([
      { path: 'GeotechMonitoring-dev/Reporting/VpcConnectionRole', rule: expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\]$/) },
    ]);
  });

  it.skipIf(!hasCfnLint())('passes cfn-lint with no errors (skipped where cfn-lint is not installed; .ci/run installs it)', () => {
    const templates = s.assembly.stacks.map((stack) => path.join(s.outdir, stack.templateFile));
    const result = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
    expect(result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('synthesizes nothing QuickSight without quicksightPrincipals (the default template, kept in sync by pipeline-stack.test.ts)', () => {
    const defaultTemplate = readFileSync(path.join(PROJECT_ROOT, 'test/cdk/__snapshots__/default.template.json'), 'utf8');
    expect(defaultTemplate).not.toMatch(/AWS::QuickSight::|quicksight/i);
    expect(cdkJsonContext().quicksightPrincipals).toEqual([]);
  });
});

describe('configuration', () => {
  const problems = (context: Json): string[] => {
    try {
      loadConfig((key) => context[key], Object.keys(context));
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.key}: ${problem.message}`);
      throw error;
    }
    return [];
  };

  it.each([
    ['an IAM role', 'arn:aws:iam::123456789012:role/analyst'],
    ['a name', 'alice'],
    ['a user without a namespace', 'arn:aws:quicksight:us-east-1:123456789012:user/alice'],
    ['a dashboard', 'arn:aws:quicksight:us-east-1:123456789012:dashboard/geotech-dev-monitoring'],
  ])('refuses %s as a principal, naming the key and the ARN form it wants', (_, arn) => {
    expect(problems({ quicksightPrincipals: `${ALICE},${arn}` })).toEqual([
      `quicksightPrincipals[1]: must be a QuickSight user or group ARN, arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> or …:group/<namespace>/<name> (IAM ARNs are not QuickSight principals) (got ${JSON.stringify(arn)})`,
    ]);
  });

  it('refuses principals outside the identity Region or the stack account', () => {
    expect(problems({ region: 'ap-southeast-2', quicksightPrincipals: ALICE })).toEqual([
      "quicksightPrincipals[0]: names Region us-east-1 but region is ap-southeast-2; QuickSight principals live in the account's QuickSight identity Region (set quicksightRegion to it)",
    ]);
    expect(problems({ quicksightRegion: 'eu-west-1', quicksightPrincipals: ENGINEERS })[0]).toMatch(
      /^quicksightPrincipals\[0\]: names Region us-east-1 but quicksightRegion is eu-west-1/,
    );
    expect(problems({ account: '210987654321', quicksightPrincipals: ALICE })).toEqual([
      'quicksightPrincipals[0]: names account 123456789012 but the stack deploys to account 210987654321',
    ]);
  });

  it('refuses quicksightRegion without principals, and a Region that is not one', () => {
    expect(problems({ quicksightRegion: 'us-east-1' })).toEqual([
      'quicksightRegion: applies only to QuickSight reporting; also set quicksightPrincipals, or leave quicksightRegion unset',
    ]);
    expect(problems({ quicksightRegion: 'virginia', quicksightPrincipals: ALICE })[0]).toMatch(
      /^quicksightRegion: must be an AWS Region code/,
    );
  });

  it('accepts users and groups of any namespace, including federated user names, from -c or cdk.json', () => {
    const federated = 'arn:aws:quicksight:us-east-1:123456789012:user/default/QuickSightReaders/alice@example.com';
    expect(
      problems({ quicksightPrincipals: [ALICE, ENGINEERS, federated, 'arn:aws:quicksight:us-east-1:123456789012:group/site-a/viewers'] }),
    ).toEqual([]);
  });

  it('stops the app before building anything when a principal is invalid', () => {
    expect(() =>
      createPipelineApp({ context: { ...cdkJsonContext(), quicksightPrincipals: 'arn:aws:iam::123456789012:user/alice' } }),
    ).toThrow(/quicksightPrincipals\[0\]: must be a QuickSight user or group ARN/);
  });
});

/** The QuickSight type of a PostgreSQL column type, as QuickSight maps them. */
function quickSightType(postgresType: string): QuickSightColumnType | `unmapped ${string}` {
  switch (postgresType) {
    case 'text':
    case 'character varying':
      return 'STRING';
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'INTEGER';
    case 'real':
    case 'double precision':
    case 'numeric':
      return 'DECIMAL';
    case 'date':
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'DATETIME';
    case 'boolean':
      return 'BOOLEAN';
    default:
      return `unmapped ${postgresType}`;
  }
}

function hasCfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
