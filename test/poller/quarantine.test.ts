import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient, type SendMessageBatchRequestEntry, type SendMessageBatchResult } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Rejection } from '../../lambdas/domain/rejection.js';
import { planBatches } from '../../lambdas/shared/batching.js';
import {
  JsonlQuarantineSink,
  QuarantineWriteError,
  rejectionJson,
  rejectionMessageBody,
  SQS_BATCH_LIMITS,
  SqsQuarantineSink,
} from '../../lambdas/shared/quarantine.js';

const KiB = 1024;
const QUEUE_URL = 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/quarantine';

function rejection(i: number, raw: unknown = { borehole_number: `BH-${i}`, reading: 'n/a' }): Rejection {
  return {
    reason: 'non_numeric_reading',
    detail: `reading "n/a" is not a number (${i})`,
    field: 'reading',
    raw,
    source: 'params/water_standpipe',
    rejectedAt: 1_714_521_600_000 + i,
  };
}

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'quarantine-'));
  directories.push(directory);
  return directory;
}

describe('JsonlQuarantineSink', () => {
  it('appends one JSON line per rejection, creating the directory', async () => {
    const path = join(tempDir(), 'nested', 'quarantine.jsonl');
    const sink = new JsonlQuarantineSink(path);
    const first = [rejection(1), rejection(2, ['an', 'array'])];
    const second = [rejection(3, null)];
    await sink.put(first);
    await sink.put([]);
    await sink.put(second);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual([...first, ...second]);
  });

  it('never interleaves lines of concurrent puts', async () => {
    const path = join(tempDir(), 'quarantine.jsonl');
    const sink = new JsonlQuarantineSink(path);
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => rejection(b * 50 + i, { blob: 'x'.repeat(3_000) })),
    );
    await Promise.all(batches.map((batch) => sink.put(batch)));
    const parsed = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Rejection);
    expect(parsed).toHaveLength(1_000);
    expect(parsed.map((r) => r.rejectedAt).sort()).toEqual(
      batches
        .flat()
        .map((r) => r.rejectedAt)
        .sort(),
    );
  });

  it('names the file and hands back the rejections it could not keep', async () => {
    const blocker = join(tempDir(), 'not-a-directory');
    writeFileSync(blocker, '');
    const sink = new JsonlQuarantineSink(join(blocker, 'quarantine.jsonl'));
    const rejections = [rejection(1), rejection(2)];
    const error = await sink.put(rejections).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuarantineWriteError);
    expect((error as QuarantineWriteError).unwritten).toEqual(rejections);
    expect((error as QuarantineWriteError).message).toContain(join(blocker, 'quarantine.jsonl'));
    // The sink still works for later puts once the cause is gone.
    rmSync(blocker);
    await sink.put([rejection(3)]);
    expect(JSON.parse(readFileSync(join(blocker, 'quarantine.jsonl'), 'utf8'))).toEqual(rejection(3));
  });
});

interface FakeSqsCall {
  readonly entries: readonly SendMessageBatchRequestEntry[];
}

/**
 * Fake SQS: SQS cannot run here, so a middleware on the real client's stack captures each
 * SendMessageBatch request and answers it from `respond` without sending anything.
 */
function fakeSqs(respond: (entries: readonly SendMessageBatchRequestEntry[], call: number) => SendMessageBatchResult | Error) {
  const client = new SQSClient({ region: 'ap-southeast-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const calls: FakeSqsCall[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      const entries = (args.input as { Entries?: SendMessageBatchRequestEntry[] }).Entries ?? [];
      calls.push({ entries });
      const answer = respond(entries, calls.length);
      if (answer instanceof Error) throw answer;
      return { output: { ...answer, $metadata: {} }, response: {} } as never;
    },
    { step: 'initialize', name: 'fakeSqs' },
  );
  return { client, calls };
}

const allSucceed = (entries: readonly SendMessageBatchRequestEntry[]): SendMessageBatchResult => ({
  Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
  Failed: [],
});

const bodiesOf = (call: FakeSqsCall | undefined) => (call?.entries ?? []).map((e) => JSON.parse(e.MessageBody ?? 'null') as Rejection);

