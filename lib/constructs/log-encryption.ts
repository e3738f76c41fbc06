import { Aspects, type IAspect, type RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { rotatingKey } from './rotating-key.js';

export interface LogEncryptionProps {
  /** Alias of the key without `alias/`, e.g. `geotech-dev/logs`. */
  readonly alias: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Encrypts every CloudWatch Logs log group of the stack with one rotating customer managed
 * key: an aspect gives the key to each `AWS::Logs::LogGroup` that names none, so a log group a
 * construct adds later is encrypted too. The key's policy lets CloudWatch Logs in this Region
 * use it for this account's log groups only (the `aws:logs:arn` encryption context).
 */
export function encryptLogGroups(stack: Stack, id: string, props: LogEncryptionProps): kms.Key {
  const key = rotatingKey(stack, id, {
    alias: props.alias,
    description: `Encrypts the CloudWatch Logs log groups of ${stack.stackName}`,
    removalPolicy: props.removalPolicy,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }),
  );
  Aspects.of(stack).add(new EncryptLogGroups(key));
  return key;
}

/** Gives `key` to every log group beneath the scope it visits that has none. */
class EncryptLogGroups implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) {
      node.kmsKeyId = this.key.keyArn;
    }
  }
}
