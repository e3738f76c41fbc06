import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../lambdas/db/sql-client.js';
import { toMicroUnits } from '../lambdas/domain/reading.js';
import { AuroraBatchStore } from '../lambdas/batch/aurora-store.js';
import type { SourcedReading } from '../lambdas/shared/tumbling-window.js';
import {
  createLocalRdsDataClient,
  LOCAL_TARGET,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
} from '../local/data-api/index.js';
import type { Metric } from './metric.js';
import { syntheticReading } from './synthetic.js';

export function syntheticReadings(count: number, instruments: number, offset = 0): SourcedReading[] {
  return Array.from({ length: count }, (_, i) => ({
    reading: syntheticReading(i + offset, instruments),
    shardId: 'shardId-000000000000',
    sequenceNumber: String(i + offset),
    arrivedAt: syntheticReading(i + offset, instruments).observedAt + 500,
  }));
}

/**
 * The Data API write path on the local endpoint over PGlite: the processor's multi-row
 * JSON statements against one ExecuteStatement per reading.
 */
export async function benchDataApi(): Promise<Metric[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-data-api-'));
  const embedded = await openEmbeddedDatabase({ dataDir: join(dir, 'pg') });
  const server = await startDataApiServer({ backend: pgliteBackend(embedded), port: 0 });
  const client = createLocalRdsDataClient(server.url);
  try {
    await runMigrations({ client, ...LOCAL_TARGET, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
    const database = new DataApiDatabase(client, LOCAL_TARGET);
    const store = new AuroraBatchStore(database, 10);

    const batched = syntheticReadings(10_000, 500);
    await store.writeBatch(syntheticReadings(500, 500, 1_000_000), []);
    let start = performance.now();
    await store.writeBatch(batched, []);
    const batchedRate = batched.length / ((performance.now() - start) / 1000);

    const single = syntheticReadings(1_000, 500, 2_000_000);
    start = performance.now();
    for (const { reading, shardId, sequenceNumber } of single) {
      await database.execute(
        'INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence) VALUES (:id, :at::timestamptz, :micro, :shard, :seq) ON CONFLICT DO NOTHING',
        {
          id: reading.instrumentId,
          at: new Date(reading.observedAt).toISOString(),
          micro: toMicroUnits(reading.value),
          shard: shardId,
          seq: sequenceNumber,
        },
      );
    }
    const singleRate = single.length / ((performance.now() - start) / 1000);
    return [
      {
        name: 'Data API write path (multi-row JSON statements, local endpoint over PGlite)',
        value: Math.round(batchedRate),
        unit: 'rows/s',
        baselineRatio: Math.round((batchedRate / singleRate) * 100) / 100,
        baseline: 'one INSERT per reading',
      },
    ];
  } finally {
    client.destroy();
    await server.close();
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
