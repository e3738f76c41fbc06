import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { contentHash } from '../constructs/content-hash.js';
import { FunctionCustomResource } from '../constructs/function-custom-resource.js';
import { PipelineFunction, PROJECT_ROOT } from '../constructs/pipeline-function.js';
import { rotatingKey } from '../constructs/rotating-key.js';
import { acknowledge, wildcardResource } from '../nag.js';
import { DashboardsLogin } from './dashboards-login.js';

/** Every HTTP method, for principals whose reach inside the domain fine-grained access control decides. */
const ALL_HTTP_ACTIONS = ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpPatch', 'es:ESHttpDelete'];
/** What a Dashboards viewer sends: pages and searches (Dashboards searches with POST); nothing that changes or deletes. */
const VIEW_ACTIONS = ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'];
/** What an index writer sends: bulk and document writes, and reads of what it wrote. */
const WRITE_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut'];

export interface RealtimeStoreProps {
  /** Domain name, 3-28 lowercase letters, digits or hyphens; also prefixes the setup function and logs. */
  readonly domainName: string;
  /** @default opensearch.EngineVersion.OPENSEARCH_2_19 */
  readonly engineVersion?: opensearch.EngineVersion;
  /** @default 't3.medium.search' */
  readonly instanceType?: string;
  /** Data nodes; from 2 they are spread over availability zones (three when a multiple of three). @default 2 */
  readonly instanceCount?: number;
  /** Dedicated master (cluster manager) nodes: 0 or 3. @default 0 */
  readonly masterNodes?: number;
  /** @default 'm7g.large.search' */
  readonly masterInstanceType?: string;
  /** Where the Dashboards roles may reach the domain from (`aws:SourceIp`). @default - anywhere */
  readonly dashboardsAllowedCidrs?: readonly string[];
  /** gp3 volume per data node, GiB. @default 20 */
  readonly volumeSizeGiB?: number;
  /** Prefix of every index, template and policy. @default 'geotech' */
  readonly indexPrefix?: string;
  /** How long daily reading and window indices are kept (ISM policy). @default 30 */
  readonly retentionDays?: number;
  /** Prefix of the Cognito hosted sign-in domain for Dashboards. */
  readonly dashboardsDomainPrefix: string;
  /** Key for encryption at rest. @default - a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** What happens to the domain, its key and the user pool when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The real-time store: an OpenSearch Service domain with encryption at rest (customer managed
 * key), node-to-node encryption, HTTPS only (TLS 1.2 or later, forward-secret ciphers), fine-grained access control, and
 * application, audit and slow logs in CloudWatch Logs; Dashboards sign-in through Cognito.
 *
 * Fine-grained access control: the master user is the setup function's role, so the setup
 * custom resource can install index templates, the ISM retention policy, the Dashboards saved
 * objects and the role mappings. It receives the roles to map in its properties: `AdminRoleArns`
 * (all access), `ViewerRoleArns` (read the project's indices in Dashboards) and
 * `WriterRoleArns` (write the project's indices). The domain's resource-based policy names
 * exactly these roles with the same grants as their own IAM policies: no anonymous or
 * account-wide principal. Viewers may only GET, HEAD and POST (Dashboards searches with POST);
 * with `dashboardsAllowedCidrs`, the Dashboards roles only from those addresses.
 */
export class RealtimeStore extends Construct {
  readonly domain: opensearch.Domain;
  readonly login: DashboardsLogin;
  readonly setup: PipelineFunction;
  readonly setupResource: FunctionCustomResource;
  readonly indexPrefix: string;
  readonly encryptionKey: kms.IKey;
  private readonly writerRoleArns: string[] = [];
  private readonly pathGrants: PathGrant[] = [];

