import type { RebuildProgress, RebuildReport, RebuiltChange } from '../../lambdas/recovery/rebuild.js';
import type { RedriveProgress, RedriveReport } from '../../lambdas/recovery/redrive.js';
import type { ReplayProgress, ReplayReport } from '../../lambdas/recovery/replay.js';
import type { CommandIo } from './commands.js';

/** Progress lines on standard error: one per step, and while a long read runs, one every few seconds. */
export class Progress {
  private lastRead = 0;

  constructor(
    private readonly io: CommandIo,
    private readonly everyMs = 3_000,
    private readonly now: () => number = Date.now,
  ) {}

  redrive(event: RedriveProgress): void {
    if (event.kind === 'failure') {
      const f = event.failure;
      const range = f.records ? `${f.records.count} record(s) from ${f.records.first}` : 'a window close';
      this.io.err(`  [${event.index}] ${event.location}: ${f.processor} processor, ${f.shardId}, ${range} (${f.condition})`);
    } else if (event.kind === 'read') this.reading(`read ${event.records} record(s)`);
    else this.io.err(`  [${event.index}] ${event.outcome === 'redriven' ? 'redriven' : 'kept'}: ${event.detail}`);
  }

  replay(event: ReplayProgress): void {
    if (event.kind === 'shard') this.io.err(`  shard ${event.index}/${event.shards} ${event.shardId}`);
    else if (event.kind === 'read') this.reading(`${event.shardId}: read ${event.records} record(s)`);
    else
      this.io.err(
        `  ${event.shardId} -> ${event.target}: ${event.delivery.records} record(s), ${event.delivery.readings} reading(s), ${event.delivery.windowsWritten} window(s) recomputed`,
      );
  }

  rebuild(event: RebuildProgress): void {
    this.io.err(
      `  ${event.instrumentsDone} instrument(s) done: ${event.windowsWritten} window(s) written, ${event.changesAdded} change(s) added, ${event.changesWithdrawn} withdrawn`,
    );
  }

  private reading(line: string): void {
    if (this.now() - this.lastRead < this.everyMs) return;
    this.lastRead = this.now();
    this.io.err(`    ${line}`);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export function describeRedrive(report: RedriveReport, where: string): string {
  const lines = [`Redrive of ${report.source} (${where}):`];
  lines.push(
    `  ${report.redriven.length} failed batch(es) redriven (${report.recordsDelivered} record(s) processed again), ${report.notRedriven.length} kept, ${report.alreadyRedriven} redriven before`,
  );
  for (const batch of report.redriven) {
    const d = batch.delivery;
    lines.push(
      `  redriven ${batch.id}: ${batch.processor}, ${batch.shardId} ${batch.range}: ${d.readings} reading(s), ${d.rejected} rejected, ${d.windowsWritten} window(s) recomputed, ${d.statusChanges} status change(s)`,
    );
  }
  for (const batch of report.notRedriven) {
    const what =
      batch.id === null ? batch.location : `${batch.id} (${batch.location}): ${batch.processor}, ${batch.shardId} ${batch.range}`;
    lines.push(
      `  NOT REDRIVEN ${what}: ${batch.reason}${batch.recordsMissing > 0 ? ` [${batch.recordsMissing} record(s) lost]` : ''}${
        batch.recordsDelivered > 0 ? ` [${batch.recordsDelivered} record(s) processed again]` : ''
      }`,
    );
  }
  if (report.recordsMissing > 0)
    lines.push(`  ${report.recordsMissing} record(s) are no longer in the stream and could not be processed; their batches are kept.`);
  if (report.redriven.length === 0 && report.notRedriven.length === 0) lines.push('  Nothing to redrive.');
  return lines.join('\n');
}

export function describeReplay(report: ReplayReport, where: string, notes: readonly string[]): string {
  const lines = [`Replay of ${iso(report.from)} .. ${iso(report.to)} (${where}): ${report.records} record(s) read`];
  for (const shard of report.shards) lines.push(`  ${shard.shardId}: ${shard.records} record(s)${shard.gap ? ` (${shard.gap})` : ''}`);
  for (const { target, delivery } of report.targets) {
    lines.push(
      `  into the ${target} store: ${delivery.readings} reading(s), ${delivery.rejected} rejected, ${delivery.windowsWritten} window(s) recomputed, ${delivery.statusChanges} status change(s), ${delivery.lambdaWindows} Lambda window(s)`,
    );
  }
  for (const note of notes) lines.push(`  ${note}`);
  const gap = report.pastRetention;
  if (gap) {
    lines.push(
      `  PAST RETENTION: ${iso(gap.from)} .. ${iso(gap.to)} is older than the stream's retention (${gap.retentionHours} h) and cannot be replayed` +
        (gap.storedReadings === null ? '.' : `; the batch store holds ${gap.storedReadings} reading(s) that arrived then.`),
    );
  }
  return lines.join('\n');
}

export function describeRebuild(report: RebuildReport, where: string): string {
  const lines = [
    `${report.dryRun ? 'Dry run of a rebuild (nothing kept)' : `Rebuild ${report.runId}`} of ${iso(report.from)} .. ${iso(report.to)} at ${report.windowSeconds} s windows (${where}):`,
    `  ${report.instruments} instrument(s) with readings in the range; ${report.windowsWritten} window(s) ${report.dryRun ? 'would change' : 'changed'}`,
  ];
  for (const w of report.windowSample) {
    const before = w.before ? `${w.before.count} reading(s), mean ${w.before.mean}` : 'not stored';
    lines.push(`    ${w.instrumentId} ${iso(w.windowStart)}: ${before} -> ${w.after.count} reading(s), mean ${w.after.mean}`);
  }
  if (report.windowsWritten > report.windowSample.length)
    lines.push(`    ... and ${report.windowsWritten - report.windowSample.length} more`);
  lines.push(
    `  ${report.instrumentsRejudged} instrument(s) judged again (${report.windowsJudged} window(s)); ${report.instrumentsNotJudgedYet} not judged yet, left to the processor`,
  );
  const list = (title: string, changes: readonly RebuiltChange[]) => {
    lines.push(`  ${changes.length} status change(s) ${title}`);
    for (const c of changes)
      lines.push(`    ${c.instrumentId} (${c.instrumentType}) ${iso(c.windowStart)} ${c.from} -> ${c.to}, window mean ${c.mean}`);
  };
  list(report.dryRun ? 'would be added (none notified)' : 'added or restored (none notified)', report.changesAdded);
  list(report.dryRun ? 'would be withdrawn' : 'withdrawn', report.changesWithdrawn);
  if (report.changesLeftToNotify.length > 0)
    list('found for windows not judged before, left to be notified as usual', report.changesLeftToNotify);
  if (report.spikesAdded > 0) lines.push(`  ${report.spikesAdded} unconfirmed spike(s) added`);
  if (!report.dryRun) lines.push(`  ${report.alarmStepsApplied} alarm step(s) recorded under ${report.runId}, notifying no one`);
  return lines.join('\n');
}
