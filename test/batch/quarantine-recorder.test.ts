import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { createQuarantineRecorderHandler, parseQuarantineRecorderEnvironment } from '../../lambdas/batch/quarantine-recorder.js';
import type { Rejection } from '../../lambdas/domain/rejection.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';
import { rejectionMessageBody, SQS_BATCH_LIMITS } from '../../lambdas/shared/quarantine.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { sqsEvent, type SqsMessage } from '../support/sqs-events.js';

/**
 * The recorder against the batch store's schema on PGlite, through the local Data API
 * endpoint. SQS itself does not run here: each test invokes the handler with the event
 * shape Lambda's SQS event source mapping sends, bodies written by `rejectionMessageBody`
 * exactly as `SqsQuarantineSink` writes them.
 */

const T0 = Date.parse('2026-02-01T00:00:00Z');

let local: LocalBatchDatabase;
const logged: Array<{ level: string; message: string; extra: unknown }> = [];
const log =
  (level: string) =>
  (message: unknown, ...extra: unknown[]): void =>
    void logged.push({ level, message: String(message), extra: extra[0] });
const logger = { info: log('info'), warn: log('warn'), error: log('error') };

beforeAll(async () => {
  local = await startLocalBatchDatabase('pglite');
});
afterAll(async () => {
  await local?.close();
});
afterEach(async () => {
  logged.length = 0;
  await local.rows('TRUNCATE quarantined_readings');
});

const recorder = () => createQuarantineRecorderHandler({ store: new AuroraBatchStore(local.db, 10), logger, now: () => T0 + 99_000 });

const body = (rejection: Rejection) => rejectionMessageBody(rejection, SQS_BATCH_LIMITS.maxBytes);

interface Row {
  quarantine_id: string;
  reason: string;
  detail: string;
  field: string | null;
  source: string;
  raw: string;
  rejected_at: Date;
}
const rows = () =>
  local.rows<Row>(
    'SELECT quarantine_id, reason, detail, field, source, raw, rejected_at FROM quarantined_readings ORDER BY source, reason',
  );
const count = async () => (await local.rows<{ n: number }>('SELECT count(*)::int AS n FROM quarantined_readings'))[0]!.n;

const pollerRejection: Rejection = {
  reason: 'missing_field',
  detail: 'reading is missing',
  field: 'reading',
  raw: { id: 'BH-1', type: 'piezometer', timestamp: '2026-02-01T00:00:00Z' },
  source: '/api/piezometers',
  rejectedAt: T0 + 1_000,
};
const realtimeRejection: Rejection = {
  reason: 'index_rejected',
  detail: 'OpenSearch refused BH-2@1769904000000 in geotech-readings-2026.02.01 (400 mapper_parsing_exception): failed to parse',
  raw: '{"v":1,"id":"BH-2","type":"piezometer","value":80,"t":1769904000000}',
  source: 'shardId-000000000001/49600000000000000000000000001',
  rejectedAt: T0 + 2_000,
};

