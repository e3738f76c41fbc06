import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag AwsSolutions finding on a construct and everything beneath it.
 * Every acknowledgement in this project names the finding exactly (down to the action or
 * resource of an IAM5 finding) and says why the finding does not apply.
 */
export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: finding.startsWith('AwsSolutions-') ? finding : `AwsSolutions-${finding}`, reason });
}

/** The IAM5 finding for a resource ARN containing `*`, as cdk-nag names it (tokens as `<LogicalId.Attr>`). */
export function wildcardResource(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn))}]`;
}

/** The IAM4 finding for an AWS managed policy, e.g. `service-role/AWSLambdaBasicExecutionRole`. */
export function managedPolicy(name: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
}

/** Renders a resolved CloudFormation value the way cdk-nag does in finding IDs. */
function flatten(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flatten(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flatten(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flatten(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
