import { randomBytes } from 'node:crypto';
import type { DataApiBackend, EngineSession } from './backend.js';
import { transactionNotFound } from './errors.js';

export interface TransactionOptions {
  /** A transaction with no call for this long is rolled back and forgotten. */
  readonly idleTimeoutMs: number;
  /** How long BeginTransaction waits for the engine. */
  readonly acquireTimeoutMs: number;
}

interface OpenTransaction {
  readonly session: EngineSession;
  /** The transaction's calls, one after another. */
  tail: Promise<unknown>;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * The Data API's transactions: each holds an engine session from BeginTransaction
 * to CommitTransaction or RollbackTransaction. As on the service, a transaction ends
 * — and its id is no longer found — when it is committed or rolled back, when a
 * statement in it fails, or when no call uses it for the idle timeout.
 */
export class TransactionRegistry {
  private readonly open = new Map<string, OpenTransaction>();

  constructor(
    private readonly backend: DataApiBackend,
    private readonly options: TransactionOptions,
  ) {}

  get size(): number {
    return this.open.size;
  }

  async begin(): Promise<string> {
    const id = randomBytes(48).toString('base64');
    const session = await this.backend.acquire(this.options.acquireTimeoutMs, `Data API transaction ${id.slice(0, 12)}…`);
    try {
      await session.query('BEGIN');
    } catch (error) {
      session.release(true);
      throw error;
    }
    const transaction: OpenTransaction = { session, tail: Promise.resolve(), idleTimer: undefined };
    this.open.set(id, transaction);
    this.armIdleTimer(id, transaction);
    return id;
  }

  /**
   * Runs `work` in the transaction, after its earlier calls. If `work` fails the
   * transaction is rolled back and ended, and the failure passed on.
   */
  run<T>(id: string, work: (session: EngineSession) => Promise<T>): Promise<T> {
    const transaction = this.open.get(id);
    if (!transaction) return Promise.reject(transactionNotFound(id));
    const result = transaction.tail.then(async () => {
      if (this.open.get(id) !== transaction) throw transactionNotFound(id);
      clearTimeout(transaction.idleTimer);
      try {
        return await work(transaction.session);
      } catch (error) {
        await this.end(id, transaction, 'ROLLBACK');
        throw error;
      } finally {
        if (this.open.get(id) === transaction) this.armIdleTimer(id, transaction);
      }
    });
    transaction.tail = result.catch(() => undefined);
    return result;
  }

  async commit(id: string): Promise<void> {
    const transaction = this.open.get(id);
    if (!transaction) throw transactionNotFound(id);
    await this.run(id, async (session) => {
      await session.query('COMMIT');
      await this.end(id, transaction);
    });
  }

  async rollback(id: string): Promise<void> {
    const transaction = this.open.get(id);
    if (!transaction) throw transactionNotFound(id);
    await this.run(id, async () => {
      await this.end(id, transaction, 'ROLLBACK');
    });
  }

  /** Rolls back every open transaction, e.g. on shutdown. */
  async rollbackAll(): Promise<void> {
    await Promise.all([...this.open.entries()].map(([id, transaction]) => this.end(id, transaction, 'ROLLBACK')));
  }

  /** Forgets the transaction and releases its session, first running `finalStatement` if given. */
  private async end(id: string, transaction: OpenTransaction, finalStatement?: 'ROLLBACK'): Promise<void> {
    if (this.open.get(id) !== transaction) return;
    this.open.delete(id);
    clearTimeout(transaction.idleTimer);
    let broken = false;
    if (finalStatement) {
      try {
        await transaction.session.query(finalStatement);
      } catch {
        broken = true;
      }
    }
    transaction.session.release(broken);
  }

  private armIdleTimer(id: string, transaction: OpenTransaction): void {
    clearTimeout(transaction.idleTimer);
    transaction.idleTimer = setTimeout(() => {
      transaction.tail = transaction.tail.then(() => this.end(id, transaction, 'ROLLBACK'));
    }, this.options.idleTimeoutMs);
    transaction.idleTimer.unref();
  }
}