describe('quarantine recorder (local Data API over PGlite; invoked with the SQS event Lambda sends)', () => {
  it('stores each rejection in quarantined_readings with its reason, detail, field, source, raw item and time', async () => {
    const response = await recorder()(
      sqsEvent([
        { messageId: 'm-1', body: body(pollerRejection) },
        { messageId: 'm-2', body: body(realtimeRejection) },
      ]),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await rows();
    expect(stored).toEqual([
      {
        quarantine_id: expect.stringMatching(/^sqs\/[0-9a-f]{64}$/),
        reason: 'missing_field',
        detail: 'reading is missing',
        field: 'reading',
        source: '/api/piezometers',
        raw: JSON.stringify(pollerRejection.raw),
        rejected_at: new Date(T0 + 1_000),
      },
      {
        quarantine_id: expect.stringMatching(/^sqs\/[0-9a-f]{64}$/),
        reason: 'index_rejected',
        detail: realtimeRejection.detail,
        field: null,
        source: realtimeRejection.source,
        raw: realtimeRejection.raw,
        rejected_at: new Date(T0 + 2_000),
      },
    ]);
    expect(stored[0]!.quarantine_id).not.toBe(stored[1]!.quarantine_id);
  });

  it('keeps the truncated form of a rejection too large for one message', async () => {
    const huge: Rejection = { ...pollerRejection, raw: { id: 'BH-3', blob: 'x'.repeat(300_000) } };
    await recorder()(sqsEvent([{ messageId: 'm-huge', body: body(huge) }]));
    const [row] = await rows();
    expect(JSON.parse(row!.raw)).toMatchObject({ truncated: true, bytes: JSON.stringify(huge.raw).length, preview: expect.any(String) });
    expect(row).toMatchObject({ reason: 'missing_field', source: '/api/piezometers', rejected_at: new Date(T0 + 1_000) });
  });

  it('keeps a redelivered message, a rejection sent twice and a record rejected again on a later retry once each', async () => {
    const handler = recorder();
    const first: SqsMessage = { messageId: 'm-1', body: body(pollerRejection) };
    expect(await handler(sqsEvent([first, { messageId: 'm-2', body: body(realtimeRejection) }]))).toEqual({ batchItemFailures: [] });
    // Lambda delivers m-1 again (its deletion was lost); the sink sent the same rejection again as m-3, in the same batch as m-4;
    // the real-time processor rejected the same record again, a minute later, when Lambda retried its Kinesis batch (m-5).
    const again = await handler(
      sqsEvent([
        { ...first, receiveCount: 2 },
        { messageId: 'm-3', body: body(pollerRejection) },
        { messageId: 'm-4', body: body(pollerRejection) },
        { messageId: 'm-5', body: body({ ...realtimeRejection, rejectedAt: realtimeRejection.rejectedAt + 60_000 }) },
      ]),
    );
    expect(again).toEqual({ batchItemFailures: [] });
    expect(await count()).toBe(2);
    expect((await rows()).map((row) => row.rejected_at)).toEqual([new Date(T0 + 1_000), new Date(T0 + 2_000)]);
    expect(
      logged.find((entry) => entry.message === 'quarantine batch recorded' && (entry.extra as { messages: number }).messages === 4),
    ).toMatchObject({ extra: { recorded: 4, added: 0 } });
  });

  it('still stores different rejections of the same item and source as different rows', async () => {
    await recorder()(
      sqsEvent([
        { messageId: 'm-1', body: body(pollerRejection) },
        { messageId: 'm-2', body: body({ ...pollerRejection, reason: 'empty_field', detail: 'reading is blank' }) },
      ]),
    );
    expect((await rows()).map((row) => row.reason).sort()).toEqual(['empty_field', 'missing_field']);
  });

  it('stores a body that is not a rejection as undecodable_record, with the body as its raw item, once', async () => {
    const sentAt = T0 + 5_000;
    const bodies = {
      'm-text': 'not json at all',
      'm-reason': JSON.stringify({ ...pollerRejection, reason: 'made_up_reason' }),
      'm-array': '[1,2,3]',
      'm-time': JSON.stringify({ ...pollerRejection, rejectedAt: 'yesterday' }),
    };
    const messages = Object.entries(bodies).map(([messageId, text]) => ({ messageId, body: text, sentAt }));
    const handler = recorder();
    expect(await handler(sqsEvent(messages))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent([{ ...messages[0]!, receiveCount: 2 }]))).toEqual({ batchItemFailures: [] });

    const stored = await rows();
    expect(stored).toHaveLength(4);
    for (const row of stored) {
      const messageId = row.source.replace('geotech-test-quarantine/', '');
      expect(row).toMatchObject({
        quarantine_id: expect.stringMatching(/^sqs\/[0-9a-f]{64}$/),
        reason: 'undecodable_record',
        detail: expect.stringMatching(/^quarantine message is not a rejection: /),
        field: null,
        raw: bodies[messageId as keyof typeof bodies],
        rejected_at: new Date(sentAt),
      });
    }
    const detailOf = (messageId: string) => stored.find((row) => row.source.endsWith(`/${messageId}`))!.detail;
    expect(detailOf('m-text')).toMatch(/not JSON/);
    expect(detailOf('m-reason')).toMatch(/^quarantine message is not a rejection: reason must be one of malformed_item, /);
    expect(detailOf('m-time')).toMatch(/rejectedAt must be epoch milliseconds/);
    expect(logged.filter((entry) => entry.level === 'warn')).toHaveLength(5);
  });

  it('stores text PostgreSQL cannot hold as such: NUL and lone surrogates replaced, a raw string kept as JSON', async () => {
    const odd: Rejection = { ...pollerRejection, detail: 'type "\u0000pz\uD800" is unknown', raw: 'id=\u0000BH-9' };
    expect(await recorder()(sqsEvent([{ messageId: 'm-odd', body: body(odd) }]))).toEqual({ batchItemFailures: [] });
    const [row] = await rows();
    expect(row).toMatchObject({ detail: 'type "\uFFFDpz\uFFFD" is unknown', raw: JSON.stringify('id=\u0000BH-9') });
    expect(JSON.parse(row!.raw)).toBe(odd.raw);
  });

  it('reports every message as a batch item failure while the Data API is down, and stores them on redelivery', async () => {
    const messages = [
      { messageId: 'm-1', body: body(pollerRejection) },
      { messageId: 'm-2', body: body(realtimeRejection) },
      { messageId: 'm-3', body: 'not json' },
    ];
    await local.stopEndpoint();
    try {
      expect(await recorder()(sqsEvent(messages))).toEqual({
        batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }],
      });
    } finally {
      await local.restartEndpoint();
    }
    expect(await count()).toBe(0);
    expect(logged.filter((entry) => entry.level === 'error')).toHaveLength(3);
    expect(await recorder()(sqsEvent(messages.map((message) => ({ ...message, receiveCount: 2 }))))).toEqual({ batchItemFailures: [] });
    expect(await count()).toBe(3);
  });

  it('reports exactly the messages whose row the database refuses, and stores the rest of the batch', async () => {
    await local.rows("ALTER TABLE quarantined_readings ADD CONSTRAINT test_refuses_source CHECK (source <> '/api/refused')");
    try {
      const refused: Rejection = { ...pollerRejection, source: '/api/refused' };
      const response = await recorder()(
        sqsEvent([
          { messageId: 'm-1', body: body(pollerRejection) },
          { messageId: 'm-2', body: body(refused) },
          { messageId: 'm-3', body: body(realtimeRejection) },
          { messageId: 'm-4', body: body(refused) },
          { messageId: 'm-5', body: '{}' },
        ]),
      );
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-4' }] });
      expect((await rows()).map((row) => row.source)).toEqual([
        '/api/piezometers',
        'geotech-test-quarantine/m-5',
        'shardId-000000000001/49600000000000000000000000001',
      ]);
      expect(logged.filter((entry) => entry.level === 'error')).toEqual([
        expect.objectContaining({ extra: expect.objectContaining({ messageIds: ['m-2', 'm-4'] }) }),
      ]);
    } finally {
      await local.rows('ALTER TABLE quarantined_readings DROP CONSTRAINT test_refuses_source');
    }
  });

  it('answers an empty batch without calling the database', async () => {
    await local.stopEndpoint();
    try {
      expect(await recorder()({ Records: [] })).toEqual({ batchItemFailures: [] });
    } finally {
      await local.restartEndpoint();
    }
  });
});

describe('quarantine recorder environment', () => {
  it('reads the Data API target, DB_NAME defaulting to geotech', () => {
    expect(parseQuarantineRecorderEnvironment({ DB_CLUSTER_ARN: 'arn:cluster', DB_SECRET_ARN: 'arn:secret', DB_NAME: ' ' })).toEqual({
      resourceArn: 'arn:cluster',
      secretArn: 'arn:secret',
      database: 'geotech',
    });
  });

  it('names every missing variable in one ConfigError', () => {
    const error = (() => {
      try {
        parseQuarantineRecorderEnvironment({ DB_SECRET_ARN: '  ' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.key)).toEqual(['DB_CLUSTER_ARN', 'DB_SECRET_ARN']);
  });
});
