import { isBaseline, type Baseline } from '../domain/baselines.js';
import type { InstrumentType } from '../domain/instrument-types.js';
import { beyondLateHorizon, reevaluate, type LateStatusChange } from '../domain/reevaluation.js';
import type { BandKey, StatusChange, StatusMachineState, UnconfirmedSpike, WindowFacts } from '../domain/status-machine.js';
import type { TriggerLevels, TriggerStatus } from '../domain/trigger-levels.js';
import type { TriggerRule } from '../domain/trigger-rules.js';
import type { SqlSession } from '../db/sql-client.js';
import type { RuleProblem } from '../domain/trigger-rules.js';
import { ruleInForce } from '../shared/trigger-rule-schema.js';
import {
  DELETE_CHECKPOINTS_AFTER,
  INSERT_CHANGES,
  INSERT_CHECKPOINTS,
  INSERT_SPIKES,
  MARK_BEYOND_HORIZON,
  SELECT_CHECKPOINTS,
  SELECT_INSTRUMENTS_TO_REJUDGE,
  SELECT_MANUAL_BASELINES,
  SELECT_PENDING_INSTRUMENTS,
  SELECT_RECORDED_CHANGES,
  SELECT_RECORDED_SPIKES,
  SELECT_WINDOWS_AFTER,
  UPSERT_INITIAL_BASELINES,
  UPSERT_MACHINE_STATUS,
  WITHDRAW_CHANGES,
  WITHDRAW_SPIKES,
  WRITE_JUDGEMENTS,
} from './status-sql.js';

/**
 * Trigger evaluation in the batch store, in event time. For each instrument with windows
 * complete by the watermark and not yet evaluated, it restarts the domain's status machine
 * from the latest stored state before the earliest of them (the state at the latest judged
 * window, or an hourly checkpoint when the windows are late), judges every window from
 * there, and stores the judgements, the new state and checkpoints, and the changes and
 * spikes added or withdrawn. Instruments are evaluated a page at a time, each page in a
 * bounded number of statements, so the cost does not grow with round trips per instrument.
 */

export interface EvaluationSummary {
  readonly windowsJudged: number;
  readonly changesAdded: number;
  readonly lateChanges: number;
  readonly changesWithdrawn: number;
  readonly spikesAdded: number;
  readonly windowsBeyondHorizon: number;
}

export const NO_EVALUATION: EvaluationSummary = {
  windowsJudged: 0,
  changesAdded: 0,
  lateChanges: 0,
  changesWithdrawn: 0,
  spikesAdded: 0,
  windowsBeyondHorizon: 0,
};

export interface StatusEvaluationOptions {
  readonly windowSeconds: number;
  /** How far before an instrument's latest judged window arriving windows are still judged. */
  readonly lateHorizonMs: number;
  /** Told about a stored rule that fails its checks (the type's default is used instead). */
  readonly onInvalidRule?: (instrumentId: string, problems: RuleProblem[]) => void;
}

/** Instruments per page: their states stay well under the Data API's 1 MiB response cap. */
const INSTRUMENTS_PER_PAGE = 100;
const WINDOWS_PER_PAGE = 2_000;
const ROWS_PER_STATEMENT = 400;

interface PendingInstrumentRow {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  surface_level: number | null;
  trigger_rule: string | null;
  latitude: number | null;
  longitude: number | null;
  northing: number | null;
  easting: number | null;
  earliest_ms: number | string;
  machine_state: string | null;
  judged_up_to_ms: number | string | null;
}

interface WindowRow {
  instrument_id: string;
  window_start_ms: number | string;
  window_end_ms: number | string;
  reading_count: number;
  sum_micro: number | string;
  mean: number;
  min_value: number;
  max_value: number;
}

/** One instrument being evaluated on this page. */
interface Evaluand {
  readonly row: PendingInstrumentRow;
  readonly rule: TriggerRule;
  readonly judgedUpTo: number | null;
  /** The state the machine restarts from, or null to judge from the instrument's first window. */
  from: StatusMachineState | null;
  readonly windows: WindowFacts[];
  readonly baselines: Baseline[];
  readonly changes: StatusChange[];
  readonly spikes: UnconfirmedSpike[];
}

