import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { EncryptedQueue } from '../constructs/encrypted-queue.js';

/**
 * An event source mapping's on-failure destination on an {@link EncryptedQueue}. Unlike
 * `SqsDlq`, it grants the function exactly what sending needs (`sqs:SendMessage`,
 * `kms:GenerateDataKey`, `kms:Decrypt`) rather than the broader `grantSendMessages` set.
 */
export class QueueFailureDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: EncryptedQueue) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    this.queue.grantSend(targetHandler);
    return { destination: this.queue.queue.queueArn };
  }
}
