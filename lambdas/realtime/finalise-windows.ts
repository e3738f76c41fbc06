import type { Client } from '@opensearch-project/opensearch';
import { beyondLateHorizon } from '../domain/reevaluation.js';
import { judgeWindows, type StatusMachineState, type WindowJudgement } from '../domain/status-machine.js';
import type { TriggerStatus } from '../domain/trigger-levels.js';
import type { WindowKey } from '../domain/window-accumulator.js';
import type { BulkItemFailure, BulkOperation, BulkWriter } from './bulk-writer.js';
import {
  checkpointDocumentId,
  instrumentOf,
  judgementFields,
  ruleOf,
  statusDocument,
  UNJUDGED,
  windowDocument,
  windowDocumentId,
  windowFactsOf,
  type CheckpointDocument,
  type JudgedWindowDocument,
  type StatusBasis,
  type StatusDocument,
  type WindowDocument,
} from './documents.js';
import { checkpointsIndex, readingsIndex, statusIndex, windowsIndex, windowsIndexPattern } from './index-names.js';
import {
  deleteCheckpointsAfter,
  judgedWindowsAfter,
  latestCheckpointBefore,
  recomputeWindows,
  refreshIndices,
  statusDocuments,
  type Versioned,
} from './queries.js';

export interface WindowFinaliserDeps {
  readonly client: Client;
  readonly writer: BulkWriter;
  readonly indexPrefix: string;
  readonly windowMs: number;
  /** How far before an instrument's latest judged window arriving windows are still judged. */
  readonly lateHorizonMs: number;
  readonly now: () => number;
}

type WrittenDocument = WindowDocument | CheckpointDocument | StatusDocument;

export interface FinaliseOutcome {
  /** Window documents of the touched windows written. */
  readonly windows: readonly WindowDocument[];
  /** Earlier window documents whose judgement changed when a late window was judged before them, rewritten. */
  readonly windowsRejudged: number;
  /** Touched windows older than the late horizon: written, not judged. */
  readonly windowsBeyondHorizon: number;
  /** Latest-status documents written. */
  readonly statuses: readonly StatusDocument[];
  /** Instruments whose confirmed status is not the one their status document held before. */
  readonly statusChanges: number;
  /** Documents OpenSearch refused. */
  readonly failures: readonly BulkItemFailure<WrittenDocument>[];
}

/** Rounds of re-reading and re-judging an instrument whose status document another writer changed in between. */
const MAX_STATUS_CONFLICT_ROUNDS = 3;

/**
 * Completes the touched windows at the end of a tumbling window: recomputes each one
 * exactly from the readings index (so readings that arrived in an earlier or later
 * Lambda window, or twice, count exactly once), judges them with the domain's status
 * machine (`judgeWindows`, the same as the batch store), and writes the window documents
 * with their judgement, the hourly checkpoints and each instrument's status document.
 *
 * Where the machine restarts, per instrument, for the earliest touched window E:
 * - after the latest judged window (E later than it): from the state in the status document;
 * - E is the latest judged window again (more of its readings arrived) or between it and
 *   the one before: from the state before it, also in the status document (`basis`);
 * - earlier (a late window): from the latest checkpoint before E, or from scratch when
 *   there is none; the instrument's judged windows after that point are read back from
 *   the windows indices and judged again, and those whose judgement changed are rewritten.
 * Touched windows older than the late horizon before the latest judged window are written
 * without a judgement and never judged (as in the batch store).
 */
export async function finaliseWindows(deps: WindowFinaliserDeps, keys: readonly WindowKey[]): Promise<FinaliseOutcome> {
  const empty: FinaliseOutcome = { windows: [], windowsRejudged: 0, windowsBeyondHorizon: 0, statuses: [], statusChanges: 0, failures: [] };
  if (keys.length === 0) return empty;
  const { client, indexPrefix, windowMs } = deps;
  await refreshIndices(client, [...new Set(keys.map((key) => readingsIndex(indexPrefix, key.windowStart)))]);
  const computedAt = deps.now();
  const touched = new Map<string, WindowDocument[]>();
  for (const window of await recomputeWindows(client, indexPrefix, windowMs, keys)) {
    const document = windowDocument({ ...window, windowMs }, computedAt);
    touched.set(document.instrument_id, [...(touched.get(document.instrument_id) ?? []), document]);
  }
  return judgeInstruments(deps, touched);
}

/** Where an instrument's machine restarts, and the previous status at that point. */
interface Restart {
  readonly state: StatusMachineState;
  readonly previousStatus: TriggerStatus | null;
}

/** What judging one instrument gives: the documents to write. */
interface InstrumentPlan {
  readonly instrumentId: string;
  readonly windows: WindowDocument[];
  readonly rejudged: number;
  readonly beyondHorizon: number;
  readonly checkpoints: CheckpointDocument[];
  /** Delete the instrument's checkpoints after this window start (null: all) before writing the new ones; undefined: none. */
  readonly deleteCheckpointsAfter: number | null | undefined;
  readonly status: BulkOperation<StatusDocument> | null;
  readonly statusChanged: boolean;
}

