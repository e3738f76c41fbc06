import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { REJECTION_REASONS, type Rejection } from '../domain/rejection.js';
import type { DataApiTarget } from '../db/sql-client.js';
import { dataApiTargetVariables, parseEnvironment, type Environment } from '../shared/environment.js';
import { rejectionJson } from '../shared/quarantine.js';
import type { QuarantineEntry } from '../shared/tumbling-window.js';
import type { AuroraBatchStore } from './aurora-store.js';

/**
 * The quarantine recorder: a consumer of the SQS quarantine queue (where the poller and the
 * real-time processor send their rejections, one message per rejection, written by
 * `SqsQuarantineSink`) that keeps each rejection as a row of `quarantined_readings`, beside
 * the batch processor's poison records, so every rejection can be queried in one place.
 *
 * Nothing is dropped: a message body that is not a rejection is stored too, as an
 * `undecodable_record` row holding the body. A message is reported as failed (and so left
 * in the queue for Lambda to deliver again) only when its row could not be written.
 */

/** Custom metrics the recorder publishes (Powertools, EMF). */
export const RECORDER_METRICS = {
  /** Messages whose rejection is now in `quarantined_readings` (kept once however often delivered). */
  recorded: 'RejectionsRecorded',
  /** Messages whose row could not be written; they stay in the queue and are delivered again. */
  notRecorded: 'RejectionsNotRecorded',
} as const;

const SUBJECT = 'quarantine recorder environment';

const EnvironmentSchema = z.object(dataApiTargetVariables);

/**
 * The Data API target from the function's environment (DB_CLUSTER_ARN, DB_SECRET_ARN,
 * DB_NAME, default `geotech`). Throws `ConfigError` naming every variable at fault.
 */
export function parseQuarantineRecorderEnvironment(env: Environment): DataApiTarget {
  const e = parseEnvironment(EnvironmentSchema, env, SUBJECT);
  return { resourceArn: e.DB_CLUSTER_ARN, secretArn: e.DB_SECRET_ARN, database: e.DB_NAME };
}

/** Latest rejection time accepted: the end of year 9999, the last instant an ISO-8601 timestamp writes plainly. */
const MAX_REJECTED_AT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A rejection as `rejectionJson` writes it. Unknown keys are ignored, so a newer producer's extra fields do not make a message undecodable. */
const RejectionMessage = z.object({
  reason: z.enum(REJECTION_REASONS, { error: `must be one of ${REJECTION_REASONS.join(', ')}` }),
  detail: z.string({ error: 'must be a string' }),
  field: z.optional(z.nullable(z.string({ error: 'must be a string' }))),
  raw: z.unknown(),
  source: z.string({ error: 'must be a string' }).check(z.minLength(1, 'must not be empty')),
  rejectedAt: z
    .number({ error: 'must be epoch milliseconds' })
    .check(z.refine((ms) => ms >= 0 && ms <= MAX_REJECTED_AT, 'must be epoch milliseconds from 1970 to 9999')),
});

/** One queue message, decoded: the row to store and whether the body was a rejection. */
export interface DecodedMessage {
  readonly entry: QuarantineEntry;
  readonly decodable: boolean;
}

/**
 * The row for one quarantine message.
 *
 * The id of a rejection is `sqs/` and a SHA-256 of what the rejection says: its reason,
 * source, field, detail and raw item. Not the SQS message id, because the sink sends a
 * rejection again when a SendMessageBatch answer is lost, and the copy has a new message id.
 * Not the rejection time either, because the real-time processor rejects a poison record
 * again, later, each time Lambda redelivers the record's batch: that is the same rejection,
 * and it is kept once, as the batch processor keeps its poison records once by shard and
 * sequence number. The consequence: a source that serves the same bad item in several polls
 * is kept once, at its first rejection (the poller's ReadingsRejected metric still counts
 * every time). The `sqs/` prefix keeps these ids apart from the batch processor's.
 *
 * A body that is not a rejection is kept as an `undecodable_record` row whose raw item is the
 * body; its id is `sqs/` and a SHA-256 of the body, so it too is kept once.
 */
export function decodeQuarantineMessage(
  record: Pick<SQSRecord, 'messageId' | 'body' | 'attributes' | 'eventSourceARN'>,
  now: number,
): DecodedMessage {
  const decoded = decodeRejection(record.body);
  if (decoded.rejection) {
    const rejection = storable(decoded.rejection);
    const id = `sqs/${sha256(['rejection', rejection.reason, rejection.source, rejection.field ?? null, rejection.detail, rejection.raw])}`;
    return { entry: { id, rejection }, decodable: true };
  }
  const sentAt = Number(record.attributes?.SentTimestamp);
  const rejection: Rejection = storable({
    reason: 'undecodable_record',
    detail: `quarantine message is not a rejection: ${decoded.problem}`,
    raw: record.body,
    source: `${queueName(record.eventSourceARN)}/${record.messageId}`,
    rejectedAt: Number.isFinite(sentAt) && sentAt > 0 ? sentAt : now,
  });
  return { entry: { id: `sqs/${sha256(['message', record.body])}`, rejection }, decodable: false };
}

/**
 * The row the recorder keeps for `rejection` once it has crossed the queue (sent as
 * `rejectionJson` writes it): for a sink that writes to the table directly (the local
 * runtime's), so that a rejection made twice (a page read again after a restart) is kept
 * once there too, under the id it would have in AWS.
 */
