import type { SqlDatabase } from '../../lambdas/db/sql-client.js';
import { readingIdentity } from '../../lambdas/domain/normalise-items.js';
import { toMicroUnits, type Reading } from '../../lambdas/domain/reading.js';
import { validateItem } from '../../lambdas/domain/validate-item.js';
import type { ServeRecord } from '../../local/simulator-server.js';

/**
 * What the end-to-end tests hold the batch store to: the readings the simulator actually
 * served, each once, and windows recomputed from them by brute force.
 */

/** Every valid reading the simulator served, once each (validated as the poller validates them). */
export function servedReadings(served: readonly ServeRecord[]): Map<string, Reading> {
  const readings = new Map<string, Reading>();
  for (const response of served) {
    for (const item of response.items) {
      const result = validateItem(item, { source: response.path, now: response.at });
      if (result.ok) readings.set(readingIdentity(result.value), result.value);
    }
  }
  return readings;
}

/** The stored readings, keyed as {@link servedReadings}, with their micro-unit values. */
export async function storedReadings(db: SqlDatabase): Promise<Map<string, bigint>> {
  const rows = await db.query<{ instrument_id: string; observed_ms: number | string; value_micro: number | string }>(
    `SELECT instrument_id, (extract(epoch FROM observed_at) * 1000)::bigint AS observed_ms, value_micro FROM readings`,
  );
  return new Map(rows.map((row) => [`${row.instrument_id}@${Number(row.observed_ms)}`, BigInt(row.value_micro)]));
}

export interface BruteForceWindow {
  readonly count: number;
  readonly sumMicro: bigint;
  readonly min: number;
  readonly max: number;
}

/** Windows of `windowSeconds` from readings, by brute force (exact sums in BigInt), keyed `instrument|start ISO`. */
export function bruteForceWindows(readings: Iterable<Reading>, windowSeconds: number): Map<string, BruteForceWindow> {
  const windows = new Map<string, { count: number; sumMicro: bigint; min: number; max: number }>();
  for (const r of readings) {
    const start = r.observedAt - (r.observedAt % (windowSeconds * 1000));
    const key = `${r.instrumentId}|${new Date(start).toISOString()}`;
    const micro = toMicroUnits(r.value);
    const w = windows.get(key) ?? { count: 0, sumMicro: 0n, min: Infinity, max: -Infinity };
    w.count += 1;
    w.sumMicro += BigInt(micro);
    w.min = Math.min(w.min, micro / 1e6);
    w.max = Math.max(w.max, micro / 1e6);
    windows.set(key, w);
  }
  return windows;
}

/** The stored windows of `windowSeconds`, keyed as {@link bruteForceWindows}. */
export async function storedWindows(db: SqlDatabase, windowSeconds: number): Promise<Map<string, BruteForceWindow & { mean: number }>> {
  const rows = await db.query<{
    id: string;
    start: string;
    reading_count: number;
    sum_micro: number | string;
    mean: number;
    min_value: number;
    max_value: number;
  }>(
    `SELECT instrument_id AS id, to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS start, reading_count,
       sum_micro::text AS sum_micro, mean, min_value, max_value
     FROM window_aggregates WHERE window_seconds = :window_seconds`,
    { window_seconds: windowSeconds },
  );
  return new Map(
    rows.map((row) => [
      `${row.id}|${row.start}`,
      { count: row.reading_count, sumMicro: BigInt(row.sum_micro), min: row.min_value, max: row.max_value, mean: row.mean },
    ]),
  );
}

/**
 * Asserts, without a test framework, that the stored windows are exactly the brute-force ones
 * (same keys; count, sum, min, max equal; the mean the exact sum over the count, rounded once).
 * Returns the faults found, empty when there are none.
 */
export function windowFaults(stored: Map<string, BruteForceWindow & { mean: number }>, expected: Map<string, BruteForceWindow>): string[] {
  const faults: string[] = [];
  for (const [key, want] of expected) {
    const got = stored.get(key);
    if (!got) faults.push(`missing window ${key}`);
    else if (got.count !== want.count || got.sumMicro !== want.sumMicro || got.min !== want.min || got.max !== want.max)
      faults.push(
        `window ${key}: stored ${got.count}/${got.sumMicro}/${got.min}/${got.max}, expected ${want.count}/${want.sumMicro}/${want.min}/${want.max}`,
      );
    else if (got.mean !== Number(want.sumMicro) / (want.count * 1e6)) faults.push(`window ${key}: mean ${got.mean} is not the exact mean`);
  }
  for (const key of stored.keys()) if (!expected.has(key)) faults.push(`window ${key} has no served reading`);
  return faults;
}
