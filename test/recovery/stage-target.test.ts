import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReading } from '../../lambdas/domain/reading-codec.js';
import { onFailureMessage } from '../../lambdas/recovery/on-failure-message.js';
import { rebuildCommand, redriveCommand, replayCommand, type CommandIo } from '../../bin/recovery/commands.js';
import type { REQUIRED_OUTPUTS } from '../../bin/recovery/targets.js';
import { type StageClients } from '../../bin/recovery/targets.js';
import { createLocalRdsDataClient, LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api/index.js';
import type { KinesisLocal } from '../../local/kinesis-local.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { createActiveStream, startTestKinesis } from '../support/kinesis.js';
import { piezometerReading } from '../support/tumbling-events.js';

const STREAM = 'geotech-test-readings';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/geotech-test-processing-failures';
const OUTPUTS: Record<(typeof REQUIRED_OUTPUTS)[number], string> = {
  StreamName: STREAM,
  DatabaseClusterArn: LOCAL_CLUSTER_ARN,
  DatabaseSecretArn: LOCAL_SECRET_ARN,
  DatabaseName: LOCAL_DATABASE,
  ProcessingFailuresQueueUrl: QUEUE_URL,
  QuarantineQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/geotech-test-quarantine',
  OpenSearchEndpoint: 'https://search-geotech-test.us-east-1.es.amazonaws.com',
  WindowSeconds: '10',
  AllowedLatenessSeconds: '30',
  LateHorizonSeconds: '604800',
  TumblingWindowSeconds: '60',
  OpenSearchIndexPrefix: 'geotech',
};

/** A stand-in for CloudFormation's control plane: DescribeStacks of the stacks it is given. */
function fakeCloudFormation(stacks: Record<string, Record<string, string>>): StageClients['cloudFormation'] {
  return {
    send: (async (command: unknown) => {
      if (!(command instanceof DescribeStacksCommand)) throw new Error('fake CloudFormation: only DescribeStacks');
      const name = command.input.StackName!;
      const outputs = stacks[name];
      if (!outputs) throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
      return {
        Stacks: [{ StackName: name, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
      };
    }) as StageClients['cloudFormation']['send'],
  };
}

/** A stand-in for one SQS queue: receive (with visibility), delete, change visibility. */
function fakeQueue(bodies: string[]) {
  let clock = 0;
  const messages = bodies.map((body, i) => ({ id: `m-${i}`, body, visibleAt: 0, receipt: '' }));
  const deleted: string[] = [];
  const madeVisible: string[] = [];
  const sqs: StageClients['sqs'] = {
    send: (async (command: unknown) => {
      clock += 1;
      if (command instanceof ReceiveMessageCommand) {
        const visible = messages.filter((m) => m.visibleAt <= clock).slice(0, command.input.MaxNumberOfMessages ?? 1);
        for (const m of visible) {
          m.visibleAt = clock + (command.input.VisibilityTimeout ?? 30) * 1000;
          m.receipt = `${m.id}-${clock}`;
        }
        return { Messages: visible.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body })) };
      }
      const receipt = (command as { input: { ReceiptHandle?: string } }).input.ReceiptHandle;
      const message = messages.find((m) => m.receipt === receipt);
      if (!message) throw Object.assign(new Error('receipt handle is invalid'), { name: 'ReceiptHandleIsInvalid' });
      if (command instanceof DeleteMessageCommand) {
        messages.splice(messages.indexOf(message), 1);
        deleted.push(message.id);
        return {};
      }
      if (command instanceof ChangeMessageVisibilityCommand) {
        message.visibleAt = clock + (command.input.VisibilityTimeout ?? 0) * 1000;
        madeVisible.push(message.id);
        return {};
      }
      throw new Error('fake SQS: unexpected command');
    }) as StageClients['sqs']['send'],
  };
  return { sqs, messages, deleted, madeVisible };
}

function captured(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => void stdout.push(text), err: (text) => void stderr.push(text) };
}

let kinesis: KinesisLocal;
let local: LocalBatchDatabase;
let sequenceNumbers: string[];
let shardId: string;
const T0 = Date.now() - 60_000;

beforeAll(async () => {
  kinesis = await startTestKinesis({ streamName: 'unused' });
  await createActiveStream(kinesis.client, STREAM, 1);
  local = await startLocalBatchDatabase('pglite');
  const readings = Array.from({ length: 12 }, (_, k) => piezometerReading('P-STAGE', T0 + k * 2_000, 100 + k));
  const put = await kinesis.client.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: readings.map((r) => ({ Data: Buffer.from(encodeReading(r)), PartitionKey: r.instrumentId })),
    }),
  );
  sequenceNumbers = put.Records!.map((r) => r.SequenceNumber!);
  shardId = put.Records![0]!.ShardId!;
});

afterAll(async () => {
  await local?.close();
  await kinesis?.stop();
});

function clients(overrides: Partial<StageClients> = {}): Partial<StageClients> {
  return {
    cloudFormation: fakeCloudFormation({ 'GeotechMonitoring-test': OUTPUTS }),
    kinesis: kinesis.client,
    rdsData: createLocalRdsDataClient(local.endpoint(), { maxAttempts: 1 }),
    ...overrides,
  };
}