export function quarantineEntryOf(rejection: Rejection, now: number): QuarantineEntry {
  return decodeQuarantineMessage(
    { messageId: 'direct', body: rejectionJson(rejection), attributes: {} as SQSRecord['attributes'], eventSourceARN: '' },
    now,
  ).entry;
}

/** The body as a rejection, or what is wrong with it. */
function decodeRejection(body: string): { rejection: Rejection; problem?: never } | { rejection?: never; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const checked = RejectionMessage.safeParse(parsed);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message,
    );
    return { problem: issues.join('; ') };
  }
  const { field, ...rest } = checked.data;
  return { rejection: field === undefined || field === null ? rest : { ...rest, field } };
}

/**
 * The rejection with text PostgreSQL can store: `text` holds no NUL character and a JSON
 * parameter no lone surrogate, yet both can arrive here (escaped in the message's JSON) from
 * a source's item. In the detail, field and source they become U+FFFD; a raw item that is
 * such a string is kept as its JSON text instead, which loses nothing.
 */
function storable(rejection: Rejection): Rejection {
  const { field, raw, ...rest } = rejection;
  return {
    ...rest,
    detail: storableText(rejection.detail),
    source: storableText(rejection.source),
    ...(field === undefined ? {} : { field: storableText(field) }),
    raw: typeof raw === 'string' && !isStorableText(raw) ? JSON.stringify(raw) : raw,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

function isStorableText(text: string): boolean {
  return !text.includes('\0') && !LONE_SURROGATE.test(text);
}

function storableText(text: string): string {
  return isStorableText(text) ? text : text.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
}

function sha256(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The queue's name from its ARN (`arn:aws:sqs:region:account:name`), or `sqs` without one. */
function queueName(arn: string | undefined): string {
  const name = arn?.split(':')[5];
  return name ? name : 'sqs';
}

export interface QuarantineRecorderDependencies {
  readonly store: Pick<AuroraBatchStore, 'recordRejections'>;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** @default - no metrics */
  readonly metrics?: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
  /** The time of an undecodable message that carries no SentTimestamp. @default Date.now */
  readonly now?: () => number;
}

export interface RecorderOutcome {
  readonly response: SQSBatchResponse;
  /** Messages whose rejection is stored (including those stored before: redeliveries and copies). */
  readonly recorded: number;
  /** Rows added: `recorded` less the rejections already stored. */
  readonly added: number;
  /** Messages stored as `undecodable_record` because their body was not a rejection. */
  readonly undecodable: number;
}

/**
 * Stores one SQS batch: every message's row in one statement, or, if that fails, each
 * rejection in a statement of its own, so that a failure is reported for exactly the
 * messages whose row was not written (`batchItemFailures`) and no more.
 */
export async function recordQuarantineMessages(
  records: readonly SQSRecord[],
  deps: Pick<QuarantineRecorderDependencies, 'store' | 'logger' | 'now'>,
): Promise<RecorderOutcome> {
  const now = (deps.now ?? Date.now)();
  const byId = new Map<string, { entry: QuarantineEntry; messageIds: string[] }>();
  let undecodable = 0;
  for (const record of records) {
    const { entry, decodable } = decodeQuarantineMessage(record, now);
    if (!decodable) {
      undecodable += 1;
      deps.logger.warn('quarantine message is not a rejection; storing it as undecodable_record', {
        messageId: record.messageId,
        detail: entry.rejection.detail,
      });
    }
    const group = byId.get(entry.id);
    if (group) group.messageIds.push(record.messageId);
    else byId.set(entry.id, { entry, messageIds: [record.messageId] });
  }
  const groups = [...byId.values()];

  const failed = new Set<string>();
  let added = 0;
  if (groups.length > 0) {
    let failures: Array<{ group: (typeof groups)[number]; error: unknown }> = [];
    try {
      added = await deps.store.recordRejections(groups.map((group) => group.entry));
    } catch (error) {
      if (groups.length === 1) failures = [{ group: groups[0]!, error }];
      else {
        deps.logger.warn('storing the batch failed; storing its rejections one by one', { error: errorText(error) });
        for (const group of groups) {
          try {
            added += await deps.store.recordRejections([group.entry]);
          } catch (error) {
            failures.push({ group, error });
          }
        }
      }
    }
    for (const { group, error } of failures) {
      for (const messageId of group.messageIds) failed.add(messageId);
      deps.logger.error('could not store a rejection; its messages stay in the queue', {
        quarantineId: group.entry.id,
        messageIds: group.messageIds,
        error: errorText(error),
      });
    }
  }

  const batchItemFailures = records
    .filter((record) => failed.has(record.messageId))
    .map((record) => ({ itemIdentifier: record.messageId }));
  return { response: { batchItemFailures }, recorded: records.length - batchItemFailures.length, added, undecodable };
}

/** The SQS handler, with its dependencies given (the Lambda entry reads them from the environment). */
export function createQuarantineRecorderHandler(deps: QuarantineRecorderDependencies): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const outcome = await recordQuarantineMessages(event.Records ?? [], deps);
    const notRecorded = outcome.response.batchItemFailures.length;
    if (deps.metrics) {
      deps.metrics.addMetric(RECORDER_METRICS.recorded, MetricUnit.Count, outcome.recorded);
      deps.metrics.addMetric(RECORDER_METRICS.notRecorded, MetricUnit.Count, notRecorded);
      deps.metrics.publishStoredMetrics();
    }
    deps.logger.info('quarantine batch recorded', {
      messages: event.Records?.length ?? 0,
      recorded: outcome.recorded,
      added: outcome.added,
      undecodable: outcome.undecodable,
      notRecorded,
    });
    return outcome.response;
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
