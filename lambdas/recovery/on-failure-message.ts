import * as z from 'zod/mini';

/**
 * What an event source mapping sends its on-failure destination for a Kinesis batch it gave
 * up on: not the records, only where they are (shard and sequence range) and why. Lambda
 * writes it (the SQS queue in AWS); the local event source mapping writes the same document,
 * one per line, to `failed-batches.jsonl` in the data directory.
 *
 * Lambda's document, as it arrives:
 *
 * ```json
 * { "requestContext": { "requestId": "…", "functionArn": "arn:aws:lambda:…:function:geotech-dev-batch-processor",
 *     "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 4 },
 *   "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
 *   "version": "1.0", "timestamp": "2026-11-22T08:31:02.117Z",
 *   "KinesisBatchInfo": { "shardId": "shardId-000000000001", "startSequenceNumber": "4960…", "endSequenceNumber": "4960…",
 *     "approximateArrivalOfFirstRecord": "2026-11-22T08:30:40.512Z", "approximateArrivalOfLastRecord": "2026-11-22T08:30:44.907Z",
 *     "batchSize": 500, "streamArn": "arn:aws:kinesis:…:stream/geotech-dev-readings" } }
 * ```
 *
 * The local event source mapping adds `tumblingWindow` (the Lambda window of the batch) and
 * `errorMessage`, and writes null sequence numbers and a batch size of 0 when what failed was
 * the close of a window (its final invocation, which carries no records).
 */

const isoInstant = (what: string) =>
  z
    .string({ error: `must be an ISO-8601 instant (${what})` })
    .check(z.refine((text) => Number.isFinite(Date.parse(text)), `must be an ISO-8601 instant (${what})`));

const sequenceNumber = z.nullable(
  z.string({ error: 'must be a sequence number' }).check(z.regex(/^\d+$/, 'must be a sequence number (decimal digits)')),
);

const OnFailureMessageSchema = z.object({
  requestContext: z.object({
    requestId: z.string({ error: 'must be a string' }).check(z.minLength(1, 'must not be empty')),
    functionArn: z.string({ error: 'must be a function ARN' }).check(z.minLength(1, 'must not be empty')),
    condition: z.string({ error: 'must be a string' }),
    approximateInvokeCount: z.optional(z.number()),
  }),
  responseContext: z.optional(z.looseObject({})),
  version: z.optional(z.string()),
  timestamp: isoInstant('when the batch was given up'),
  KinesisBatchInfo: z.object({
    shardId: z.string({ error: 'must be a shard id' }).check(z.minLength(1, 'must not be empty')),
    startSequenceNumber: sequenceNumber,
    endSequenceNumber: sequenceNumber,
    approximateArrivalOfFirstRecord: z.nullable(isoInstant('arrival of the first record')),
    approximateArrivalOfLastRecord: z.nullable(isoInstant('arrival of the last record')),
    batchSize: z.number({ error: 'must be a number of records' }).check(z.int(), z.nonnegative()),
    streamArn: z.string({ error: 'must be a stream ARN' }).check(z.minLength(1, 'must not be empty')),
  }),
  tumblingWindow: z.optional(z.object({ start: isoInstant('window start'), end: isoInstant('window end') })),
  errorMessage: z.optional(z.string()),
});

export type OnFailureMessage = z.infer<typeof OnFailureMessageSchema>;

/** Which processor gave up on a batch, from the function's name. */
export type ProcessorName = 'batch' | 'realtime';

/** A failed batch, decoded: where its records are in the stream. */
export interface FailedBatch {
  /** Stable per failure: Lambda's request id. */
  readonly id: string;
  readonly processor: ProcessorName;
  readonly functionArn: string;
  readonly condition: string;
  /** When it was given up, epoch ms. */
  readonly failedAt: number;
  readonly shardId: string;
  readonly streamArn: string;
  /** The records, when the batch had any: first and last sequence number (inclusive), how many. */
  readonly records: { readonly first: string; readonly last: string; readonly count: number } | null;
  /** Approximate arrival of the first and last record, epoch ms, when known. */
  readonly arrivals: { readonly first: number; readonly last: number } | null;
  /** The Lambda window the batch belonged to, when the message says (the local one does). */
  readonly tumblingWindow: { readonly start: number; readonly end: number } | null;
  readonly errorMessage: string | null;
}

