import type { Rejection } from '../lambdas/domain/rejection.js';
import type { AuroraBatchStore } from '../lambdas/batch/aurora-store.js';
import type { QuarantineSink } from '../lambdas/shared/quarantine.js';

/**
 * Keeps the poller's rejections in the local database's quarantine table, beside the
 * processor's poison records, so one query shows everything that was turned away.
 */
export class DatabaseQuarantineSink implements QuarantineSink {
  private sequence = 0;
  constructor(
    private readonly store: Pick<AuroraBatchStore, 'writeBatch'>,
    private readonly runId: string = new Date().toISOString(),
  ) {}

  async put(rejections: readonly Rejection[]): Promise<void> {
    const entries = rejections.map((rejection) => ({ id: `poll/${this.runId}/${(this.sequence += 1)}`, rejection }));
    await this.store.writeBatch([], entries);
  }
}