export async function evaluatePendingWindows(
  session: SqlSession,
  shardId: string,
  watermark: number,
  /** The latest arrival time of the data being judged: what lateness is measured to (null: unknown). */
  now: number | null,
  options: StatusEvaluationOptions,
): Promise<EvaluationSummary> {
  let summary = NO_EVALUATION;
  for (;;) {
    const page = await session.query<PendingInstrumentRow>(SELECT_PENDING_INSTRUMENTS, {
      shard: shardId,
      window_seconds: options.windowSeconds,
      watermark: iso(watermark),
      limit: INSTRUMENTS_PER_PAGE,
    });
    if (page.length === 0) break;
    summary = addSummaries(summary, await evaluatePage(session, page, watermark, now, options));
    if (page.length < INSTRUMENTS_PER_PAGE) break;
  }
  return summary;
}

/**
 * Judges `instrumentIds` again from `from` (epoch ms) up to `watermark`: the machine restarts
 * from the latest state before `from` (a checkpoint, or the start), every window after it is
 * judged again, and the changes and spikes that gives replace those recorded after the
 * restart point (added, withdrawn), as a late re-evaluation does. For a rebuild, after the
 * windows themselves were recomputed; the watermark must not be before any instrument's
 * latest judged window, or the changes recorded after it would be withdrawn. Pass
 * `lateHorizonMs: Infinity` to judge from `from` however far back it is.
 */
export async function rejudgeInstruments(
  session: SqlSession,
  instrumentIds: readonly string[],
  from: number,
  watermark: number,
  options: StatusEvaluationOptions,
): Promise<EvaluationSummary> {
  if (instrumentIds.length === 0) return NO_EVALUATION;
  const rows = await session.query<PendingInstrumentRow>(SELECT_INSTRUMENTS_TO_REJUDGE, {
    rows: { json: instrumentIds.map((instrument_id) => ({ instrument_id })) },
    earliest: iso(from),
  });
  return evaluatePage(session, rows, watermark, null, options);
}

