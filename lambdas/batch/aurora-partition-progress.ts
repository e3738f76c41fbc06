import { rekeyPending, type PartitionProgress } from '../domain/partition-watermark.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { SqlDatabase } from '../db/sql-client.js';
import type { PartitionProgressStore } from '../shared/kafka-windows.js';
import { chunks, iso } from './aurora-store.js';
import {
  ADVANCE_WATERMARK,
  DELETE_OTHER_LENGTH_WINDOWS,
  DELETE_PENDING_WINDOWS,
  INSERT_PENDING_WINDOWS,
  SELECT_PENDING_WINDOWS,
  SELECT_WATERMARK,
} from './progress-sql.js';

/** Rows per multi-row statement, as the batch store's. */
const ROWS_PER_STATEMENT = 400;

/**
 * One consumer's progress on each topic-partition, in Aurora (`stream_partition_progress`,
 * `stream_pending_windows`). Every write is idempotent: the watermark is only ever raised,
 * a pending window already held is kept once, removing one already removed changes nothing.
 */
export class AuroraPartitionProgress implements PartitionProgressStore {
  constructor(
    private readonly db: SqlDatabase,
    /** Whose progress: `batch` for the batch processor. */
    private readonly consumer: string,
    private readonly windowSeconds: number,
  ) {}

  async load(topicPartition: string): Promise<PartitionProgress> {
    const where = { consumer: this.consumer, topic_partition: topicPartition };
    const [held] = await this.db.query<{ watermark_ms: number | string }>(SELECT_WATERMARK, where);
    const rows = await this.db.query<{ instrument_id: string; window_start_ms: number | string; window_seconds: number }>(
      SELECT_PENDING_WINDOWS,
      where,
    );
    const pending: WindowKey[] = [];
    const rekeyed: WindowKey[] = [];
    for (const row of rows) {
      const key = { instrumentId: row.instrument_id, windowStart: Number(row.window_start_ms) };
      const fromWindowMs = Number(row.window_seconds) * 1000;
      if (fromWindowMs === this.windowMs) pending.push(key);
      else rekeyed.push(...rekeyPending([key], fromWindowMs, this.windowMs));
    }
    if (rekeyed.length > 0) await this.rekey(topicPartition, rekeyed);
    return { watermark: held ? Number(held.watermark_ms) : null, pending: [...pending, ...rekeyed] };
  }

  async save(topicPartition: string, watermark: number, added: readonly WindowKey[]): Promise<void> {
    const where = { consumer: this.consumer, topic_partition: topicPartition };
    await this.db.transaction(async (session) => {
      await session.execute(ADVANCE_WATERMARK, { ...where, watermark: iso(watermark) });
      for (const keys of chunks(added, ROWS_PER_STATEMENT))
        await session.execute(INSERT_PENDING_WINDOWS, { ...where, window_seconds: this.windowSeconds, windows: { json: rows(keys) } });
    });
  }

  async release(topicPartition: string, closed: readonly WindowKey[]): Promise<void> {
    const where = { consumer: this.consumer, topic_partition: topicPartition, window_seconds: this.windowSeconds };
    for (const keys of chunks(closed, ROWS_PER_STATEMENT))
      await this.db.execute(DELETE_PENDING_WINDOWS, { ...where, windows: { json: rows(keys) } });
  }

  private get windowMs(): number {
    return this.windowSeconds * 1000;
  }

  /** Replaces the rows kept at another window length by their windows at the current one. */
  private async rekey(topicPartition: string, keys: readonly WindowKey[]): Promise<void> {
    const where = { consumer: this.consumer, topic_partition: topicPartition, window_seconds: this.windowSeconds };
    await this.db.transaction(async (session) => {
      for (const chunk of chunks(keys, ROWS_PER_STATEMENT))
        await session.execute(INSERT_PENDING_WINDOWS, { ...where, windows: { json: rows(chunk) } });
      await session.execute(DELETE_OTHER_LENGTH_WINDOWS, where);
    });
  }
}

function rows(keys: readonly WindowKey[]) {
  return keys.map((k) => ({ instrument_id: k.instrumentId, window_start: iso(k.windowStart) }));
}
