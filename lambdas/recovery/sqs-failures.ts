import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseOnFailureMessage, OnFailureMessageError } from './on-failure-message.js';
import type { FailureSource, PendingFailure } from './redrive.js';

export interface SqsFailureSourceOptions {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly queueUrl: string;
  /** How long a received message stays hidden from others while it is redriven, seconds. Default 300. */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * The on-failure queue as a redrive's source. Each message is received once per run and
 * hidden while its batch is redriven; a redriven one is deleted, one that could not be is
 * made visible again when the run ends (so the next run, or the console, sees it at once).
 * The run ends when the queue has nothing more to give (two empty long polls in a row).
 */
export function sqsFailureSource(options: SqsFailureSourceOptions): FailureSource & { release(): Promise<void> } {
  const kept: Message[] = [];
  const visibility = options.visibilityTimeoutSeconds ?? 300;
  return {
    description: options.queueUrl,
    async *pending(): AsyncGenerator<PendingFailure> {
      const seen = new Set<string>();
      for (let empty = 0; empty < 2;) {
        const { Messages = [] } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: visibility,
          }),
        );
        const fresh = Messages.filter((message) => message.MessageId && !seen.has(message.MessageId));
        if (fresh.length === 0) {
          empty += 1;
          continue;
        }
        empty = 0;
        for (const message of fresh) {
          seen.add(message.MessageId!);
          yield {
            location: `message ${message.MessageId}`,
            failure: decode(message.Body ?? ''),
            settle: async () => {
              await options.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
            },
            keep: async () => void kept.push(message),
          };
        }
      }
    },
    /** Makes the kept messages visible again. */
    async release() {
      for (const message of kept.splice(0)) {
        await options.sqs.send(
          new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }),
        );
      }
    },
  };
}

function decode(body: string): PendingFailure['failure'] {
  try {
    return parseOnFailureMessage(body);
  } catch (error) {
    if (error instanceof OnFailureMessageError) return { problem: error.message };
    throw error;
  }
}
