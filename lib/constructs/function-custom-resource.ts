import { CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge, wildcardResource } from '../nag.js';
import type { PipelineFunction } from './pipeline-function.js';

export interface FunctionCustomResourceProps {
  /** The function that handles onEvent (custom_resources.Provider contract: returns `{ PhysicalResourceId?, Data? }`). */
  readonly lambdaFunction: PipelineFunction;
  /** CloudFormation type, `Custom::<Name>`. */
  readonly resourceType: string;
  /** Passed to the handler as `ResourceProperties`; a changed value makes CloudFormation send Update. */
  readonly properties: Record<string, unknown>;
  /** Retention of the provider framework's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** A custom resource handled by one of the project's functions through the CDK provider framework. */
export class FunctionCustomResource extends Construct {
  readonly provider: cr.Provider;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: FunctionCustomResourceProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const frameworkRole = new iam.Role(this, 'FrameworkRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Provider framework of ${props.resourceType}: invokes its handler and writes its own logs`,
    });
    logGroup.grantWrite(frameworkRole);
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.lambdaFunction.function,
      frameworkOnEventRole: frameworkRole,
      logGroup,
    });
    acknowledge(
      frameworkRole,
      wildcardResource(this, `${props.lambdaFunction.functionArn}:*`),
      "The provider framework may invoke its one handler function and that function's versions (ARN:*), nothing else.",
    );
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: props.resourceType,
      properties: props.properties,
    });
  }
}
