import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OutboxFileChannel,
  SnsTierChannel,
  readOutbox,
  snsSubject,
  type NotificationMessage,
} from '../../lambdas/alarms/notification-channels.js';

const MESSAGE: NotificationMessage = {
  notificationId: 'PZ-1@2026-02-01T00:01:00.000Z/tier/alarm/t2',
  tier: 2,
  level: 'alarm',
  kind: 'tier',
  instrumentId: 'PZ-1',
  instrumentType: 'piezometer',
  subject: 'ALARM PZ-1 piezometer: not acknowledged within 60 min',
  body: 'PZ-1 (piezometer) is at ALARM.\nWindow mean 160 kPa.',
  sms: 'ALARM PZ-1 160 kPa',
};

describe('the outbox file channel (the local runtime’s channel for every tier)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON line per notification, with the tier’s contacts for its level', async () => {
    const path = join(dir, 'nested', 'outbox.jsonl');
    const channel = new OutboxFileChannel(path, {
      contacts: (tier, level) => (tier === 2 && level === 'alarm' ? ['lead@example.com', '+61400000000'] : []),
      now: () => Date.parse('2026-02-01T00:02:00Z'),
    });
    const { messageId } = await channel.send(MESSAGE);
    const second = await channel.send({ ...MESSAGE, notificationId: 'other', tier: 1 });
    expect(second.messageId).not.toBe(messageId);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      ...MESSAGE,
      messageId,
      sentAt: '2026-02-01T00:02:00.000Z',
      to: ['lead@example.com', '+61400000000'],
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ notificationId: 'other', to: [] });
  });

  it('writes a notification sent again once, keeping its first message id, also across instances and concurrent sends', async () => {
    const path = join(dir, 'outbox.jsonl');
    const first = new OutboxFileChannel(path);
    const ids = await Promise.all([first.send(MESSAGE), first.send(MESSAGE), first.send(MESSAGE)]);
    expect(new Set(ids.map((id) => id.messageId)).size).toBe(1);
    // A new process on the same file: it reads the ids already written before its first send.
    const restarted = new OutboxFileChannel(path);
    expect(await restarted.send(MESSAGE)).toEqual(ids[0]);
    expect((await readOutbox(path)).map((entry) => entry.notificationId)).toEqual([MESSAGE.notificationId]);
  });

  it('skips a line torn by a crash while it was written, and sends that notification again', async () => {
    const path = join(dir, 'outbox.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify({ ...MESSAGE, notificationId: 'kept', messageId: 'm-1' })}\n{"notificationId":"${MESSAGE.notificationId}","tie`,
    );
    const channel = new OutboxFileChannel(path);
    expect(await channel.send({ ...MESSAGE, notificationId: 'kept' })).toEqual({ messageId: 'm-1' });
    await channel.send(MESSAGE);
    expect((await channel.entries()).map((entry) => entry.notificationId)).toEqual(['kept', MESSAGE.notificationId]);
  });
});

describe('the SNS tier channel (against a fake SNS client)', () => {
  const topicArn = 'arn:aws:sns:ap-southeast-2:123456789012:geotech-dev-escalation-tier-2';

  function fakeSns(answer: { MessageId?: string } | Error) {
    const sent: PublishCommand[] = [];
    const client = {
      send: async (command: PublishCommand) => {
        sent.push(command);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    } as unknown as Pick<SNSClient, 'send'>;
    return { client, sent };
  }

  it('publishes the e-mail and SMS texts with the attributes subscriptions filter on', async () => {
    const sns = fakeSns({ MessageId: 'sns-1' });
    const channel = new SnsTierChannel(sns.client, topicArn);
    expect(channel.name).toBe('sns:geotech-dev-escalation-tier-2');
    expect(await channel.send(MESSAGE)).toEqual({ messageId: 'sns-1' });
    const input = sns.sent[0]!.input;
    expect(input).toMatchObject({ TopicArn: topicArn, Subject: MESSAGE.subject, MessageStructure: 'json' });
    expect(JSON.parse(input.Message!)).toEqual({ default: MESSAGE.body, email: MESSAGE.body, sms: MESSAGE.sms });
    expect(input.MessageAttributes).toEqual({
      level: { DataType: 'String', StringValue: 'alarm' },
      kind: { DataType: 'String', StringValue: 'tier' },
      tier: { DataType: 'Number', StringValue: '2' },
      instrumentType: { DataType: 'String', StringValue: 'piezometer' },
      notificationId: { DataType: 'String', StringValue: MESSAGE.notificationId },
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('fails when SNS refuses the publish or answers without a message id', async () => {
    await expect(new SnsTierChannel(fakeSns(new Error('AuthorizationError')).client, topicArn).send(MESSAGE)).rejects.toThrow(
      'AuthorizationError',
    );
    await expect(new SnsTierChannel(fakeSns({}).client, topicArn).send(MESSAGE)).rejects.toThrow('without a message id');
  });

  it('keeps subjects to what SNS accepts: printable ASCII on one line, under 100 characters', () => {
    expect(snsSubject('ALARM SG-1 strain\u00a0gauge: 1\u202f500 µε\nnow')).toBe('ALARM SG-1 strain gauge: 1 500  now');
    expect(snsSubject('x'.repeat(150))).toHaveLength(99);
    expect(snsSubject('µ')).toBe('Geotechnical alarm');
  });
});
