import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { batchWindowSink, type BatchClose, type BatchProcessorDeps } from '../batch/batch-processor.js';
import { processRealtimeEvent, type RealtimeProcessorDeps } from '../realtime/realtime-processor.js';
import { arrivalMs, lambdaWindowOf, toLambdaRecord, tumblingWindowEvent, type LambdaWindow } from '../shared/kinesis-lambda-event.js';
import { sleep as realSleep, type Sleep } from '../shared/retry.js';
import {
  processTumblingWindow,
  type TumblingWindowEvent,
  type TumblingWindowResponse,
  type WindowSink,
} from '../shared/tumbling-window.js';

/**
 * Delivers records read back from the stream to a processor's own processing (the shared
 * tumbling-window core over the processor's sink), in the events Lambda would send: batches
 * of one Lambda window carrying the window's state, then the final invocation that closes
 * the window and completes every event window the records touched. Every store is keyed by
 * instrument and event time, so delivering records that were stored before changes nothing.
 */

/** What one invocation of a target did, as the recovery report counts it. */
export interface TargetInvocation {
  readonly response: TumblingWindowResponse;
  readonly readings: number;
  readonly rejected: number;
  /** Windows written by a close. */
  readonly windowsWritten: number;
  /** Status changes a close recorded (batch: handed to the outbox; real-time: status documents changed). */
  readonly statusChanges: number;
}

/** A processor records can be delivered to again. */
export interface ReprocessTarget {
  readonly name: 'batch' | 'realtime';
  invoke(event: TumblingWindowEvent): Promise<TargetInvocation>;
}

/**
 * The batch processor's processing, as deployed, with one difference: a close judges windows
 * as of now (the tool's clock), not as of the records' old arrival times. The records are
 * late (that is why they are delivered again), so the windows they complete are complete now,
 * and the changes they reveal are found now: recorded late, with their real delay, and handed
 * to the outbox like any other (they are notified once, marked late).
 */
export function batchTarget(deps: BatchProcessorDeps, now: () => number = Date.now): ReprocessTarget {
  const sink = batchWindowSink(deps);
  const asOfNow: WindowSink<BatchClose> = {
    store: (batch) => sink.store(batch),
    close: (close) => sink.close({ ...close, arrivedUpTo: Math.max(close.arrivedUpTo, now()) }),
  };
  return {
    name: 'batch',
    async invoke(event) {
      const outcome = await processTumblingWindow(event, asOfNow, { windowMs: deps.windowSeconds * 1000, now: deps.now });
      return {
        response: outcome.response,
        readings: outcome.readings,
        rejected: outcome.rejected,
        windowsWritten: outcome.closed?.windowsWritten ?? 0,
        statusChanges: outcome.closed?.alarmStepsApplied ?? 0,
      };
    },
  };
}

/** The real-time processor's processing, as deployed (it judges by the windows' own data, whatever their arrival). */
export function realtimeTarget(deps: RealtimeProcessorDeps): ReprocessTarget {
  return {
    name: 'realtime',
    async invoke(event) {
      const outcome = await processRealtimeEvent(event, deps);
      return {
        response: outcome.response,
        readings: outcome.readings,
        rejected: outcome.rejected,
        windowsWritten: outcome.closed?.windowsWritten ?? 0,
        statusChanges: outcome.closed?.statusChanges ?? 0,
      };
    },
  };
}

/** What delivering a shard's records did. */
export interface Delivery {
  readonly records: number;
  readonly readings: number;
  readonly rejected: number;
  readonly windowsWritten: number;
  readonly statusChanges: number;
  /** Lambda windows delivered (each closed). */
  readonly lambdaWindows: number;
}

export const NO_DELIVERY: Delivery = { records: 0, readings: 0, rejected: 0, windowsWritten: 0, statusChanges: 0, lambdaWindows: 0 };

export function addDeliveries(a: Delivery, b: Delivery): Delivery {
  return {
    records: a.records + b.records,
    readings: a.readings + b.readings,
    rejected: a.rejected + b.rejected,
    windowsWritten: a.windowsWritten + b.windowsWritten,
    statusChanges: a.statusChanges + b.statusChanges,
    lambdaWindows: a.lambdaWindows + b.lambdaWindows,
  };
}

