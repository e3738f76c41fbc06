import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { arrivalMs } from '../shared/kinesis-lambda-event.js';

/**
 * Reads records back from the stream for the recovery commands: a shard's sequence range
 * (what an on-failure document names) or a shard's records by arrival time (`AT_TIMESTAMP`).
 * Records the stream no longer holds (past its retention, or on a shard already deleted)
 * are reported, never silently skipped.
 */

/** The stream, by name (commands address it by name, which both Kinesis and the emulator take). */
export interface StreamRef {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
}

/** The stream's name from its ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameOf(streamArn: string): string {
  const name = /:stream\/([^/]+)$/.exec(streamArn)?.[1];
  if (!name) throw new Error(`not a Kinesis stream ARN: ${streamArn}`);
  return name;
}

/** What a read found: the records, and what it could not find (none when whole). */
export interface StreamRead {
  readonly records: KinesisRecord[];
  /** Why some or all of the asked-for records are not there; undefined when every one was read. */
  readonly gap?: string;
}

const READ_LIMIT = 10_000;

/**
 * The records of `shardId` from sequence number `first` to `last`, both included (`count`,
 * the batch size, says how many there were). The range is read from `AT_SEQUENCE_NUMBER
 * first`; records the stream no longer holds make a gap: all of them when the shard or the
 * position is gone, the first ones when the stream has trimmed them.
 */
export async function readSequenceRange(
  stream: StreamRef,
  range: { readonly shardId: string; readonly first: string; readonly last: string; readonly count: number },
  onPage?: (read: number) => void,
): Promise<StreamRead> {
  const first = BigInt(range.first);
  const last = BigInt(range.last);
  let opened = await openIterator(stream, {
    ShardId: range.shardId,
    ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: range.first,
  });
  // A position the shard no longer has (trimmed; the emulator says ResourceNotFound, as for a shard that is gone):
  // read what the shard still holds of the range from its oldest record, if the shard is there at all.
  if ('gap' in opened) opened = await openIterator(stream, { ShardId: range.shardId, ShardIteratorType: 'TRIM_HORIZON' });
  if ('gap' in opened) return { records: [], gap: opened.gap };
  const records = await readWhile(stream, opened.iterator, (record) => BigInt(record.SequenceNumber ?? '0') <= last, onPage);
  const inRange = records.filter((record) => BigInt(record.SequenceNumber ?? '0') >= first);
  if (inRange.length === 0) {
    return { records: [], gap: `the stream holds none of the ${range.count} record(s) from ${range.first} to ${range.last} any more` };
  }
  const headMissing = BigInt(inRange[0]!.SequenceNumber!) > first;
  const tailMissing = BigInt(inRange.at(-1)!.SequenceNumber!) < last;
  if (headMissing || tailMissing || inRange.length < range.count) {
    const missing = Math.max(0, range.count - inRange.length);
    return {
      records: inRange,
      gap: `${missing} of the ${range.count} record(s) from ${range.first} to ${range.last} are no longer in the stream (it holds ${
        headMissing ? `only those from ${inRange[0]!.SequenceNumber}` : `${inRange.length}`
      })`,
    };
  }
  return { records: inRange };
}

/**
 * The records of `shardId` that arrived from `from` (inclusive) to `to` (exclusive), epoch
 * ms, read from an `AT_TIMESTAMP` iterator. A shard that is gone gives a gap.
 */
export async function readArrivalRange(
  stream: StreamRef,
  range: { readonly shardId: string; readonly from: number; readonly to: number },
  onPage?: (read: number) => void,
): Promise<StreamRead> {
  const opened = await openIterator(stream, { ShardId: range.shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(range.from) });
  if ('gap' in opened) return { records: [], gap: opened.gap };
  const records = await readWhile(stream, opened.iterator, (record) => arrivalMs(record) < range.to, onPage);
  return { records: records.filter((record) => arrivalMs(record) >= range.from) };
}

/** Every shard of the stream, open or closed (closed ones are kept for the stream's retention). */
export async function listShardIds(stream: StreamRef): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await stream.kinesis.send(
      nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: stream.streamName }),
    );
    for (const shard of page.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}

/** The stream's ARN and how long it keeps records, hours. */
export async function describeStream(stream: StreamRef): Promise<{ readonly streamArn: string; readonly retentionHours: number }> {
  const summary = (await stream.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.streamName }))).StreamDescriptionSummary;
  if (!summary?.StreamARN) throw new Error(`the stream ${stream.streamName} did not describe itself`);
  return { streamArn: summary.StreamARN, retentionHours: summary.RetentionPeriodHours ?? 24 };
}

async function openIterator(
  stream: StreamRef,
  input: Omit<GetShardIteratorCommandInput, 'StreamName' | 'StreamARN'>,
): Promise<{ iterator: string } | { gap: string }> {
  try {
    const { ShardIterator } = await stream.kinesis.send(new GetShardIteratorCommand({ StreamName: stream.streamName, ...input }));
    if (!ShardIterator) return { gap: `the stream gave no iterator for ${input.ShardId}` };
    return { iterator: ShardIterator };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException') {
      return { gap: `the stream has no ${input.ShardId} or not that position of it (${name}: ${(error as Error).message})` };
    }
    if (name === 'InvalidArgumentException') {
      return { gap: `the stream no longer has that position of ${input.ShardId} (${name}: ${(error as Error).message})` };
    }
    throw error;
  }
}

/**
 * Reads from `iterator` while `keep` holds for each record, until the shard is read to its
 * end (caught up, or closed). Returns the records kept.
 */
async function readWhile(
  stream: StreamRef,
  iterator: string,
  keep: (record: KinesisRecord) => boolean,
  onPage?: (read: number) => void,
): Promise<KinesisRecord[]> {
  const kept: KinesisRecord[] = [];
  let next: string | undefined = iterator;
  while (next) {
    const page: GetRecordsCommandOutput = await stream.kinesis.send(new GetRecordsCommand({ ShardIterator: next, Limit: READ_LIMIT }));
    const records = page.Records ?? [];
    for (const record of records) {
      if (!keep(record)) return kept;
      kept.push(record);
    }
    onPage?.(kept.length);
    if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) return kept;
    next = page.NextShardIterator;
  }
  return kept;
}
