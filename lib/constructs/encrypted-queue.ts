import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EncryptedQueueProps {
  readonly queueName: string;
  /** Customer managed key the messages are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** @default Duration.days(14) (the SQS maximum) */
  readonly retentionPeriod?: Duration;
  /** @default Duration.seconds(30) */
  readonly visibilityTimeout?: Duration;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An SQS queue encrypted with a customer managed key that refuses requests not made over
 * TLS. Producers get exactly what sending needs: `sqs:SendMessage` on this queue and the
 * data-key permissions on its key.
 */
export class EncryptedQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly encryptionKey: kms.IKey;
  /** How long a received message stays hidden from other consumers. */
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: EncryptedQueueProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(30);
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      visibilityTimeout: this.visibilityTimeout,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  get queueUrl(): string {
    return this.queue.queueUrl;
  }

  /** Lets the grantee send messages: `sqs:SendMessage` on the queue, `kms:GenerateDataKey` and `kms:Decrypt` on its key. */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
  }

  /**
   * Lets the grantee consume messages as a Lambda event source mapping does: `sqs:ReceiveMessage`,
   * `sqs:DeleteMessage` and `sqs:GetQueueAttributes` on the queue, `kms:Decrypt` on its key
   * (narrower than `grantConsumeMessages`, which adds visibility changes and queue URL lookups).
   */
  grantConsume(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:Decrypt');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resourceArns: [this.queue.queueArn],
    });
  }
}
