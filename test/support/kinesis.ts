import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type PutRecordsOutput,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { startKinesisLocal, type KinesisLocal, type KinesisLocalOptions } from '../../local/kinesis-local.js';

/** Starts the emulator for a test file, quietly; pass its output through with KINESIS_LOCAL_LOG=1. */
export function startTestKinesis(options: KinesisLocalOptions): Promise<KinesisLocal> {
  return startKinesisLocal({
    ...(process.env.KINESIS_LOCAL_LOG === '1' ? { onLog: (line: string) => console.log(`[kinesis-local] ${line}`) } : {}),
    ...options,
  });
}

/** Creates a stream and waits (polling briefly) until it is ACTIVE. */
export async function createActiveStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  for (let tries = 0; tries < 200; tries++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

export interface StoredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  /** The emulator's approximate arrival time, epoch ms. */
  readonly arrivalMs: number;
}

/** Every record in the stream, shard by shard from the trim horizon, each shard read to its end. */
export async function readAllRecords(client: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    shardIds.push(...(page.Shards ?? []).map((shard) => shard.ShardId ?? ''));
    nextToken = page.NextToken;
  } while (nextToken);

  const records: StoredRecord[] = [];
  for (const shardId of shardIds) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        records.push({
          shardId,
          sequenceNumber: record.SequenceNumber ?? '',
          partitionKey: record.PartitionKey ?? '',
          data: Buffer.from(record.Data ?? new Uint8Array()),
          arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
        });
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

export interface PutRecordsCall {
  /** The entries the caller sent, in order. */
  readonly entries: readonly PutRecordsRequestEntry[];
  /** Positions (in `entries`) that were withheld and answered with a failure. */
  readonly failedPositions: readonly number[];
}

/**
 * Makes chosen PutRecords entries fail, on the real client talking to the real emulator:
 * the chosen entries are taken out of the request before it is sent (so the emulator never
 * stores them) and failure results are spliced into the real response at their positions,
 * as Kinesis reports a partly failed call. Returns the log of calls as the caller made them.
 */
export function injectPutRecordsFailures(
  client: KinesisClient,
  shouldFail: (entry: PutRecordsRequestEntry, callNumber: number) => boolean,
  errorCode = 'ProvisionedThroughputExceededException',
): PutRecordsCall[] {
  const calls: PutRecordsCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as { Records?: PutRecordsRequestEntry[] };
      const entries = input.Records ?? [];
      const callNumber = calls.length + 1;
      const failedPositions = entries.flatMap((entry, index) => (shouldFail(entry, callNumber) ? [index] : []));
      calls.push({ entries: [...entries], failedPositions });
      if (failedPositions.length === 0) return next(args);
      const failed = new Set(failedPositions);
      const kept = entries.filter((_, index) => !failed.has(index));
      const failure: PutRecordsResultEntry = { ErrorCode: errorCode, ErrorMessage: 'Rate exceeded for shard (injected)' };
      let sent: PutRecordsResultEntry[] = [];
      let response: unknown;
      if (kept.length > 0) {
        const result = await next({ ...args, input: { ...input, Records: kept } });
        sent = [...((result.output as PutRecordsOutput).Records ?? [])];
        response = result.response;
      }
      const records = entries.map((_, index) => (failed.has(index) ? failure : (sent.shift() as PutRecordsResultEntry)));
      const output: PutRecordsOutput = {
        Records: records,
        FailedRecordCount: records.filter((record) => record.ErrorCode).length,
        $metadata: {},
      } as PutRecordsOutput;
      return { output, response } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'injectPutRecordsFailures' },
  );
  return calls;
}
