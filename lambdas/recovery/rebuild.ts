import { randomUUID } from 'node:crypto';
import { AlarmStore, alarmStepsApplied } from '../alarms/alarm-store.js';
import { rejudgeInstruments, NO_EVALUATION, type EvaluationSummary } from '../batch/status-evaluation.js';
import type { SqlDatabase, SqlSession } from '../db/sql-client.js';
import type { RuleProblem } from '../domain/trigger-rules.js';
import type { TriggerStatus } from '../domain/trigger-levels.js';
import {
  FINISH_RUN,
  INSERT_RUN,
  MARK_FOR_REJUDGEMENT,
  MARK_REBUILT,
  MARK_WITHDRAWN_BY,
  SELECT_SHARDS_OF_RUN,
  REBUILD_WINDOWS,
  SELECT_CHANGES_IN_FORCE,
  SELECT_CURRENT_WINDOW_SECONDS,
  SELECT_INSTRUMENTS_WITH_READINGS,
  SELECT_JUDGED_UP_TO,
  SELECT_READINGS_SPAN,
} from './rebuild-sql.js';

/**
 * Rebuild: the batch store's derived data made again from its source of truth, the stored
 * readings, after a change of window length or of trigger rules (or to check it).
 *
 * For every instrument with readings in the range, a page of instruments at a time, each
 * page in one transaction:
 * 1. **Windows.** Every window of the range is recomputed from the readings at the window
 *    length given (the range is widened to whole windows); those whose aggregate differs from
 *    the stored one, or that are not stored at that length, are written.
 * 2. **Statuses.** Each instrument judged before is judged again from the range's start to
 *    its latest judged window (so the status sequence after the range stays consistent with
 *    it): the status machine restarts from the latest checkpoint before the start, with the
 *    rule in force now, and the changes this finds replace those recorded since (added,
 *    restored or withdrawn), as a late re-evaluation does; the late horizon does not apply.
 * 3. **Alarms, without notification.** Every change the rebuild adds or restores for a
 *    window that had been judged gets `rebuilt_by`, naming the run in `rebuild_runs`; a
 *    change it withdraws gets `withdrawn_by`. Once every page is done, the alarm store
 *    applies them to the instruments' alarms as it applies the processors' changes, but as
 *    rebuilt steps: recorded in each alarm's history and audit under the run, notifying no
 *    one and leaving the escalation clocks as they were. A change found for a window not
 *    judged before (data that was waiting for the processor's next close) is left to the
 *    outbox, as the processor would have found it, and notified as usual.
 *
 * A dry run does all of it and rolls each page back: it reports what a rebuild would change.
 */

export interface RebuildRequest {
  /** Event-time range, epoch ms: from inclusive, to exclusive (widened to whole windows). */
  readonly from: number;
  readonly to: number;
  /** Window length to build, seconds: the batch processor's (see {@link currentWindowSeconds}). */
  readonly windowSeconds: number;
  /** Who runs it, for the audit (the caller's identity). */
  readonly runBy: string;
  readonly dryRun?: boolean;
  /** Instruments per page (and per transaction). Default 20. */
  readonly pageSize?: number;
}

/** A status change the rebuild added, restored or withdrew. */
export interface RebuiltChange {
  readonly instrumentId: string;
  readonly instrumentType: string;
  readonly windowStart: number;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  readonly mean: number;
}

/** A window whose aggregate the rebuild changed (the report shows a few). */
export interface RebuiltWindow {
  readonly instrumentId: string;
  readonly windowStart: number;
  /** Null when the window was not stored at this length. */
  readonly before: { readonly count: number; readonly mean: number } | null;
  readonly after: { readonly count: number; readonly mean: number };
}

export interface RebuildReport {
  /** Null for a dry run (nothing was kept). */
  readonly runId: string | null;
  readonly dryRun: boolean;
  /** The range as rebuilt: whole windows. */
  readonly from: number;
  readonly to: number;
  readonly windowSeconds: number;
  /** Instruments with readings in the range. */
  readonly instruments: number;
  readonly windowsWritten: number;
  /** The first windows written, for the report. */
  readonly windowSample: readonly RebuiltWindow[];
  /** Instruments judged again; those never judged yet are left to the processor. */
  readonly instrumentsRejudged: number;
  readonly instrumentsNotJudgedYet: number;
  readonly windowsJudged: number;
  /** Added or restored, handed over without notification. */
  readonly changesAdded: readonly RebuiltChange[];
  readonly changesWithdrawn: readonly RebuiltChange[];
  /** Found for windows not judged before: left in the outbox, notified as the processor would. */
  readonly changesLeftToNotify: readonly RebuiltChange[];
  readonly spikesAdded: number;
  /** Alarm steps the added and withdrawn changes made (opened, escalated, cleared, withdrawn...), none notified. */
  readonly alarmStepsApplied: number;
}

