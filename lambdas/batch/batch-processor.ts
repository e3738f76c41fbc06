import type { AlertPublisher } from './alerts.js';
import type { AuroraBatchStore } from './aurora-store.js';
import {
  decodeBatch,
  restoreProgress,
  saveProgress,
  type TumblingWindowEvent,
  type TumblingWindowResponse,
} from '../shared/tumbling-window.js';

const ALERTS_PER_ROUND = 100;

export interface BatchProcessorOptions {
  readonly store: Pick<AuroraBatchStore, 'writeBatch' | 'finaliseWindows' | 'pendingAlerts' | 'markNotified'>;
  readonly alerts: AlertPublisher;
  /** Event-time window length, seconds. */
  readonly windowSeconds: number;
  /**
   * How late a reading may arrive after its event window closes and still count
   * towards the window's trigger evaluation. A window is evaluated once the shard's
   * arrivals have moved this far past its end.
   */
  readonly allowedLatenessMs: number;
  readonly now?: () => number;
}

export interface BatchOutcome {
  readonly response: TumblingWindowResponse;
  readonly readings: number;
  readonly poison: number;
  readonly windowsWritten: number;
  readonly alertsPublished: number;
}

/**
 * One invocation of the batch path. Every batch is written at once (readings are
 * idempotent, so a retried batch changes nothing); the final invocation of a tumbling
 * window recomputes the touched windows, evaluates completed ones and publishes the
 * status changes. Any sink failure throws, so the event source mapping retries.
 */
export async function processBatch(event: TumblingWindowEvent, options: BatchProcessorOptions): Promise<BatchOutcome> {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const progress = restoreProgress(event.state, windowMs);
  const batch = decodeBatch(event.Records ?? [], event.shardId, now());

  await options.store.writeBatch(batch.readings, batch.poison);
  for (const { reading } of batch.readings) progress.accumulator.add(reading.instrumentId, reading.value, reading.observedAt);
  const arrivedUpTo = Math.max(progress.arrivedUpTo, batch.arrivedUpTo);

  if (!event.isFinalInvokeForWindow) {
    return {
      response: { state: saveProgress({ accumulator: progress.accumulator, arrivedUpTo }), batchItemFailures: [] },
      readings: batch.readings.length,
      poison: batch.poison.length,
      windowsWritten: 0,
      alertsPublished: 0,
    };
  }

  const touched = [...progress.accumulator.entries()];
  const { windowsWritten } = await options.store.finaliseWindows(touched, event.shardId, arrivedUpTo - options.allowedLatenessMs);
  let alertsPublished = 0;
  for (;;) {
    const pending = await options.store.pendingAlerts(event.shardId, ALERTS_PER_ROUND);
    await options.alerts.publish(pending);
    await options.store.markNotified(pending);
    alertsPublished += pending.length;
    if (pending.length < ALERTS_PER_ROUND) break;
  }
  return {
    response: { state: {}, batchItemFailures: [] },
    readings: batch.readings.length,
    poison: batch.poison.length,
    windowsWritten,
    alertsPublished,
  };
}