async function evaluatePage(
  session: SqlSession,
  page: readonly PendingInstrumentRow[],
  watermark: number,
  /** The latest arrival time of the data being judged: what lateness is measured to (null: unknown). */
  now: number | null,
  options: StatusEvaluationOptions,
): Promise<EvaluationSummary> {
  const ws = options.windowSeconds;
  const evaluands = new Map<string, Evaluand>();
  const horizons: Array<{ instrument_id: string; horizon: string }> = [];
  const needCheckpoint: Array<{ instrument_id: string; before: string }> = [];
  for (const row of page) {
    const judgedUpTo = row.judged_up_to_ms === null ? null : Number(row.judged_up_to_ms);
    let earliest = Number(row.earliest_ms);
    if (judgedUpTo !== null && beyondLateHorizon(earliest, judgedUpTo, options.lateHorizonMs)) {
      const horizon = judgedUpTo - options.lateHorizonMs;
      horizons.push({ instrument_id: row.instrument_id, horizon: iso(horizon) });
      earliest = horizon;
    }
    const latest = row.machine_state === null ? null : (JSON.parse(row.machine_state) as StatusMachineState);
    const rule = ruleInForce(row.trigger_rule, row.instrument_type, row.surface_level, (problems) =>
      options.onInvalidRule?.(row.instrument_id, problems),
    );
    const from = latest !== null && latest.windowStart < earliest ? latest : null;
    if (latest !== null && from === null) needCheckpoint.push({ instrument_id: row.instrument_id, before: iso(earliest) });
    evaluands.set(row.instrument_id, { row, rule, judgedUpTo, from, windows: [], baselines: [], changes: [], spikes: [] });
  }

  let windowsBeyondHorizon = 0;
  if (horizons.length > 0)
    windowsBeyondHorizon = await session.execute(MARK_BEYOND_HORIZON, { rows: { json: horizons }, window_seconds: ws });
  if (needCheckpoint.length > 0) {
    const rows = await session.query<{ instrument_id: string; machine_state: string }>(SELECT_CHECKPOINTS, {
      rows: { json: needCheckpoint },
    });
    for (const row of rows) evaluands.get(row.instrument_id)!.from = JSON.parse(row.machine_state) as StatusMachineState;
  }

  const restartPoints = [...evaluands.values()].map((e) => ({
    instrument_id: e.row.instrument_id,
    after: e.from === null ? null : iso(e.from.windowStart),
    judged_up_to: e.judgedUpTo === null ? null : iso(e.judgedUpTo),
  }));
  await readWindows(session, restartPoints, watermark, ws, evaluands);
  const ids = restartPoints.map(({ instrument_id }) => ({ instrument_id }));
  for (const row of await session.query<{ instrument_id: string; baseline_id: string; value: number; effective_from_ms: number | string }>(
    SELECT_MANUAL_BASELINES,
    { rows: { json: ids } },
  ))
    evaluands
      .get(row.instrument_id)!
      .baselines.push({ id: row.baseline_id, value: row.value, effectiveFrom: Number(row.effective_from_ms) });
  for (const row of await session.query<{
    instrument_id: string;
    window_start_ms: number | string;
    from_status: TriggerStatus;
    to_status: TriggerStatus;
  }>(SELECT_RECORDED_CHANGES, { rows: { json: restartPoints } }))
    evaluands.get(row.instrument_id)!.changes.push(recordedChange(Number(row.window_start_ms), row.from_status, row.to_status));
  for (const row of await session.query<{
    instrument_id: string;
    since_ms: number | string;
    until_ms: number | string;
    peak_status: TriggerStatus;
    cause: BandKey;
  }>(SELECT_RECORDED_SPIKES, { rows: { json: restartPoints } }))
    evaluands
      .get(row.instrument_id)!
      .spikes.push({ since: Number(row.since_ms), until: Number(row.until_ms), peak: row.peak_status, cause: row.cause });

  const writes = new PageWrites();
  let summary: EvaluationSummary = { ...NO_EVALUATION, windowsBeyondHorizon };
  for (const e of evaluands.values()) {
    const id = e.row.instrument_id;
    const result = reevaluate({
      from: e.from,
      windows: e.windows,
      rule: e.rule,
      baselines: e.baselines,
      recorded: { changes: e.changes, spikes: e.spikes },
      judgedUpTo: e.judgedUpTo,
      now,
    });
    const after = e.from === null ? null : iso(e.from.windowStart);
    writes.restartPoints.push({ instrument_id: id, after });
    for (const j of result.judgements)
      writes.judgements.push({
        instrument_id: id,
        window_start: iso(j.windowStart),
        status: j.status,
        raw_status: j.rawStatus,
        change_value: j.change,
        rate_per_day: j.rate,
        baseline_id: j.baseline?.id ?? null,
      });
    for (const state of result.checkpoints)
      writes.checkpoints.push({ instrument_id: id, window_start: iso(state.windowStart), machine_state: state });
    const state = result.state;
    const last = result.judgements[result.judgements.length - 1];
    if (state && last)
      writes.statuses.push({
        instrument_id: id,
        status: state.status,
        status_since: iso(state.statusSince),
        last_window_start: iso(state.windowStart),
        last_mean: last.mean,
        machine_state: state,
      });
    if (state && isBaseline(state.initialBaseline))
      writes.initialBaselines.push({
        instrument_id: id,
        value: state.initialBaseline.value,
        effective_from: iso(state.initialBaseline.effectiveFrom),
        reason: `mean of the first ${e.rule.baselineReadings} or more readings`,
      });
    for (const change of result.withdrawnChanges) writes.withdrawnChanges.push({ instrument_id: id, ...changeKeyRow(change) });
    for (const change of result.addedChanges) writes.addedChanges.push(changeRow(id, change, e.rule));
    for (const spike of result.withdrawnSpikes) writes.withdrawnSpikes.push({ instrument_id: id, ...spikeRow(spike) });
    for (const spike of result.addedSpikes) writes.addedSpikes.push({ instrument_id: id, ...spikeRow(spike), cause: spike.cause });
    summary = addSummaries(summary, {
      windowsJudged: result.judgements.length,
      changesAdded: result.addedChanges.length,
      lateChanges: result.addedChanges.filter((c) => c.late).length,
      changesWithdrawn: result.withdrawnChanges.length,
      spikesAdded: result.addedSpikes.length,
      windowsBeyondHorizon: 0,
    });
  }
  await writes.flush(session, ws);
  return summary;
}

async function readWindows(
  session: SqlSession,
  restartPoints: ReadonlyArray<{ instrument_id: string; after: string | null; judged_up_to: string | null }>,
  watermark: number,
  windowSeconds: number,
  evaluands: Map<string, Evaluand>,
): Promise<void> {
  let afterInstrument = '';
  let afterStart = '-infinity';
  for (;;) {
    const rows = await session.query<WindowRow>(SELECT_WINDOWS_AFTER, {
      rows: { json: restartPoints },
      window_seconds: windowSeconds,
      watermark: iso(watermark),
      after_instrument: afterInstrument,
      after_start: afterStart,
      limit: WINDOWS_PER_PAGE,
    });
    for (const row of rows) {
      const sumMicro = Number(row.sum_micro);
      evaluands.get(row.instrument_id)!.windows.push({
        windowStart: Number(row.window_start_ms),
        windowEnd: Number(row.window_end_ms),
        count: Number(row.reading_count),
        sumMicro,
        mean: row.mean,
        min: row.min_value,
        max: row.max_value,
      });
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < WINDOWS_PER_PAGE) return;
    afterInstrument = last.instrument_id;
    afterStart = iso(Number(last.window_start_ms));
  }
}