describe('SqsQuarantineSink (fake SQS)', () => {
  it('sends one message per rejection in batches of at most 10', async () => {
    const { client, calls } = fakeSqs(allSucceed);
    const rejections = Array.from({ length: 25 }, (_, i) => rejection(i));
    await new SqsQuarantineSink({ client, queueUrl: QUEUE_URL }).put(rejections);
    expect(calls.map((c) => c.entries.length)).toEqual([10, 10, 5]);
    expect(calls.flatMap((c) => bodiesOf(c))).toEqual(rejections);
    for (const call of calls) expect(new Set(call.entries.map((e) => e.Id)).size).toBe(call.entries.length);
  });

  it('keeps each batch within 256 KiB', async () => {
    const { client, calls } = fakeSqs(allSucceed);
    const rejections = Array.from({ length: 7 }, (_, i) => rejection(i, { blob: 'x'.repeat(100 * KiB) }));
    await new SqsQuarantineSink({ client, queueUrl: QUEUE_URL }).put(rejections);
    expect(calls.map((c) => c.entries.length)).toEqual([2, 2, 2, 1]);
    for (const call of calls) {
      expect(call.entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0)).toBeLessThanOrEqual(256 * KiB);
    }
  });

  it('retries only the entries SQS failed', async () => {
    const { client, calls } = fakeSqs((entries, call) =>
      call === 1
        ? {
            Successful: entries
              .filter((e) => !['2', '5'].includes(e.Id ?? ''))
              .map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
            Failed: [
              { Id: '2', SenderFault: false, Code: 'InternalError', Message: 'try again' },
              { Id: '5', SenderFault: false, Code: 'ServiceUnavailable', Message: 'try again' },
            ],
          }
        : allSucceed(entries),
    );
    const delays: number[] = [];
    const rejections = Array.from({ length: 8 }, (_, i) => rejection(i));
    await new SqsQuarantineSink({ client, queueUrl: QUEUE_URL, sleep: async (ms) => void delays.push(ms) }).put(rejections);
    expect(calls).toHaveLength(2);
    expect(bodiesOf(calls[1])).toEqual([rejections[2], rejections[5]]);
    expect(delays).toHaveLength(1);
  });

  it('does not retry what SQS blames on the sender, and reports it', async () => {
    const { client, calls } = fakeSqs((entries) => ({
      Successful: entries.filter((e) => e.Id !== '1').map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
      Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad characters' }],
    }));
    const rejections = [rejection(0), rejection(1), rejection(2)];
    const error = await new SqsQuarantineSink({ client, queueUrl: QUEUE_URL, sleep: async () => undefined })
      .put(rejections)
      .catch((e: unknown) => e);
    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(QuarantineWriteError);
    expect((error as QuarantineWriteError).unwritten).toEqual([rejections[1]]);
    expect((error as QuarantineWriteError).message).toMatch(/1 of 3 .*InvalidMessageContents: bad characters/);
  });

  it('gives up after the attempt bound, whether entries or whole calls fail', async () => {
    const { client, calls } = fakeSqs((entries, call) =>
      call % 2 === 1
        ? new Error('socket hang up')
        : { Successful: [], Failed: entries.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'no' })) },
    );
    const rejections = [rejection(0), rejection(1)];
    const error = await new SqsQuarantineSink({ client, queueUrl: QUEUE_URL, maxAttempts: 3, sleep: async () => undefined })
      .put(rejections)
      .catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect((error as QuarantineWriteError).unwritten).toEqual(rejections);
    expect((error as QuarantineWriteError).message).toMatch(/socket hang up/);
  });
});

describe('rejection message bodies', () => {
  it('truncates the raw item of a rejection too large for one message, keeping reason, source and time', () => {
    const huge = rejection(9, { blob: 'y'.repeat(300 * KiB) });
    const body = rejectionMessageBody(huge, SQS_BATCH_LIMITS.maxBytes);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(256 * KiB);
    const parsed = JSON.parse(body) as Rejection & { raw: { truncated: boolean; bytes: number; preview: string } };
    expect(parsed).toMatchObject({ reason: huge.reason, source: huge.source, rejectedAt: huge.rejectedAt, field: 'reading' });
    expect(parsed.raw.truncated).toBe(true);
    expect(parsed.raw.bytes).toBe(Buffer.byteLength(JSON.stringify(huge.raw)));
    expect(JSON.stringify(huge.raw).startsWith(parsed.raw.preview)).toBe(true);
  });

  it('leaves a rejection that fits untouched', () => {
    const small = rejection(1);
    expect(JSON.parse(rejectionMessageBody(small, SQS_BATCH_LIMITS.maxBytes))).toEqual(small);
  });

  it('escapes the characters SQS refuses, keeping the JSON equal', () => {
    const odd = rejection(1, { borehole_number: 'BH-\uffff-\ufffe', note: 'tab\tnul\u0000' });
    const text = rejectionJson(odd);
    expect([...text].filter((c) => c === '\uFFFE' || c === '\uFFFF' || c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(JSON.parse(text)).toEqual(odd);
  });
});

describe('planBatches', () => {
  it('respects both limits, keeps order, and starts a batch only when it must', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 256 * KiB }), { maxLength: 200 }), (sizes) => {
        const batches = planBatches(
          sizes.map((size, index) => ({ size, index })),
          (item) => item.size,
          SQS_BATCH_LIMITS,
        );
        expect(batches.flat().map((item) => item.index)).toEqual(sizes.map((_, index) => index));
        batches.forEach((batch, b) => {
          const bytes = batch.reduce((sum, item) => sum + item.size, 0);
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(10);
          expect(bytes).toBeLessThanOrEqual(256 * KiB);
          const next = batches[b + 1]?.[0];
          if (next) expect(batch.length === 10 || bytes + next.size > 256 * KiB).toBe(true);
        });
      }),
    );
  });

  it('refuses an item larger than a whole batch', () => {
    expect(() => planBatches([1, 300], (n) => n, { maxEntries: 10, maxBytes: 256 })).toThrow(/300 bytes exceeds the 256-byte batch limit/);
  });
});