  constructor(scope: Construct, id: string, props: RealtimeStoreProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const instanceCount = props.instanceCount ?? 2;
    const retentionDays = props.retentionDays ?? 30;
    this.indexPrefix = props.indexPrefix ?? 'geotech';
    this.encryptionKey =
      props.encryptionKey ??
      rotatingKey(this, 'Key', {
        alias: `${props.domainName}/opensearch`,
        description: `Encrypts the ${props.domainName} OpenSearch domain at rest`,
        removalPolicy,
      });

    this.login = new DashboardsLogin(this, 'Login', {
      namePrefix: props.domainName,
      domainPrefix: props.dashboardsDomainPrefix,
      removalPolicy,
      logRetention,
    });

    this.setup = new PipelineFunction(this, 'Setup', {
      entry: 'lambdas/opensearch/setup-handler.ts',
      functionName: `${props.domainName}-opensearch-setup`,
      description: 'Applies index templates, the ISM retention policy, Dashboards objects and role mappings (custom resource)',
      timeout: Duration.minutes(5),
      memorySize: 256,
      logRetention,
      environment: { OPENSEARCH_INDEX_PREFIX: this.indexPrefix, RETENTION_DAYS: String(retentionDays) },
    });

    const logGroup = (logId: string, kind: string, logRemoval = RemovalPolicy.DESTROY) =>
      new logs.LogGroup(this, logId, {
        logGroupName: `/aws/opensearch/${props.domainName}/${kind}`,
        retention: logRetention,
        removalPolicy: logRemoval,
      });
    const appLogGroup = logGroup('AppLogs', 'application');
    // The audit trail outlives the stack like the domain does (until its retention period ends).
    const auditLogGroup = logGroup('AuditLogs', 'audit', removalPolicy);
    const slowSearchLogGroup = logGroup('SlowSearchLogs', 'search-slow');
    const slowIndexLogGroup = logGroup('SlowIndexLogs', 'index-slow');
    const domainLogGroups = [appLogGroup, auditLogGroup, slowSearchLogGroup, slowIndexLogGroup];
    new logs.ResourcePolicy(this, 'LogsPolicy', {
      resourcePolicyName: `${props.domainName}-opensearch-logs`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: domainLogGroups.map((group) => group.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      ],
    });

    const zoneCount = instanceCount % 3 === 0 ? 3 : 2;
    const masterNodes = props.masterNodes ?? 0;
    this.domain = new opensearch.Domain(this, 'Domain', {
      domainName: props.domainName,
      version: props.engineVersion ?? opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: instanceCount,
        dataNodeInstanceType: props.instanceType ?? 't3.medium.search',
        ...(masterNodes > 0 ? { masterNodes, masterNodeInstanceType: props.masterInstanceType ?? 'm7g.large.search' } : {}),
        multiAzWithStandbyEnabled: false,
      },
      zoneAwareness: instanceCount >= 2 ? { enabled: true, availabilityZoneCount: zoneCount } : { enabled: false },
      ebs: { volumeSize: props.volumeSizeGiB ?? 20, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true, kmsKey: this.encryptionKey },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      // The newest policy OpenSearch Service offers: TLS 1.2 or later with forward-secret ciphers only.
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2_PFS,
      fineGrainedAccessControl: { masterUserArn: this.setup.role.roleArn },
      cognitoDashboardsAuth: {
        userPoolId: this.login.userPool.userPoolId,
        identityPoolId: this.login.identityPool.ref,
        role: this.login.openSearchAccessRole,
      },
      logging: {
        appLogEnabled: true,
        appLogGroup,
        auditLogEnabled: true,
        auditLogGroup,
        slowSearchLogEnabled: true,
        slowSearchLogGroup,
        slowIndexLogEnabled: true,
        slowIndexLogGroup,
      },
      suppressLogsResourcePolicy: true,
      offPeakWindowEnabled: true,
      enableAutoSoftwareUpdate: true,
      enableVersionUpgrade: true,
      removalPolicy,
    });
    // OpenSearch checks at creation that it may write to the log groups and that the user pool has a domain.
    this.domain.node.addDependency(this.node.findChild('LogsPolicy'), this.login.userPoolDomain);
    this.login.bindDomain(this.domain);
    (this.domain.node.defaultChild as opensearch.CfnDomain).accessPolicies = Lazy.any({
      produce: () => this.accessPolicy(props.domainName),
    });
    acknowledge(
      this.domain,
      'OS1',
      'Engineers reach Dashboards from the internet through Cognito sign-in; every request is SigV4-signed and authorised by IAM and fine-grained access control.',
    );
    acknowledge(
      this.domain,
      'OS3',
      'Access is by IAM identity (named roles in the access policy) and Cognito sign-in, not by network address; engineers work from changing locations.',
    );
    if (masterNodes === 0) {
      acknowledge(
        this.domain,
        'OS4',
        'openSearchProfile=dev, for development and test stages: data nodes elect the cluster manager among themselves, so losing one node or zone stops writes until it returns. Stages that serve a site use openSearchProfile=production, with three dedicated masters.',
      );
    }

