import type { Rejection } from '../lambdas/domain/rejection.js';
import type { AuroraBatchStore } from '../lambdas/batch/aurora-store.js';
import { quarantineEntryOf } from '../lambdas/batch/quarantine-recorder.js';
import type { QuarantineSink } from '../lambdas/shared/quarantine.js';

/**
 * Keeps the poller's rejections in the local database's quarantine table, beside the
 * processor's poison records, so one query shows everything that was turned away. Each
 * row has the id the quarantine recorder gives the rejection in AWS (a hash of what it
 * says), so a rejection made again (a page read again after a restart, a bad item served
 * poll after poll) is kept once, as it is there.
 */
export class DatabaseQuarantineSink implements QuarantineSink {
  constructor(
    private readonly store: Pick<AuroraBatchStore, 'writeBatch'>,
    private readonly now: () => number = Date.now,
  ) {}

  async put(rejections: readonly Rejection[]): Promise<void> {
    const now = this.now();
    const entries = new Map(rejections.map((rejection) => quarantineEntryOf(rejection, now)).map((entry) => [entry.id, entry]));
    await this.store.writeBatch([], [...entries.values()]);
  }
}
