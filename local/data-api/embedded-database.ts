import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import { RAW_TEXT_TYPES, runOnClient, type DataApiBackend, type EngineSession } from './backend.js';
import { ExclusiveGate } from './exclusive-gate.js';

/**
 * The embedded PostgreSQL (PGlite) and the gate every user of its single
 * connection goes through: the Data API endpoint and the psql socket alike.
 */
export interface EmbeddedDatabase {
  readonly pglite: PGlite;
  readonly gate: ExclusiveGate;
  /** Where the database persists; undefined when it lives in memory. */
  readonly dataDir: string | undefined;
  /** Waits for the current holder to finish, then closes the database. */
  close(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Directory to persist the database in (created if missing). Default: in memory, gone on close. */
  readonly dataDir?: string;
}

export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  await pglite.exec("SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO'");
  const gate = new ExclusiveGate();
  return {
    pglite,
    gate,
    dataDir: options.dataDir,
    async close() {
      const lease = await gate.acquire('shutdown');
      try {
        await pglite.close();
      } finally {
        lease.release();
      }
    },
  };
}

/**
 * The embedded database behind the Data API endpoint, through PGlite's node-postgres
 * adapter so that both backends run the very same client code. One connection:
 * sessions are handed out one at a time through the database's gate.
 */
export function pgliteBackend(database: EmbeddedDatabase): DataApiBackend {
  let client: Promise<pg.Client> | undefined;
  const connect = () => {
    client ??= (async () => {
      const c = new pg.Client({ ...(createPgConfig(database.pglite) as pg.ClientConfig), types: RAW_TEXT_TYPES });
      await c.connect();
      return c;
    })();
    return client;
  };
  return {
    description: `PGlite (${database.dataDir ?? 'in memory'})`,
    async acquire(timeoutMs: number, purpose = 'a Data API statement'): Promise<EngineSession> {
      const lease = await database.gate.acquire(purpose, timeoutMs);
      let c: pg.Client;
      try {
        c = await connect();
      } catch (error) {
        client = undefined;
        lease.release();
        throw error;
      }
      return {
        query: (text, values) => runOnClient(c, text, values),
        release: (broken = false) => {
          if (broken) {
            client = undefined;
            c.end().catch(() => undefined);
          }
          lease.release();
        },
      };
    },
    async close() {
      const c = await client?.catch(() => undefined);
      client = undefined;
      await c?.end();
    },
  };
}