/** The document Lambda sends the on-failure queue when it gives up on records `first`..`last` of the test shard. */
function lambdaFailure(requestId: string, first: number, last: number, shard = shardId): string {
  return JSON.stringify(
    onFailureMessage({
      requestId,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:geotech-test-batch-processor',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
      at: Date.now(),
      shardId: shard,
      streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`,
      startSequenceNumber: sequenceNumbers[first]!,
      endSequenceNumber: sequenceNumbers[last]!,
      batchSize: last - first + 1,
      firstArrival: T0,
      lastArrival: T0 + 1_000,
      tumblingWindow: { start: T0, end: T0 + 60_000 },
      error: 'Unhandled',
    }),
  );
}

const readingCount = async () => (await local.rows<{ n: number }>('SELECT count(*)::int AS n FROM readings'))[0]!.n;

describe('the recovery commands on a deployed stage (fake CloudFormation, fake SQS; kinesis-local and the local Data API)', () => {
  it('redrives what the on-failure queue names, deletes only what it restored, and makes the rest visible again', async () => {
    await local.rows(CLEAR_BATCH_STORE);
    const queue = fakeQueue([lambdaFailure('first-half', 0, 5), lambdaFailure('gone', 0, 2, 'shardId-000000000077'), 'not json']);
    const io = captured();
    expect(await redriveCommand(['--stage', 'test'], io, { stageClients: { ...clients(), sqs: queue.sqs } })).toBe(3);
    expect(io.stderr[0]).toBe('redrive: stage test (stack GeotechMonitoring-test, us-east-1)');
    expect(await readingCount()).toBe(6);
    expect(queue.deleted).toEqual(['m-0']);
    expect(queue.madeVisible.sort()).toEqual(['m-1', 'm-2']);
    const report = io.stdout.join('\n');
    expect(report).toContain(`Redrive of ${QUEUE_URL}`);
    expect(report).toContain('NOT REDRIVEN gone (message m-1): batch, shardId-000000000077');
    expect(report).toContain('[3 record(s) lost]');
    expect(report).toContain('NOT REDRIVEN message m-2: not an on-failure document: not JSON');

    const again = captured();
    expect(await redriveCommand(['--stage', 'test'], again, { stageClients: { ...clients(), sqs: queue.sqs } })).toBe(3);
    expect(await readingCount()).toBe(6);
    expect(queue.messages.map((m) => m.id)).toEqual(['m-1', 'm-2']);
  });

  it('redrives a failure whose first records the stream no longer holds: the rest are processed, the missing ones counted', async () => {
    await local.rows(CLEAR_BATCH_STORE);
    const message = JSON.parse(lambdaFailure('trimmed', 0, 11)) as { KinesisBatchInfo: { startSequenceNumber: string; batchSize: number } };
    // As if the stream had trimmed 3 records before the first it still holds.
    message.KinesisBatchInfo.startSequenceNumber = String(BigInt(sequenceNumbers[0]!) - 3n);
    message.KinesisBatchInfo.batchSize = 15;
    const queue = fakeQueue([JSON.stringify(message)]);
    const io = captured();
    expect(await redriveCommand(['--stage', 'test'], io, { stageClients: { ...clients(), sqs: queue.sqs } })).toBe(3);
    expect(await readingCount()).toBe(12);
    expect(io.stdout.join('\n')).toContain('[3 record(s) lost] [12 record(s) processed again]');
    expect(queue.deleted).toEqual([]);
  });

  it('replays and rebuilds a stage through the same stack outputs', async () => {
    await local.rows(CLEAR_BATCH_STORE);
    const replay = captured();
    const range = ['--from', new Date(T0 - 3_600_000).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString()];
    expect(await replayCommand(['--stage', 'test', '--target', 'batch', ...range], replay, { stageClients: clients() })).toBe(0);
    expect(await readingCount()).toBe(12);
    expect(replay.stdout.join('\n')).toContain('into the batch store: 12 reading(s)');
    const rebuild = captured();
    expect(await rebuildCommand(['--stage', 'test', '--dry-run', ...range], rebuild, { stageClients: clients() })).toBe(0);
    expect(rebuild.stdout.join('\n')).toContain('at 10 s windows (stage test');
    expect(rebuild.stdout.join('\n')).toContain('0 window(s) would change');
  });

  it('says which stack is missing, and which outputs a stack lacks', async () => {
    const missing = captured();
    expect(await redriveCommand(['--stage', 'nope'], missing, { stageClients: clients() })).toBe(1);
    expect(missing.stderr.join('\n')).toContain(
      'there is no stack GeotechMonitoring-nope: is stage nope deployed in this account and Region (AWS_PROFILE, AWS_REGION)?',
    );
    const { WindowSeconds: _w, OpenSearchIndexPrefix: _p, ...older } = OUTPUTS;
    const lacking = captured();
    const cloudFormation = fakeCloudFormation({ 'GeotechMonitoring-old': older });
    expect(
      await rebuildCommand(['--stage', 'old', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'], lacking, {
        stageClients: clients({ cloudFormation }),
      }),
    ).toBe(1);
    expect(lacking.stderr.join('\n')).toContain('the stack GeotechMonitoring-old lacks the output(s) WindowSeconds, OpenSearchIndexPrefix');
  });
});
