import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import type { SqlDatabase } from '../../lambdas/db/sql-client.js';
import { piezometerReading, streamRecord, windowEvent } from './tumbling-events.js';

export const WINDOW_MS = 10_000;

/**
 * The batch processor over a store, with a clock the test moves: readings go through the
 * real tumbling-window processing into the batch store, whose closes apply the confirmed
 * changes to alarms at the clock's time (the changes' processing time).
 */
export class BatchPipeline {
  private sequence = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly clock: { now: number },
  ) {}

  /** An alarm store on the same database and clock. */
  alarmStore(): AlarmStore {
    return new AlarmStore(this.db, { now: () => this.clock.now });
  }

  /** One Lambda window (a batch, then the final invocation) over these readings, arriving 0.5 s after their time unless given. */
  async lambdaWindow(readings: readonly Reading[], arrivedAt?: number): Promise<void> {
    const deps = {
      store: new AuroraBatchStore(this.db, WINDOW_MS / 1000),
      alarms: this.alarmStore(),
      windowSeconds: WINDOW_MS / 1000,
      allowedLatenessMs: 0,
    };
    const records = readings.map((reading) => streamRecord(reading, ++this.sequence, arrivedAt));
    const first = await processBatch(windowEvent(records, {}, false), deps);
    await processBatch(windowEvent([], first.response.state, true), deps);
  }
}

/**
 * One piezometer reading per 10-s window, window `from + k` at `means[k]` kPa. With the
 * default rule (change from the mean of the first 5 readings; alert +30, alarm +50,
 * action +70 kPa; two windows to confirm a rise), 100 kPa in windows 0-4 sets the baseline.
 */
export function piezometerWindows(instrumentId: string, start: number, means: readonly number[], from = 0): Reading[] {
  return means.map((mean, k) => piezometerReading(instrumentId, start + (from + k) * WINDOW_MS + 1_000, mean));
}
