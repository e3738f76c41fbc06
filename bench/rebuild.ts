import pg from 'pg';
import { runMigrations } from '../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../lambdas/db/sql-client.js';
import { rebuild } from '../lambdas/recovery/rebuild.js';
import { createLocalRdsDataClient, LOCAL_TARGET, postgresBackend, startDataApiServer } from '../local/data-api/index.js';
import { startPostgresServer } from '../test/support/postgres-server.js';
import type { Metric } from './metric.js';

/** The stored day, scaled down to fit this machine: a 2,000-instrument site read every 10 s for an hour (a day would be 17 million). */
const INSTRUMENTS = 2_000;
const HOURS = 1;
const READING_INTERVAL_S = 10;
const WINDOW_SECONDS = 60;
const T0 = Date.parse('2026-06-01T00:00:00Z');

/**
 * The rebuild's re-aggregation (lambdas/recovery/rebuild.ts, every window recomputed from the
 * stored readings and written) through the local Data API endpoint on a real PostgreSQL server.
 * The readings are loaded straight into the engine; only the rebuild is timed.
 */
export async function benchRebuild(): Promise<Metric[]> {
  const server = await startPostgresServer({ database: 'bench' });
  const backend = postgresBackend({ connectionString: server.connectionString });
  const endpoint = await startDataApiServer({ backend, port: 0 });
  const client = createLocalRdsDataClient(endpoint.url);
  const direct = new pg.Client({ connectionString: server.connectionString });
  try {
    await direct.connect();
    await runMigrations({ client, ...LOCAL_TARGET, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
    const readings = await loadReadings(direct);
    const db = new DataApiDatabase(client, LOCAL_TARGET);
    const start = performance.now();
    const report = await rebuild(
      { from: T0, to: T0 + HOURS * 3_600_000, windowSeconds: WINDOW_SECONDS, runBy: 'bench', pageSize: 20 },
      { db },
    );
    const seconds = (performance.now() - start) / 1000;
    const expectedWindows = INSTRUMENTS * ((HOURS * 3600) / WINDOW_SECONDS);
    if (report.windowsWritten !== expectedWindows)
      throw new Error(`rebuild wrote ${report.windowsWritten} windows, expected ${expectedWindows}`);
    return [
      {
        name: `rebuild re-aggregation (${readings} stored readings, ${INSTRUMENTS} instruments x ${HOURS} h at ${READING_INTERVAL_S} s, ${WINDOW_SECONDS} s windows, Data API endpoint on PostgreSQL 15)`,
        value: Math.round(readings / seconds),
        unit: 'readings/s',
        target: '>= 10000',
      },
    ];
  } finally {
    await direct.end().catch(() => undefined);
    client.destroy();
    await endpoint.close();
    await backend.close();
    await server.stop();
  }
}

async function loadReadings(direct: pg.Client): Promise<number> {
  const from = new Date(T0).toISOString();
  const to = new Date(T0 + HOURS * 3_600_000 - READING_INTERVAL_S * 1000).toISOString();
  await direct.query(
    `INSERT INTO instruments (instrument_id, instrument_type, unit, first_observed_at, last_observed_at)
     SELECT 'BH-' || (1000 + n), 'piezometer', 'm', $1::timestamptz, $2::timestamptz FROM generate_series(0, $3::int - 1) n`,
    [from, to, INSTRUMENTS],
  );
  const inserted = await direct.query(
    `INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence)
     SELECT 'BH-' || (1000 + n), t, (60000000 + n * 100000 + (extract(epoch FROM t)::bigint % 97) * 1000), 'shardId-000000000000',
       (extract(epoch FROM t)::bigint * 10000 + n)::text
     FROM generate_series(0, $3::int - 1) n, generate_series($1::timestamptz, $2::timestamptz, make_interval(secs => $4)) t`,
    [from, to, INSTRUMENTS, READING_INTERVAL_S],
  );
  await direct.query('ANALYZE readings');
  return inserted.rowCount ?? 0;
}
