import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EncryptedTopic } from '../constructs/encrypted-topic.js';

/** Secrets Manager's rotation outcomes that need a person: the rotation function failed, or gave up. */
export const ROTATION_FAILURE_EVENTS = ['RotationFailed', 'RotationAbandoned'] as const;

export interface RotationFailuresProps {
  /** Names the rule, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** The rotated secrets whose failures are reported. */
  readonly secrets: readonly secretsmanager.ISecret[];
  /** Where the failures go: the operations topic. */
  readonly topic: EncryptedTopic;
}

/**
 * Sends Secrets Manager's rotation failures for the given secrets to the operations topic: an
 * EventBridge rule on the events CloudTrail delivers for rotation (`aws.secretsmanager`,
 * "AWS Service Event via CloudTrail", `RotationFailed` and `RotationAbandoned`), matched on
 * the secret's ARN. A rotation that cannot reach the database or Secrets Manager fails
 * silently otherwise: the old password keeps working until someone tries to use a new one.
 */
export class RotationFailures extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RotationFailuresProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: `${props.namePrefix}-secret-rotation-failed`,
      description: 'Secrets Manager could not rotate a batch store secret',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: [...ROTATION_FAILURE_EVENTS],
          additionalEventData: { SecretId: props.secrets.map((secret) => secret.secretArn) },
        },
      },
    });
    this.rule.addTarget(
      new targets.SnsTopic(props.topic.topic, {
        message: events.RuleTargetInput.fromText(
          `Secret rotation ${events.EventField.fromPath('$.detail.eventName')} for ${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} at ${events.EventField.time}: see the rotation function's log`,
        ),
      }),
    );
  }
}
