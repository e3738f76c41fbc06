import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/shared/telemetry.js';
import { acknowledge } from '../nag.js';
import { ESM_REQUIRE_BANNER, LAMBDA_MAIN_FIELDS, lambdaEsbuildArgs } from './lambda-bundling.js';

/** The repository root: handler entries and the lock file are resolved from here. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The newest Node.js runtime this version of aws-cdk-lib offers; `LAMBDA_NODE_TARGET` follows it. */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface PipelineFunctionProps {
  /** Handler module, relative to the repository root, e.g. `lambdas/poller/handler.ts`; it exports `handler`. */
  readonly entry: string;
  /** Physical function name; also names the log group `/aws/lambda/<functionName>`. */
  readonly functionName: string;
  readonly description: string;
  /** @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default - no reservation (the account's unreserved pool) */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** esbuild loaders by file extension, e.g. `{ '.sql': 'text' }`. @default - esbuild's defaults */
  readonly loader?: Readonly<Record<string, string>>;
  /** Runs the function in these subnets with these security groups. @default - outside any VPC */
  readonly network?: FunctionNetwork;
}

/** Where a function inside a VPC runs. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * A Node.js Lambda function bundled locally with esbuild (no Docker): ARM64, the newest
 * Node.js runtime, minified ESM with source maps and the AWS SDK bundled at the version the
 * project pins, its credential chain cut to the environment Lambda provides and its
 * event-stream codec left out (`LAMBDA_BUNDLE_SETTINGS`). It has its own log group and its
 * own role, which may only write to that log group; every other permission is granted
 * explicitly by the constructs that use it.
 */
export class PipelineFunction extends Construct implements iam.IGrantable {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.grantPrincipal = this.role;
    if (props.network) grantNetworkInterfaces(this.role, props.network.vpc);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      functionName: props.functionName,
      description: props.description,
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Stack traces point at the TypeScript sources through the bundled source maps.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      role: this.role,
      logGroup: this.logGroup,
      ...(props.network
        ? { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [...props.network.securityGroups] }
        : {}),
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        mainFields: [...LAMBDA_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        bundleAwsSDK: true,
        externalModules: [],
        esbuildArgs: lambdaEsbuildArgs(),
        loader: props.loader ? { ...props.loader } : undefined,
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  get functionName(): string {
    return this.function.functionName;
  }

  /** Adds (or replaces) an environment variable. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}

/**
 * Lets Lambda manage the network interfaces it places in a VPC for this role: a function in the
 * VPC, or a Kafka event source mapping polling a cluster there. Creating, deleting and
 * addressing interfaces is limited to the VPC by the `ec2:Vpc` condition; the Describe calls
 * support no resource-level permissions. It replaces the AWSLambdaVPCAccessExecutionRole
 * managed policy, which allows these on every VPC.
 */
export function grantNetworkInterfaces(role: iam.IRole, vpc: ec2.IVpc): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DescribeNetworkInterfaces',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ManageNetworkInterfacesInTheVpc',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
      conditions: { ArnEquals: { 'ec2:Vpc': vpc.vpcArn } },
    }),
  );
  acknowledge(
    role,
    'IAM5[Resource::*]',
    'Lambda manages the network interfaces of a VPC function or a Kafka event source mapping: the ec2 Describe calls support no resource-level permissions, and creating, deleting and addressing interfaces is limited to the pipeline VPC by the ec2:Vpc condition.',
  );
}

/** What every service construct (poller, processors, quarantine recorder) is told about its function. */
export interface ServiceFunctionOptions {
  /** Physical name of the function; also names its log group `/aws/lambda/<functionName>`. */
  readonly functionName: string;
  /** Namespace of its Powertools metrics (POWERTOOLS_METRICS_NAMESPACE). @default 'GeotechMonitoring' */
  readonly metricsNamespace?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export interface ServiceFunctionProps extends PipelineFunctionProps, ServiceFunctionOptions {
  /** Powertools service name (POWERTOOLS_SERVICE_NAME): the `service` dimension of its metrics. */
  readonly serviceName: string;
}

/**
 * A construct built around one function that publishes Powertools metrics: the function
 * (construct ID `Handler`), its service name, and the function's role as the construct's
 * grant principal. Subclasses add what triggers the function and what it may reach.
 */
export abstract class ServiceFunction extends Construct implements iam.IGrantable {
  readonly lambdaFunction: PipelineFunction;
  readonly serviceName: string;

  protected constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.lambdaFunction = new PipelineFunction(this, 'Handler', {
      ...props,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? METRICS_NAMESPACE,
      },
    });
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.lambdaFunction.grantPrincipal;
  }
}
