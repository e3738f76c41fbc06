import { EngineBusyError } from './backend.js';

/** Held access to the gate; `release` is idempotent. */
export interface GateLease {
  release(): void;
}

interface Waiter {
  readonly holder: string;
  readonly grant: (lease: GateLease) => void;
  readonly cancel: (reason: Error) => void;
}

/**
 * First-come, first-served exclusive access to a single-connection engine. Every
 * user of the connection — a Data API statement, a Data API transaction for its
 * whole life, a psql client between two idle points — takes the gate first, so no
 * one's statements land inside another's transaction.
 */
export class ExclusiveGate {
  private holder: string | undefined;
  private readonly waiters: Waiter[] = [];

  /** Who holds the gate, for messages; undefined when free. */
  get heldBy(): string | undefined {
    return this.holder;
  }

  /**
   * Waits for the gate. `holder` names the caller in the message others get when
   * they time out waiting for it. Without `timeoutMs`, waits as long as it takes.
   */
  acquire(holder: string, timeoutMs?: number): Promise<GateLease> {
    if (this.holder === undefined) return Promise.resolve(this.grantTo(holder));
    return new Promise<GateLease>((resolve, reject) => {
      const waiter: Waiter = {
        holder,
        grant: (lease) => {
          clearTimeout(timer);
          resolve(lease);
        },
        cancel: (reason) => {
          clearTimeout(timer);
          reject(reason);
        },
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const index = this.waiters.indexOf(waiter);
              if (index !== -1) this.waiters.splice(index, 1);
              reject(new EngineBusyError(`the embedded database stayed busy for ${timeoutMs} ms (held by ${this.holder ?? 'nobody'})`));
            }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Withdraws every pending request of one holder (a client that went away), rejecting them with `reason`. */
  withdraw(holder: string, reason: Error): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.holder !== holder) continue;
      this.waiters.splice(i, 1);
      waiter.cancel(reason);
    }
  }

  private grantTo(holder: string): GateLease {
    this.holder = holder;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.holder = undefined;
        const next = this.waiters.shift();
        if (next) next.grant(this.grantTo(next.holder));
      },
    };
  }
}