export interface RebuildProgress {
  readonly instrumentsDone: number;
  readonly windowsWritten: number;
  readonly changesAdded: number;
  readonly changesWithdrawn: number;
}

export interface RebuildDependencies {
  readonly db: SqlDatabase;
  /** Applies the run's changes to alarms. Default: the alarm store on `db`. */
  readonly alarms?: Pick<AlarmStore, 'applyPendingChanges'>;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Told about a stored rule that fails its checks (the type's default is used instead). */
  readonly onInvalidRule?: (instrumentId: string, problems: RuleProblem[]) => void;
  readonly newRunId?: () => string;
}

const WINDOW_SAMPLE = 20;
/** Event time per windows statement: a day of readings of a page of instruments. */
const SLICE_MS = 86_400_000;

/** The window length of the latest judged window (the batch processor's), or undefined on an empty store. */
export async function currentWindowSeconds(db: SqlDatabase): Promise<number | undefined> {
  const [row] = await db.query<{ window_seconds: number }>(SELECT_CURRENT_WINDOW_SECONDS);
  return row === undefined ? undefined : Number(row.window_seconds);
}

/** Rebuilds the range (see the module). */
export async function rebuild(request: RebuildRequest, deps: RebuildDependencies): Promise<RebuildReport> {
  const windowMs = request.windowSeconds * 1000;
  if (!(request.to > request.from)) throw new RangeError('the rebuild range is empty: --to must be after --from');
  const from = Math.floor(request.from / windowMs) * windowMs;
  const to = Math.ceil(request.to / windowMs) * windowMs;
  const runId = (deps.newRunId ?? (() => `rebuild-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`))();
  const run = { run_id: runId, run_by: request.runBy, from: iso(from), to: iso(to), window_seconds: request.windowSeconds };
  if (!request.dryRun) await deps.db.execute(INSERT_RUN, run);

  let report: Omit<RebuildReport, 'runId' | 'dryRun' | 'from' | 'to' | 'windowSeconds'> = {
    instruments: 0,
    windowsWritten: 0,
    windowSample: [],
    instrumentsRejudged: 0,
    instrumentsNotJudgedYet: 0,
    windowsJudged: 0,
    changesAdded: [],
    changesWithdrawn: [],
    changesLeftToNotify: [],
    spikesAdded: 0,
    alarmStepsApplied: 0,
  };
  let after = '';
  for (;;) {
    const page = (
      await deps.db.query<{ instrument_id: string }>(SELECT_INSTRUMENTS_WITH_READINGS, {
        after,
        from: iso(from),
        to: iso(to),
        limit: request.pageSize ?? 20,
      })
    ).map((row) => row.instrument_id);
    if (page.length === 0) break;
    const outcome = await runPage(deps, page, {
      from,
      to,
      windowSeconds: request.windowSeconds,
      runId,
      dryRun: request.dryRun ?? false,
      run,
    });
    report = {
      instruments: report.instruments + page.length,
      windowsWritten: report.windowsWritten + outcome.windowsWritten,
      windowSample: [...report.windowSample, ...outcome.windowSample].slice(0, WINDOW_SAMPLE),
      instrumentsRejudged: report.instrumentsRejudged + outcome.rejudged,
      instrumentsNotJudgedYet: report.instrumentsNotJudgedYet + page.length - outcome.rejudged,
      windowsJudged: report.windowsJudged + outcome.evaluation.windowsJudged,
      changesAdded: [...report.changesAdded, ...outcome.added],
      changesWithdrawn: [...report.changesWithdrawn, ...outcome.withdrawn],
      changesLeftToNotify: [...report.changesLeftToNotify, ...outcome.left],
      spikesAdded: report.spikesAdded + outcome.evaluation.spikesAdded,
      alarmStepsApplied: 0,
    };
    deps.onProgress?.({
      instrumentsDone: report.instruments,
      windowsWritten: report.windowsWritten,
      changesAdded: report.changesAdded.length,
      changesWithdrawn: report.changesWithdrawn.length,
    });
    after = page.at(-1)!;
  }
  const finished: RebuildReport = {
    runId: request.dryRun ? null : runId,
    dryRun: request.dryRun ?? false,
    from,
    to,
    windowSeconds: request.windowSeconds,
    ...report,
    alarmStepsApplied: request.dryRun ? 0 : await applyToAlarms(deps, runId),
  };
  if (!request.dryRun) {
    await deps.db.execute(FINISH_RUN, {
      run_id: runId,
      outcome: {
        json: {
          instruments: finished.instruments,
          windowsWritten: finished.windowsWritten,
          instrumentsRejudged: finished.instrumentsRejudged,
          windowsJudged: finished.windowsJudged,
          changesAdded: finished.changesAdded.length,
          changesWithdrawn: finished.changesWithdrawn.length,
          changesLeftToNotify: finished.changesLeftToNotify.length,
          spikesAdded: finished.spikesAdded,
          alarmStepsApplied: finished.alarmStepsApplied,
        },
      },
    });
  }
  return finished;
}

/** Applies the run's changes to the alarms, shard by shard (the alarm store marks each one applied). */
async function applyToAlarms(deps: RebuildDependencies, runId: string): Promise<number> {
  const alarms = deps.alarms ?? new AlarmStore(deps.db);
  let steps = 0;
  for (const { source_shard } of await deps.db.query<{ source_shard: string }>(SELECT_SHARDS_OF_RUN, { run_id: runId }))
    steps += alarmStepsApplied(await alarms.applyPendingChanges(source_shard));
  return steps;
}

interface PageOutcome {
  readonly windowsWritten: number;
  readonly windowSample: RebuiltWindow[];
  readonly rejudged: number;
  readonly evaluation: EvaluationSummary;
  readonly added: RebuiltChange[];
  readonly withdrawn: RebuiltChange[];
  readonly left: RebuiltChange[];
}

/** Thrown to roll a dry run's page back, carrying what it found. */
class DryRunRollback extends Error {
  constructor(readonly outcome: PageOutcome) {
    super('dry run: rolled back');
  }
}

async function runPage(
  deps: RebuildDependencies,
  instrumentIds: readonly string[],
  range: {
    readonly from: number;
    readonly to: number;
    readonly windowSeconds: number;
    readonly runId: string;
    readonly dryRun: boolean;
    readonly run: Record<string, string | number>;
  },
): Promise<PageOutcome> {
  try {
    return await deps.db.transaction(async (session) => {
      // A dry run keeps nothing, so its run row lives only in the page's transaction.
      if (range.dryRun) await session.execute(INSERT_RUN, range.run);
      const outcome = await rebuildPage(session, deps, instrumentIds, range);
      if (range.dryRun) throw new DryRunRollback(outcome);
      return outcome;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.outcome;
    throw error;
  }
}

async function rebuildPage(
  session: SqlSession,
  deps: RebuildDependencies,
  instrumentIds: readonly string[],
  range: { readonly from: number; readonly to: number; readonly windowSeconds: number; readonly runId: string },
): Promise<PageOutcome> {
  const ids = instrumentIds.map((instrument_id) => ({ instrument_id }));
  let windowsWritten = 0;
  const windowSample: RebuiltWindow[] = [];
  // Only the event times the page's readings cover, in whole windows: a wide range costs nothing where there is no data.
  const [span] = await session.query<{ first_ms: number | string | null; last_ms: number | string | null }>(SELECT_READINGS_SPAN, {
    instruments: { json: ids },
    from: iso(range.from),
    to: iso(range.to),
  });
  const windowMs = range.windowSeconds * 1000;
  const first =
    span?.first_ms === null || span?.first_ms === undefined ? range.to : Math.floor(Number(span.first_ms) / windowMs) * windowMs;
  const last =
    span?.last_ms === null || span?.last_ms === undefined ? range.from : Math.floor(Number(span.last_ms) / windowMs) * windowMs + windowMs;
  for (let start = Math.max(range.from, first); start < Math.min(range.to, last); start += SLICE_MS) {
    const [row] = await session.query<{ written: number; sample: string }>(REBUILD_WINDOWS, {
      instruments: { json: ids },
      from: iso(start),
      to: iso(Math.min(range.to, last, start + SLICE_MS)),
      window_seconds: range.windowSeconds,
      sample: WINDOW_SAMPLE,
    });
    windowsWritten += Number(row?.written ?? 0);
    for (const w of JSON.parse(row?.sample ?? '[]') as SampleRow[]) {
      if (windowSample.length >= WINDOW_SAMPLE) break;
      windowSample.push({
        instrumentId: w.instrument_id,
        windowStart: Number(w.window_start_ms),
        before: w.old_count === null || w.old_mean === null ? null : { count: w.old_count, mean: w.old_mean },
        after: { count: w.new_count, mean: w.new_mean },
      });
    }
  }

  const judged = await session.query<{ instrument_id: string; judged_up_to_ms: number | string }>(SELECT_JUDGED_UP_TO, {
    rows: { json: ids },
  });
  if (judged.length === 0)
    return { windowsWritten, windowSample, rejudged: 0, evaluation: NO_EVALUATION, added: [], withdrawn: [], left: [] };
  const judgedUpTo = new Map(judged.map((row) => [row.instrument_id, Number(row.judged_up_to_ms)]));
  const judgedIds = [...judgedUpTo.keys()].map((instrument_id) => ({ instrument_id }));

  const before = await changesInForce(session, judgedIds);
  await session.execute(MARK_FOR_REJUDGEMENT, {
    rows: { json: judged.map((row) => ({ instrument_id: row.instrument_id, judged_up_to: iso(Number(row.judged_up_to_ms)) })) },
    window_seconds: range.windowSeconds,
    from: iso(range.from),
  });
  // Up to the latest judged window of any of them: never short of one's, so no change recorded after it is lost.
  const watermark = Math.max(...judgedUpTo.values()) + range.windowSeconds * 1000;
  const evaluation = await rejudgeInstruments(session, [...judgedUpTo.keys()], range.from, watermark, {
    windowSeconds: range.windowSeconds,
    lateHorizonMs: Number.POSITIVE_INFINITY,
    onInvalidRule: deps.onInvalidRule,
  });
  const afterwards = await changesInForce(session, judgedIds);

  const addedOrRestored = [...afterwards.values()].filter((change) => !before.has(keyOf(change))).sort(inEventTime);
  const withdrawn = [...before.values()].filter((change) => !afterwards.has(keyOf(change))).sort(inEventTime);
  const rebuilt = addedOrRestored.filter((change) => change.windowStart <= judgedUpTo.get(change.instrumentId)!);
  const left = addedOrRestored.filter((change) => change.windowStart > judgedUpTo.get(change.instrumentId)!);
  if (rebuilt.length > 0) await session.execute(MARK_REBUILT, { rows: { json: rebuilt.map(keyRow) }, run_id: range.runId });
  if (withdrawn.length > 0) await session.execute(MARK_WITHDRAWN_BY, { rows: { json: withdrawn.map(keyRow) }, run_id: range.runId });
  return { windowsWritten, windowSample, rejudged: judged.length, evaluation, added: rebuilt, withdrawn, left };
}

interface SampleRow {
  instrument_id: string;
  window_start_ms: number | string;
  old_count: number | null;
  old_mean: number | null;
  new_count: number;
  new_mean: number;
}

async function changesInForce(session: SqlSession, ids: ReadonlyArray<{ instrument_id: string }>): Promise<Map<string, RebuiltChange>> {
  const rows = await session.query<{
    instrument_id: string;
    window_start_ms: number | string;
    from_status: TriggerStatus;
    to_status: TriggerStatus;
    instrument_type: string;
    window_mean: number;
  }>(SELECT_CHANGES_IN_FORCE, { rows: { json: ids } });
  const changes = rows.map((row): RebuiltChange => ({
    instrumentId: row.instrument_id,
    instrumentType: row.instrument_type,
    windowStart: Number(row.window_start_ms),
    from: row.from_status,
    to: row.to_status,
    mean: row.window_mean,
  }));
  return new Map(changes.map((change) => [keyOf(change), change]));
}

const inEventTime = (a: RebuiltChange, b: RebuiltChange) =>
  a.instrumentId.localeCompare(b.instrumentId) || a.windowStart - b.windowStart || a.from.localeCompare(b.from);

const keyOf = (change: RebuiltChange) => `${change.instrumentId}@${change.windowStart}:${change.from}-${change.to}`;

function keyRow(change: RebuiltChange) {
  return { instrument_id: change.instrumentId, window_start: iso(change.windowStart), from_status: change.from, to_status: change.to };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
