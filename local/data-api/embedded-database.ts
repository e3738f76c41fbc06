import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  /**
   * Directory in which to keep a freshly initialised cluster, so that new databases
   * start from a copy of it instead of running initdb (many times faster). Default the
   * OS temporary directory; `false` runs initdb every time.
   */
  readonly templateCache?: string | false;
}

export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const isNew = !options.dataDir || !existsSync(options.dataDir) || readdirSync(options.dataDir).length === 0;
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const cacheDir = options.templateCache ?? tmpdir();
  const loadDataDir = isNew && cacheDir !== false ? await freshClusterTemplate(cacheDir) : undefined;
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
  });
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
 * A dump of a freshly initialised cluster, made once per PGlite version and kept in
 * `cacheDir`. Written to a temporary name and renamed, so concurrent processes never
 * read a partial file.
 */
async function freshClusterTemplate(cacheDir: string): Promise<Blob> {
  const file = join(cacheDir, `pglite-${pgliteVersion()}-fresh-cluster.tar`);
  if (existsSync(file)) return new Blob([await readFile(file)]);
  const scratch = await PGlite.create();
  const dump = await scratch.dumpDataDir('none');
  await scratch.close();
  await mkdir(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  return dump;
}

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
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