    this.setup.addEnvironment('OPENSEARCH_ENDPOINT', this.endpointUrl);
    const fromAllowedAddresses =
      props.dashboardsAllowedCidrs && props.dashboardsAllowedCidrs.length > 0
        ? { IpAddress: { 'aws:SourceIp': [...props.dashboardsAllowedCidrs] } }
        : undefined;
    this.allowPaths(
      'SetupFunction',
      this.setup.role,
      ALL_HTTP_ACTIONS,
      'The setup function is the fine-grained access control master user: it installs index templates, the ISM policy, Dashboards saved objects and role mappings under several API paths.',
    );
    this.allowPaths(
      'DashboardsAdmins',
      this.login.adminRole,
      ALL_HTTP_ACTIONS,
      'Dashboards administrators reach every API through Dashboards; fine-grained access control maps them to all_access.',
      fromAllowedAddresses,
    );
    this.allowPaths(
      'DashboardsViewers',
      this.login.viewerRole,
      VIEW_ACTIONS,
      'Dashboards viewers reach Dashboards pages and searches (GET, HEAD, POST); fine-grained access control limits them to reading the project indices.',
      fromAllowedAddresses,
    );

    this.setupResource = new FunctionCustomResource(this, 'SetupResource', {
      lambdaFunction: this.setup,
      resourceType: 'Custom::OpenSearchSetup',
      logRetention,
      properties: {
        SetupHash: contentHash(PROJECT_ROOT, ['lambdas/opensearch', 'lambdas/realtime']),
        IndexPrefix: this.indexPrefix,
        RetentionDays: retentionDays,
        AdminRoleArns: [this.login.adminRole.roleArn],
        ViewerRoleArns: [this.login.viewerRole.roleArn],
        WriterRoleArns: Lazy.list({ produce: () => this.writerRoleArns }, { omitEmpty: false }),
      },
    });
    this.setupResource.resource.node.addDependency(this.domain);
  }

  /** `https://` and the domain endpoint. */
  get endpointUrl(): string {
    return `https://${this.domain.domainEndpoint}`;
  }

  /**
   * Lets a role write the project's indices: `es:ESHttpGet`, `es:ESHttpPost` and `es:ESHttpPut`
   * on `<prefix>-*` index paths and on `_bulk` (the bulk API is addressed at the domain root;
   * fine-grained access control still checks each item's index), and maps the role to the
   * writer role inside OpenSearch through the setup resource.
   */
  grantIndexWrite(grantee: iam.IGrantable): iam.Grant {
    const role = grantee.grantPrincipal;
    if (!(role instanceof iam.Role))
      throw new Error(`grantIndexWrite needs a grantee whose principal is a role, got ${role.constructor.name}`);
    this.writerRoleArns.push(role.roleArn);
    const indexPaths = this.indexPaths(this.domain.domainArn);
    for (const path of indexPaths.filter((p) => p.includes('*'))) {
      acknowledge(
        role,
        wildcardResource(this, path),
        `The project's indices are daily (<prefix>-readings-YYYY.MM.DD, ...), so writers need the ${this.indexPrefix}-* pattern; nothing outside it.`,
      );
    }
    return iam.Grant.addToPrincipal({ grantee, actions: WRITE_ACTIONS, resourceArns: indexPaths });
  }

  /** The paths an index writer may address: the project's indices, their documents, and `_bulk`. */
  private indexPaths(domainArn: string): string[] {
    return [`${domainArn}/${this.indexPrefix}-*`, `${domainArn}/${this.indexPrefix}-*/*`, `${domainArn}/_bulk`];
  }

  /** Lets a role send `actions` to every path of the domain, in its own policy and the domain's (under `sid`). */
  private allowPaths(sid: string, role: iam.Role, actions: string[], reason: string, conditions?: Record<string, unknown>): void {
    this.pathGrants.push({ sid, roleArn: role.roleArn, actions, conditions });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DomainHttp', actions, resources: [`${this.domain.domainArn}/*`], conditions }),
    );
    acknowledge(role, wildcardResource(this, `${this.domain.domainArn}/*`), reason);
  }

  /** The domain's resource-based policy: the project's roles, each with the grants of its own policy. */
  private accessPolicy(domainName: string): iam.PolicyDocument {
    const domainArn = Stack.of(this).formatArn({ service: 'es', resource: 'domain', resourceName: domainName });
    const statements = this.pathGrants.map(
      (grant) =>
        new iam.PolicyStatement({
          sid: grant.sid,
          principals: [new iam.ArnPrincipal(grant.roleArn)],
          actions: grant.actions,
          resources: [`${domainArn}/*`],
          conditions: grant.conditions,
        }),
    );
    if (this.writerRoleArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'IndexWriters',
          principals: this.writerRoleArns.map((arn) => new iam.ArnPrincipal(arn)),
          actions: WRITE_ACTIONS,
          resources: this.indexPaths(domainArn),
        }),
      );
    }
    return new iam.PolicyDocument({ statements });
  }
}

/** One role's reach over every path of the domain, as its policy and the domain's state it. */
interface PathGrant {
  readonly sid: string;
  readonly roleArn: string;
  readonly actions: string[];
  readonly conditions: Record<string, unknown> | undefined;
}
