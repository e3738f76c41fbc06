import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { rotatingKey } from '../constructs/rotating-key.js';
import { acknowledge } from '../nag.js';

export interface ReadingStreamProps {
  readonly streamName: string;
  /** @default kinesis.StreamMode.ON_DEMAND */
  readonly streamMode?: kinesis.StreamMode;
  /** Shards of a provisioned stream; ignored when on-demand. @default 1 */
  readonly shardCount?: number;
  /** How long records stay readable, 24 hours to 365 days. @default Duration.days(7) */
  readonly retentionPeriod?: Duration;
  /** Customer managed key for server-side encryption. @default - a new key with automatic rotation */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Kinesis data stream that carries canonical readings from the poller to the processors,
 * encrypted server-side with a customer managed key.
 */
export class ReadingStream extends Construct {
  readonly stream: kinesis.Stream;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ReadingStreamProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      rotatingKey(this, 'Key', {
        alias: `${props.streamName}/kinesis`,
        description: `Encrypts the ${props.streamName} Kinesis stream`,
        removalPolicy,
      });
    const streamMode = props.streamMode ?? kinesis.StreamMode.ON_DEMAND;
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      streamMode,
      shardCount: streamMode === kinesis.StreamMode.PROVISIONED ? (props.shardCount ?? 1) : undefined,
      retentionPeriod: props.retentionPeriod ?? Duration.days(7),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    acknowledge(
      this.stream,
      'KDS3',
      'Site monitoring data is encrypted under a customer managed key the project controls (rotation, key policy, revocation); Kinesis reuses data keys, so the KMS cost stays at cents a month.',
    );
  }

  get streamName(): string {
    return this.stream.streamName;
  }

  /**
   * Lets the grantee put records: `kinesis:PutRecords` and `kinesis:DescribeStreamSummary`
   * on the stream and `kms:GenerateDataKey` on its key, nothing more.
   */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary'],
      resourceArns: [this.stream.streamArn],
    });
  }
}