async function judgeInstruments(deps: WindowFinaliserDeps, touched: ReadonlyMap<string, WindowDocument[]>): Promise<FinaliseOutcome> {
  const { client, writer, indexPrefix } = deps;
  const windows = new Map<string, WindowDocument>();
  const failures = new Map<string, BulkItemFailure<WrittenDocument>>();
  const statuses: StatusDocument[] = [];
  let rejudged = 0;
  let beyondHorizon = 0;
  let statusChanges = 0;
  let pending = [...touched.keys()];
  for (let round = 1; pending.length > 0; round += 1) {
    const held = await statusDocuments(client, indexPrefix, pending);
    const plans: InstrumentPlan[] = [];
    // Windows written by the previous close may not be searchable yet: refreshed once a round, when a late window needs them.
    let refreshed: Promise<void> | undefined;
    const refreshWindows = () => (refreshed ??= refreshIndices(client, [windowsIndexPattern(indexPrefix)]));
    for (const instrumentId of pending)
      plans.push(await planInstrument(deps, refreshWindows, instrumentId, touched.get(instrumentId) ?? [], held.get(instrumentId)));

    for (const plan of plans)
      if (plan.deleteCheckpointsAfter !== undefined)
        await deleteCheckpointsAfter(client, indexPrefix, plan.instrumentId, plan.deleteCheckpointsAfter);
    const documents: BulkOperation<WindowDocument | CheckpointDocument>[] = plans.flatMap((plan) => [
      ...plan.windows.map((document) => ({
        action: 'index' as const,
        index: windowsIndex(indexPrefix, document.window_start),
        id: windowDocumentId(document.instrument_id, document.window_start),
        document,
      })),
      ...plan.checkpoints.map((document) => ({
        action: 'index' as const,
        index: checkpointsIndex(indexPrefix),
        id: checkpointDocumentId(document.instrument_id, document.window_start),
        document,
      })),
    ]);
    const written = await writer.write(documents);
    const refused = new Set(written.failures.map((failure) => failure.operation));
    for (const failure of written.failures) failures.set(`${failure.operation.index}/${failure.operation.id}`, failure);
    for (const operation of documents)
      if (!refused.has(operation)) {
        failures.delete(`${operation.index}/${operation.id}`);
        if (operation.index !== checkpointsIndex(indexPrefix)) windows.set(operation.id, operation.document as WindowDocument);
      }

    const operations = plans.flatMap((plan) => (plan.status ? [plan.status] : []));
    const result = await writer.write(operations);
    const lastRound = round >= MAX_STATUS_CONFLICT_ROUNDS;
    for (const failure of result.failures)
      if (failure.status !== 409 || lastRound) failures.set(`${failure.operation.index}/${failure.operation.id}`, failure);
    const unwritten = new Set(result.failures.map((failure) => failure.operation.id));
    for (const plan of plans) {
      if (plan.status !== null && unwritten.has(plan.instrumentId)) continue;
      rejudged += plan.rejudged;
      beyondHorizon += plan.beyondHorizon;
      if (plan.status) {
        statuses.push(plan.status.document);
        if (plan.statusChanged) statusChanges += 1;
      }
    }
    pending = lastRound ? [] : result.failures.filter((failure) => failure.status === 409).map((failure) => failure.operation.id);
  }
  const touchedIds = new Set([...touched.values()].flat().map((w) => windowDocumentId(w.instrument_id, w.window_start)));
  return {
    windows: [...windows.entries()].filter(([id]) => touchedIds.has(id)).map(([, document]) => document),
    windowsRejudged: rejudged,
    windowsBeyondHorizon: beyondHorizon,
    statuses,
    statusChanges,
    failures: [...failures.values()],
  };
}