/** The rows a page writes, flushed in a fixed order of statements. */
class PageWrites {
  readonly restartPoints: Array<{ instrument_id: string; after: string | null }> = [];
  readonly judgements: object[] = [];
  readonly checkpoints: object[] = [];
  readonly statuses: object[] = [];
  readonly initialBaselines: object[] = [];
  readonly withdrawnChanges: object[] = [];
  readonly addedChanges: object[] = [];
  readonly withdrawnSpikes: object[] = [];
  readonly addedSpikes: object[] = [];

  async flush(session: SqlSession, windowSeconds: number): Promise<void> {
    const run = async (sql: string, rows: readonly object[], extra: Record<string, number> = {}) => {
      for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) await session.execute(sql, { rows: { json: chunk }, ...extra });
    };
    await run(WRITE_JUDGEMENTS, this.judgements, { window_seconds: windowSeconds });
    await run(DELETE_CHECKPOINTS_AFTER, this.restartPoints);
    await run(INSERT_CHECKPOINTS, this.checkpoints);
    await run(UPSERT_MACHINE_STATUS, this.statuses);
    await run(UPSERT_INITIAL_BASELINES, this.initialBaselines);
    await run(WITHDRAW_CHANGES, this.withdrawnChanges);
    await run(INSERT_CHANGES, this.addedChanges);
    await run(WITHDRAW_SPIKES, this.withdrawnSpikes);
    await run(INSERT_SPIKES, this.addedSpikes);
  }
}

/** The part of a recorded change the comparison needs. */
function recordedChange(windowStart: number, from: TriggerStatus, to: TriggerStatus): StatusChange {
  return {
    windowStart,
    windowEnd: windowStart,
    from,
    to,
    mean: 0,
    change: null,
    rate: null,
    baseline: null,
    cause: null,
    confirmedBy: 'windows',
  };
}

function changeKeyRow(change: Pick<StatusChange, 'windowStart' | 'from' | 'to'>) {
  return { window_start: iso(change.windowStart), from_status: change.from, to_status: change.to };
}

function spikeRow(spike: UnconfirmedSpike) {
  return { since: iso(spike.since), until: iso(spike.until), peak_status: spike.peak };
}

/** The levels of the band behind a change, in its judged quantity. */
export function causeLevels(rule: TriggerRule, cause: BandKey | null): TriggerLevels | null {
  if (cause === null) return null;
  const [kind, direction] = cause.split(':') as ['level' | 'rate', 'rise' | 'fall'];
  const bands = kind === 'level' ? rule.bands : rule.rateBands;
  return bands.find((band) => band.direction === direction)?.levels ?? null;
}

function changeRow(instrumentId: string, change: LateStatusChange, rule: TriggerRule) {
  const levels = causeLevels(rule, change.cause);
  return {
    instrument_id: instrumentId,
    ...changeKeyRow(change),
    window_end: iso(change.windowEnd),
    window_mean: change.mean,
    trigger_alert: levels?.alert ?? null,
    trigger_alarm: levels?.alarm ?? null,
    trigger_action: levels?.action ?? null,
    cause: change.cause,
    confirmed_by: change.confirmedBy,
    change_value: change.change,
    rate_per_day: change.rate,
    baseline_id: change.baseline?.id ?? null,
    baseline_value: change.baseline?.value ?? null,
    late: change.late,
    delay_seconds: change.late ? change.delayMs / 1000 : null,
  };
}

function addSummaries(a: EvaluationSummary, b: EvaluationSummary): EvaluationSummary {
  return {
    windowsJudged: a.windowsJudged + b.windowsJudged,
    changesAdded: a.changesAdded + b.changesAdded,
    lateChanges: a.lateChanges + b.lateChanges,
    changesWithdrawn: a.changesWithdrawn + b.changesWithdrawn,
    spikesAdded: a.spikesAdded + b.spikesAdded,
    windowsBeyondHorizon: a.windowsBeyondHorizon + b.windowsBeyondHorizon,
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
