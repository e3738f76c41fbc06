import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmLevel } from '../domain/alarms.js';
import type { NotificationKind } from '../domain/escalation.js';
import type { InstrumentType } from '../domain/instrument-types.js';

/** One notification as a channel sends it: the words, and what subscriptions filter on. */
export interface NotificationMessage {
  /** Deterministic: a receiver can drop the rare repeat of a retried claim by it. */
  readonly notificationId: string;
  readonly tier: number;
  readonly level: AlarmLevel;
  readonly kind: NotificationKind;
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly subject: string;
  /** E-mail text. */
  readonly body: string;
  /** Short text for SMS. */
  readonly sms: string;
}

/** Where one tier's notifications go. A send that resolves has been accepted for delivery. */
export interface NotificationChannel {
  /** Recorded with each outcome, e.g. `sns:<topic name>` or `outbox:<file>`. */
  readonly name: string;
  send(message: NotificationMessage): Promise<{ messageId: string }>;
}

/**
 * One escalation tier's SNS topic. The e-mail protocol gets the subject and body, SMS the
 * short text (`MessageStructure: json`); the message attributes `level`, `kind`, `tier`,
 * `instrumentType` and `notificationId` let subscription filter policies choose levels
 * and let a receiver spot a repeat.
 */
export class SnsTierChannel implements NotificationChannel {
  readonly name: string;

  constructor(
    private readonly sns: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {
    this.name = `sns:${topicArn.split(':').at(-1) ?? topicArn}`;
  }

  async send(message: NotificationMessage): Promise<{ messageId: string }> {
    const output = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(message.subject),
        MessageStructure: 'json',
        Message: JSON.stringify({ default: message.body, email: message.body, sms: message.sms }),
        MessageAttributes: {
          level: { DataType: 'String', StringValue: message.level },
          kind: { DataType: 'String', StringValue: message.kind },
          tier: { DataType: 'Number', StringValue: String(message.tier) },
          instrumentType: { DataType: 'String', StringValue: message.instrumentType },
          notificationId: { DataType: 'String', StringValue: message.notificationId },
          // Alarms are time-critical: SMS goes as transactional (delivery over cost).
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        },
      }),
    );
    if (!output.MessageId) throw new Error(`SNS accepted the publish to ${this.topicArn} without a message id`);
    return { messageId: output.MessageId };
  }
}

/** SNS takes subjects of printable ASCII, no line breaks, under 100 characters. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '');
  return ascii.slice(0, 99).trim() || 'Geotechnical alarm';
}

/** Who a tier's notifications at a level are addressed to, locally (an e-mail address or an E.164 number). */
export type ContactsFor = (tier: number, level: AlarmLevel) => readonly string[];

/** One line of the outbox file. */
export interface OutboxEntry extends NotificationMessage {
  readonly messageId: string;
  /** When it was written, ISO. */
  readonly sentAt: string;
  /** The tier's contacts for the level, from the contacts file (empty without one). */
  readonly to: readonly string[];
}

/**
 * The local runtime's channel, for every tier: each notification appended to a JSONL file
 * as one line. Idempotent by notification id: the ids already in the file are read before
 * the first send, so a notification claimed again (after a crash between publish and
 * record) is not written twice and keeps its first message id. Sends are serialised.
 */
export class OutboxFileChannel implements NotificationChannel {
  readonly name: string;
  private written: Promise<Map<string, string>> | undefined;
  /** A torn last line (a crash while it was written) is ended before the next line is appended. */
  private endTornLine = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly options: { readonly contacts?: ContactsFor; readonly now?: () => number } = {},
  ) {
    this.name = `outbox:${path}`;
  }

  send(message: NotificationMessage): Promise<{ messageId: string }> {
    const sent = this.queue.then(() => this.write(message));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** The entries in the file, oldest first. */
  async entries(): Promise<OutboxEntry[]> {
    return readOutbox(this.path);
  }

  private async write(message: NotificationMessage): Promise<{ messageId: string }> {
    this.written ??= readOutboxText(this.path).then((text) => {
      this.endTornLine = text !== '' && !text.endsWith('\n');
      return new Map(parseOutbox(text).map((e) => [e.notificationId, e.messageId]));
    });
    const written = await this.written;
    const known = written.get(message.notificationId);
    if (known !== undefined) return { messageId: known };
    const entry: OutboxEntry = {
      ...message,
      messageId: `outbox-${randomUUID()}`,
      sentAt: new Date((this.options.now ?? Date.now)()).toISOString(),
      to: this.options.contacts?.(message.tier, message.level) ?? [],
    };
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${this.endTornLine ? '\n' : ''}${JSON.stringify(entry)}\n`);
    this.endTornLine = false;
    written.set(entry.notificationId, entry.messageId);
    return { messageId: entry.messageId };
  }
}

/** The entries of an outbox file (none when it does not exist); a torn last line is skipped. */
export async function readOutbox(path: string): Promise<OutboxEntry[]> {
  return parseOutbox(await readOutboxText(path));
}

async function readOutboxText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function parseOutbox(text: string): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as OutboxEntry);
    } catch {
      // A line cut short by a crash while it was written: its notification was not recorded as sent, and is sent again.
    }
  }
  return entries;
}