/** Judges one instrument's touched windows from the right stored state; reads what that needs. */
async function planInstrument(
  deps: WindowFinaliserDeps,
  refreshWindows: () => Promise<void>,
  instrumentId: string,
  touched: readonly WindowDocument[],
  stored: Versioned<StatusDocument> | undefined,
): Promise<InstrumentPlan> {
  // A status document written before the machine state was kept has none: the instrument is judged again from its windows.
  const held = stored?.document.machine_state ? stored.document : undefined;
  const judgedUpTo = held?.machine_state.windowStart ?? null;
  const late = touched.filter((w) => beyondLateHorizon(w.window_start, judgedUpTo, deps.lateHorizonMs));
  const toJudge = touched.filter((w) => !late.includes(w));
  const unjudged = late.map((w) => ({ ...w, ...UNJUDGED }));
  const nothing = {
    instrumentId,
    rejudged: 0,
    beyondHorizon: late.length,
    checkpoints: [],
    deleteCheckpointsAfter: undefined,
    statusChanged: false,
  };
  if (toJudge.length === 0) return { ...nothing, windows: unjudged, status: null };

  const earliest = Math.min(...toJudge.map((w) => w.window_start));
  let from: Restart | null;
  let readBack = true;
  let deleteAfter: number | null | undefined;
  if (held && earliest > held.machine_state.windowStart) {
    from = { state: held.machine_state, previousStatus: held.previous_status };
    readBack = false;
  } else if (held?.basis.machine_state && held.basis.machine_state.windowStart < earliest) {
    from = { state: held.basis.machine_state, previousStatus: held.basis.previous_status };
    // The latest window itself again: it is the only window after the basis, and it is touched.
    if (earliest === held.machine_state.windowStart) readBack = false;
    else deleteAfter = from.state.windowStart;
  } else {
    const checkpoint = held ? await latestCheckpointBefore(deps.client, deps.indexPrefix, instrumentId, earliest) : null;
    from = checkpoint ? { state: checkpoint.machine_state, previousStatus: checkpoint.previous_status } : null;
    if (held) deleteAfter = from?.state.windowStart ?? null;
  }

  const windows = new Map<number, WindowDocument>();
  if (readBack && stored) {
    await refreshWindows();
    for (const w of await judgedWindowsAfter(deps.client, deps.indexPrefix, instrumentId, from?.state.windowStart ?? null))
      windows.set(w.window_start, w);
  }
  for (const w of toJudge) windows.set(w.window_start, w);
  const ordered = [...windows.values()].sort((a, b) => a.window_start - b.window_start);
  const latest = toJudge.reduce((a, b) => (b.window_start > a.window_start ? b : a));
  const rule = ruleOf(instrumentOf(latest));

  // The state before the last window is kept as the status document's basis.
  const facts = ordered.map(windowFactsOf);
  const head = judgeWindows(from?.state ?? null, facts.slice(0, -1), rule, []);
  const tail = judgeWindows(head.state, facts.slice(-1), rule, []);
  const judgements = [...head.judgements, ...tail.judgements];
  const previousAt = previousStatuses(from, judgements);

  const isTouched = new Set(toJudge);
  const rewritten: JudgedWindowDocument[] = [];
  let rejudged = 0;
  judgements.forEach((judgement, i) => {
    const window = ordered[i]!;
    const judged = { ...window, ...judgementFields(judgement, rule) };
    if (isTouched.has(window)) rewritten.push(judged);
    else if (!sameJudgement(window, judged)) {
      rewritten.push({ ...judged, computed_at: deps.now() });
      rejudged += 1;
    }
  });

  const state = tail.state!; // one window was judged
  const last = { ...ordered[ordered.length - 1]!, ...judgementFields(judgements[judgements.length - 1]!, rule) };
  const basis: StatusBasis = {
    status: head.state?.status ?? 'normal',
    status_since: head.state?.statusSince ?? null,
    previous_status: head.state ? (previousAt.get(head.state.windowStart) ?? null) : null,
    machine_state: head.state,
  };
  const document = statusDocument(
    last,
    {
      status: state.status,
      status_since: state.statusSince,
      previous_status: previousAt.get(state.windowStart) ?? null,
      machine_state: state,
    },
    basis,
    deps.now(),
  );
  const index = statusIndex(deps.indexPrefix);
  return {
    instrumentId,
    windows: [...rewritten, ...unjudged],
    rejudged,
    beyondHorizon: late.length,
    checkpoints: [...head.checkpoints, ...tail.checkpoints].map((checkpoint) => ({
      instrument_id: instrumentId,
      window_start: checkpoint.windowStart,
      status: checkpoint.status,
      previous_status: previousAt.get(checkpoint.windowStart) ?? null,
      machine_state: checkpoint,
    })),
    deleteCheckpointsAfter: deleteAfter,
    status: stored
      ? { action: 'index', index, id: instrumentId, document, ifSeqNo: stored.seqNo, ifPrimaryTerm: stored.primaryTerm }
      : { action: 'create', index, id: instrumentId, document },
    statusChanged: state.status !== (held?.status ?? 'normal'),
  };
}

/** The confirmed status before the current one, after each judged window (null until the status first changes). */
function previousStatuses(from: Restart | null, judgements: readonly WindowJudgement[]): Map<number, TriggerStatus | null> {
  const previousAt = new Map<number, TriggerStatus | null>();
  let status: TriggerStatus = from?.state.status ?? 'normal';
  let previous = from?.previousStatus ?? null;
  if (from) previousAt.set(from.state.windowStart, previous);
  for (const judgement of judgements) {
    if (judgement.status !== status) [previous, status] = [status, judgement.status];
    previousAt.set(judgement.windowStart, previous);
  }
  return previousAt;
}

const JUDGEMENT_KEYS = Object.keys(UNJUDGED) as Array<keyof typeof UNJUDGED>;

function sameJudgement(a: WindowDocument, b: WindowDocument): boolean {
  return JUDGEMENT_KEYS.every((key) => a[key] === b[key]);
}