/** A line or message that is not an on-failure document; it names what is wrong. */
export class OnFailureMessageError extends Error {
  override readonly name = 'OnFailureMessageError';
}

/**
 * The failed batch an on-failure document describes. Throws {@link OnFailureMessageError}
 * naming each field at fault, or the function when it is neither processor.
 */
export function parseOnFailureMessage(text: string): FailedBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OnFailureMessageError(`not JSON (${(error as Error).message})`);
  }
  const checked = OnFailureMessageSchema.safeParse(parsed);
  if (!checked.success) {
    throw new OnFailureMessageError(
      checked.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message)).join('; '),
    );
  }
  const message = checked.data;
  const info = message.KinesisBatchInfo;
  const processor = processorOf(message.requestContext.functionArn);
  if (!processor) {
    throw new OnFailureMessageError(
      `requestContext.functionArn names neither processor (a function whose name ends in -batch-processor or -realtime-processor): ${message.requestContext.functionArn}`,
    );
  }
  if ((info.startSequenceNumber === null) !== (info.endSequenceNumber === null)) {
    throw new OnFailureMessageError('KinesisBatchInfo gives one end of its sequence range without the other');
  }
  const first = info.approximateArrivalOfFirstRecord;
  const last = info.approximateArrivalOfLastRecord;
  return {
    id: message.requestContext.requestId,
    processor,
    functionArn: message.requestContext.functionArn,
    condition: message.requestContext.condition,
    failedAt: Date.parse(message.timestamp),
    shardId: info.shardId,
    streamArn: info.streamArn,
    records:
      info.startSequenceNumber !== null && info.endSequenceNumber !== null && info.batchSize > 0
        ? { first: info.startSequenceNumber, last: info.endSequenceNumber, count: info.batchSize }
        : null,
    arrivals: first !== null && last !== null ? { first: Date.parse(first), last: Date.parse(last) } : null,
    tumblingWindow: message.tumblingWindow
      ? { start: Date.parse(message.tumblingWindow.start), end: Date.parse(message.tumblingWindow.end) }
      : null,
    errorMessage: message.errorMessage ?? null,
  };
}

/** `batch` or `realtime` from a function ARN or name (`…-batch-processor`, `…-realtime-processor`), else undefined. */
export function processorOf(functionArnOrName: string): ProcessorName | undefined {
  const name = functionArnOrName.split(':').at(-1) ?? functionArnOrName;
  if (name.endsWith('batch-processor')) return 'batch';
  if (name.endsWith('realtime-processor')) return 'realtime';
  return undefined;
}

/** What the on-failure document is made from: the batch as the event source mapping saw it. */
export interface FailedBatchFacts {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: string;
  readonly approximateInvokeCount: number;
  readonly at: number;
  readonly shardId: string;
  readonly streamArn: string;
  readonly startSequenceNumber: string | null;
  readonly endSequenceNumber: string | null;
  readonly batchSize: number;
  readonly firstArrival: number | null;
  readonly lastArrival: number | null;
  readonly tumblingWindow: { readonly start: number; readonly end: number };
  readonly error: string;
}

/** The on-failure document for a batch, in Lambda's shape (with the local fields described above). */
export function onFailureMessage(facts: FailedBatchFacts): OnFailureMessage {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    requestContext: {
      requestId: facts.requestId,
      functionArn: facts.functionArn,
      condition: facts.condition,
      approximateInvokeCount: facts.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date(facts.at).toISOString(),
    KinesisBatchInfo: {
      shardId: facts.shardId,
      startSequenceNumber: facts.startSequenceNumber,
      endSequenceNumber: facts.endSequenceNumber,
      approximateArrivalOfFirstRecord: iso(facts.firstArrival),
      approximateArrivalOfLastRecord: iso(facts.lastArrival),
      batchSize: facts.batchSize,
      streamArn: facts.streamArn,
    },
    tumblingWindow: { start: new Date(facts.tumblingWindow.start).toISOString(), end: new Date(facts.tumblingWindow.end).toISOString() },
    errorMessage: facts.error,
  };
}
