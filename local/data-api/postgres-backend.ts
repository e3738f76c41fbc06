import pg from 'pg';
import { EngineBusyError, RAW_TEXT_TYPES, runOnClient, type DataApiBackend, type EngineSession } from './backend.js';

export interface PostgresBackendOptions {
  /** libpq-style connection string, e.g. postgres://user@127.0.0.1:5432/db. */
  readonly connectionString: string;
  /** Most connections held at once, i.e. concurrent transactions plus statements. Default 10. */
  readonly maxConnections?: number;
}

/**
 * A real PostgreSQL server behind the endpoint, through a node-postgres pool. Each
 * connection's session runs in UTC with ISO dates, as Aurora's defaults do.
 */
export function postgresBackend(options: PostgresBackendOptions): DataApiBackend {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    types: RAW_TEXT_TYPES,
    options: '-c TimeZone=UTC -c DateStyle=ISO',
  });
  // An idle connection the server drops is discarded by the pool; nothing to do here.
  pool.on('error', () => undefined);
  const where = safeDescription(options.connectionString);
  return {
    description: `PostgreSQL (${where})`,
    async acquire(timeoutMs: number): Promise<EngineSession> {
      const client = await connectWithin(pool, timeoutMs, where);
      return {
        query: (text, values) => runOnClient(client, text, values),
        release: (broken = false) => client.release(broken),
      };
    },
    close: () => pool.end(),
  };
}

async function connectWithin(pool: pg.Pool, timeoutMs: number, where: string): Promise<pg.PoolClient> {
  let timer: NodeJS.Timeout | undefined;
  const connecting = pool.connect();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineBusyError(`no connection to ${where} became free within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (error) {
    // A connection that arrives after the deadline goes straight back to the pool.
    connecting.then(
      (client) => client.release(),
      () => undefined,
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The connection string without its password. */
function safeDescription(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    return `${url.host}${url.pathname}`;
  } catch {
    return 'configured server';
  }
}
