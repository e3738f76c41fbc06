import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface RotatingKeyProps {
  /** Alias without the `alias/` prefix, e.g. `geotech-dev/stream`. */
  readonly alias: string;
  readonly description: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A symmetric customer managed key with yearly automatic rotation. */
export function rotatingKey(scope: Construct, id: string, props: RotatingKeyProps): kms.Key {
  return new kms.Key(scope, id, {
    alias: props.alias,
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
