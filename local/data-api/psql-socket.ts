import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from './embedded-database.js';
import type { GateLease } from './exclusive-gate.js';

export interface PsqlSocketOptions {
  /** TCP port for PostgreSQL clients. Default 5432; 0 picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  readonly host?: string;
}

export interface PsqlSocket {
  readonly host: string;
  readonly port: number;
  /** The command line that opens psql on the embedded database. */
  readonly psqlCommand: string;
  close(): Promise<void>;
}

/**
 * Serves the embedded database over the PostgreSQL wire protocol, so psql and other
 * clients can look at it while the endpoint uses it. PGlite has one session, shared
 * by all: each client takes the database's gate for as long as it is not idle (from
 * a message until the engine reports ReadyForQuery outside a transaction), so a
 * client's transaction never interleaves with the endpoint's, nor with another
 * client's. Session settings (SET …) are shared too: change them with care.
 */
export async function startPsqlSocket(database: EmbeddedDatabase, options: PsqlSocketOptions = {}): Promise<PsqlSocket> {
  const host = options.host ?? '127.0.0.1';
  const queue = new GatedProtocolQueue(database);
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket: Socket) => {
    const handler = new PGLiteSocketHandler({
      // The handler's queue type has private members; ours provides the three methods it calls.
      queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `The PostgreSQL socket cannot listen on ${host}:${options.port}: the port is in use. Choose another with the 'port' option (0 picks a free port).`
            : `The PostgreSQL socket cannot listen on ${host}:${options.port ?? 5432}: ${error.message}`,
        ),
      );
    });
    server.listen(options.port ?? 5432, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    psqlCommand: `psql -h ${host} -p ${port} -U postgres -d postgres`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      await closed;
    },
  };
}

/** ReadyForQuery ('Z', length 5) with transaction status idle ('I'). */
const READY_AND_IDLE = [0x5a, 0, 0, 0, 5, 0x49];

/**
 * The message queue the socket handlers feed: runs each client's protocol messages on
 * PGlite while that client holds the database's gate, and lets the gate go when the
 * client is back to idle.
 */
class GatedProtocolQueue {
  private readonly leases = new Map<number, GateLease>();

  constructor(private readonly database: EmbeddedDatabase) {}

  async enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    let lease = this.leases.get(handlerId);
    if (!lease) {
      lease = await this.database.gate.acquire(holderName(handlerId));
      this.leases.set(handlerId, lease);
    }
    let bytes = 0;
    let tail: number[] = [];
    const { pglite } = this.database;
    await pglite.runExclusive(() =>
      pglite.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length;
          tail = [...tail, ...data.subarray(Math.max(0, data.length - READY_AND_IDLE.length))].slice(-READY_AND_IDLE.length);
          onData(data);
        },
      }),
    );
    if (tail.length === READY_AND_IDLE.length && tail.every((byte, i) => byte === READY_AND_IDLE[i])) {
      this.leases.delete(handlerId);
      lease.release();
    }
    return bytes;
  }

  clearQueueForHandler(handlerId: number): void {
    this.database.gate.withdraw(holderName(handlerId), new Error('the client disconnected'));
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    const lease = this.leases.get(handlerId);
    if (!lease) return;
    this.leases.delete(handlerId);
    try {
      if (this.database.pglite.isInTransaction()) await this.database.pglite.exec('ROLLBACK');
    } finally {
      lease.release();
    }
  }
}

function holderName(handlerId: number): string {
  return `PostgreSQL client #${handlerId} (e.g. psql in a transaction)`;
}
