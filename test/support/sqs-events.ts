import { createHash } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export const QUARANTINE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:geotech-test-quarantine';

export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  /** When the producer sent it, epoch ms. @default 2026-02-01T00:00:00Z */
  readonly sentAt?: number;
  /** How often it has been received, this delivery included. @default 1 */
  readonly receiveCount?: number;
}

/** One message as Lambda's SQS event source mapping delivers it. */
export function sqsRecord({ messageId, body, sentAt = Date.parse('2026-02-01T00:00:00Z'), receiveCount = 1 }: SqsMessage): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}-${receiveCount}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sentAt),
      SenderId: 'AROAEXAMPLE:geotech-test-poller',
      ApproximateFirstReceiveTimestamp: String(sentAt + 50),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUARANTINE_QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** A batch as Lambda's SQS event source mapping sends it. */
export function sqsEvent(messages: readonly SqsMessage[]): SQSEvent {
  return { Records: messages.map(sqsRecord) };
}
