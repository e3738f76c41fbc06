import {
  processTumblingWindow,
  type InvocationOutcome,
  type TumblingWindowEvent,
  type WindowClose,
  type WindowSink,
} from '../shared/tumbling-window.js';
import { alarmStepsApplied, type AlarmStore } from '../alarms/alarm-store.js';
import type { KafkaLambdaEvent } from '../shared/kafka-lambda-event.js';
import { processKafkaEvent, type KafkaInvocationOutcome, type PartitionProgressStore } from '../shared/kafka-windows.js';
import type { AuroraBatchStore } from './aurora-store.js';

export interface BatchProcessorDeps {
  readonly store: Pick<AuroraBatchStore, 'writeBatch' | 'finaliseWindows'>;
  /** Where confirmed status changes are applied to alarms (the escalation function notifies). */
  readonly alarms: Pick<AlarmStore, 'applyPendingChanges'>;
  /** Event-time window length, seconds. */
  readonly windowSeconds: number;
  /**
   * How late a reading may arrive after its event window closes and still count
   * towards the window's trigger evaluation. A window is evaluated once the shard's
   * arrivals have moved this far past its end.
   */
  readonly allowedLatenessMs: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** What the close of a Lambda window did in the batch store. */
export interface BatchClose {
  readonly windowsWritten: number;
  /** Steps applied to alarms: opened, escalated, de-escalated, cleared, withdrawn. */
  readonly alarmStepsApplied: number;
}

export type BatchOutcome = InvocationOutcome<BatchClose>;
export type BatchKafkaOutcome = KafkaInvocationOutcome<BatchClose>;

/** On a Kafka event source: the batch processor's progress on each topic-partition besides. */
export interface BatchKafkaDeps extends BatchProcessorDeps {
  readonly progress: PartitionProgressStore;
}

/** The consumer name of the batch processor's partition progress. */
export const BATCH_CONSUMER = 'batch';

/**
 * The batch path's sink: every batch's readings and rejections are written to Aurora at
 * once (idempotent, so a retried batch changes nothing); the close recomputes the touched
 * windows from the stored readings, evaluates the completed ones, then applies the shard's
 * confirmed status changes (the outbox, `trigger_events`) to its instruments' alarms. Any
 * store failure throws, so the event source mapping retries; both steps are idempotent.
 */
export function batchWindowSink(deps: BatchProcessorDeps): WindowSink<BatchClose> {
  return {
    async store(batch) {
      await deps.store.writeBatch(batch.readings, batch.rejections);
      return { stored: batch.readings, redeliver: [] };
    },
    close: (close) => closeBatchWindow(deps, close),
  };
}

async function closeBatchWindow(deps: BatchProcessorDeps, close: WindowClose): Promise<BatchClose> {
  const { windowsWritten } = await deps.store.finaliseWindows(
    close.touched,
    close.shardId,
    close.completeUpTo ?? close.arrivedUpTo - deps.allowedLatenessMs,
    close.arrivedUpTo,
  );
  const applied = await deps.alarms.applyPendingChanges(close.shardId);
  return { windowsWritten, alarmStepsApplied: alarmStepsApplied(applied) };
}

/** One invocation of the batch processor. */
export function processBatch(event: TumblingWindowEvent, deps: BatchProcessorDeps): Promise<BatchOutcome> {
  return processTumblingWindow(event, batchWindowSink(deps), { windowMs: deps.windowSeconds * 1000, now: deps.now });
}

/**
 * One invocation of the batch processor on an MSK event: the same sink, with windows closed
 * once their partition's watermark is the allowed lateness past their end.
 */
export function processBatchKafka(event: KafkaLambdaEvent, deps: BatchKafkaDeps): Promise<BatchKafkaOutcome> {
  return processKafkaEvent(event, batchWindowSink(deps), deps.progress, {
    windowMs: deps.windowSeconds * 1000,
    allowedLatenessMs: deps.allowedLatenessMs,
    now: deps.now,
  });
}