export interface DeliveryOptions {
  readonly shardId: string;
  readonly streamArn: string;
  readonly region: string;
  /** Records per invocation. Default 500 (the deployment's batch size). */
  readonly batchSize?: number;
  /** Lambda tumbling window the records are grouped by, by arrival, seconds. Default 60 (the deployment's). */
  readonly tumblingWindowSeconds?: number;
  /** Deliveries of records the target asks to have again (a transient refusal) before giving up. Default 3. */
  readonly redeliveries?: number;
  readonly sleep?: Sleep;
}

/** The target refused some records on every redelivery; nothing after them was delivered. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/**
 * Delivers one shard's records (in shard order) to `target`: grouped into Lambda windows by
 * arrival, each window's records in batches carrying its state, each window closed by a
 * final invocation. Throws when an invocation fails (the store is down): the caller keeps
 * the failure for a later run.
 */
export async function deliverShardRecords(
  target: ReprocessTarget,
  records: readonly KinesisRecord[],
  options: DeliveryOptions,
): Promise<Delivery> {
  const batchSize = options.batchSize ?? 500;
  const windowSeconds = options.tumblingWindowSeconds ?? 60;
  const identity = { streamArn: options.streamArn, region: options.region, functionRoleArn: '' };
  let total = NO_DELIVERY;
  for (const { window, records: inWindow } of groupByLambdaWindow(records, windowSeconds)) {
    let state: Record<string, unknown> = {};
    let delivered = { ...NO_DELIVERY, lambdaWindows: 1, records: inWindow.length };
    for (let i = 0; i < inWindow.length; i += batchSize) {
      const { state: next, invocation } = await invokeBatch(target, inWindow.slice(i, i + batchSize), window, state, options, identity);
      state = next;
      delivered = { ...delivered, readings: delivered.readings + invocation.readings, rejected: delivered.rejected + invocation.rejected };
    }
    const close = await target.invoke(
      tumblingWindowEvent({
        records: [],
        window,
        state,
        shardId: options.shardId,
        streamArn: options.streamArn,
        isFinalInvokeForWindow: true,
      }),
    );
    delivered = { ...delivered, windowsWritten: close.windowsWritten, statusChanges: close.statusChanges };
    total = addDeliveries(total, delivered);
  }
  return total;
}

async function invokeBatch(
  target: ReprocessTarget,
  batch: KinesisRecord[],
  window: LambdaWindow,
  state: Record<string, unknown>,
  options: DeliveryOptions,
  identity: { streamArn: string; region: string; functionRoleArn: string },
): Promise<{ state: Record<string, unknown>; invocation: { readings: number; rejected: number } }> {
  let readings = 0;
  let rejected = 0;
  let pending = batch;
  for (let attempt = 0; ; attempt += 1) {
    const invocation = await target.invoke(
      tumblingWindowEvent({
        records: pending.map((record) => toLambdaRecord(record, options.shardId, identity)),
        window,
        state,
        shardId: options.shardId,
        streamArn: options.streamArn,
        isFinalInvokeForWindow: false,
      }),
    );
    state = invocation.response.state as Record<string, unknown>;
    readings += invocation.readings;
    rejected += invocation.rejected;
    const failed = new Set(invocation.response.batchItemFailures.map((failure) => failure.itemIdentifier));
    if (failed.size === 0) return { state, invocation: { readings, rejected } };
    // As Lambda does: the records from the first one asked for again are delivered again.
    const from = pending.findIndex((record) => failed.has(record.SequenceNumber ?? ''));
    pending = pending.slice(Math.max(0, from));
    if (attempt >= (options.redeliveries ?? 3)) {
      throw new DeliveryError(
        `the ${target.name} processor refused ${failed.size} record(s) of ${options.shardId} from ${pending[0]?.SequenceNumber ?? '?'} on every delivery`,
      );
    }
    await (options.sleep ?? realSleep)(200 * 2 ** attempt);
  }
}

/** Records in shard order, grouped by the Lambda window their arrival falls in (as the event source mapping groups them). */
function groupByLambdaWindow(
  records: readonly KinesisRecord[],
  windowSeconds: number,
): Array<{ window: LambdaWindow; records: KinesisRecord[] }> {
  const groups: Array<{ window: LambdaWindow; records: KinesisRecord[] }> = [];
  for (const record of records) {
    const window = lambdaWindowOf(arrivalMs(record), windowSeconds);
    const current = groups.at(-1);
    if (current && current.window.start === window.start) current.records.push(record);
    else groups.push({ window, records: [record] });
  }
  return groups;
}
