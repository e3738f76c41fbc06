import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface EncryptedTopicProps {
  readonly topicName: string;
  readonly displayName: string;
  /** Customer managed key the messages are encrypted with at rest. */
  readonly encryptionKey: kms.IKey;
  /** Email addresses subscribed to the topic (each confirms by email). @default [] */
  readonly emails?: readonly string[];
  /** Phone numbers in E.164 form subscribed by SMS. @default [] */
  readonly smsNumbers?: readonly string[];
}

/**
 * An SNS topic encrypted with a customer managed key that refuses publishing not made over
 * TLS, with optional email and SMS subscriptions.
 */
export class EncryptedTopic extends Construct {
  readonly topic: sns.Topic;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const number of props.smsNumbers ?? []) this.topic.addSubscription(new subscriptions.SmsSubscription(number));
  }

  get topicArn(): string {
    return this.topic.topicArn;
  }

  /** Lets the grantee publish: `sns:Publish` on the topic, `kms:GenerateDataKey` and `kms:Decrypt` on its key. */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return iam.Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
  }
}
