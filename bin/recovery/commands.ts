import { userInfo, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parseIsoInstant } from '../../lambdas/domain/timestamps.js';
import { windowSecondsProblem } from '../../lambdas/domain/window-rules.js';
import { rebuild, type RebuildReport } from '../../lambdas/recovery/rebuild.js';
import { redrive, type RedriveReport } from '../../lambdas/recovery/redrive.js';
import { replay } from '../../lambdas/recovery/replay.js';
import type { ReprocessTarget } from '../../lambdas/recovery/reprocess.js';
import { DataDirInUseError } from '../../local/data-dir-lock.js';
import { describeRebuild, describeRedrive, describeReplay, Progress } from './output.js';
import { openLocalTarget, openStageTarget, TargetError, type RecoveryTarget, type StageClients } from './targets.js';

/**
 * The three recovery commands: `npm run redrive`, `npm run replay`, `npm run rebuild`. Each
 * works on the local runtime's data directory unless given `--stage <env>`. The report goes
 * to standard output (as JSON with `--json`), progress to standard error.
 *
 * Exit codes: 0 done; 1 failed (the message says why); 2 a bad command line; 3 (redrive)
 * done, but some failures could not be redriven: they are listed and kept.
 */

/** Where a command writes; the CLI's are the process's streams. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandDependencies {
  /** Clients of a stage target (tests give stand-ins for the AWS control planes). */
  readonly stageClients?: Partial<StageClients>;
}

export const PROCESS_IO: CommandIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

class UsageError extends Error {}

const WHERE_OPTIONS = `where:
  --data-dir <dir>     the local runtime's data directory (default .data): while \`npm start\` runs on it, its
                       stream and database are used; otherwise the command opens them itself
  --stage <env>        a deployed stage instead (stack GeotechMonitoring-<env>), with your AWS credentials
                       (AWS_PROFILE, AWS_REGION); names and settings come from the stack's outputs
  --region <region>    the stage's Region (default: the SDK's, from AWS_REGION or the profile)
  --json               the report as JSON
  -h, --help           this text`;

export const REDRIVE_HELP = `usage: npm run redrive -- [--stage <env>] [options]

Reads every batch an event source mapping gave up on (the on-failure queue in AWS, the
data directory's failed-batches.jsonl locally), fetches its records from the stream by shard
and sequence range, and processes them again through its processor's own processing. Running
it twice changes nothing. A batch is cleared (deleted from the queue, or written to the local
ledger failed-batches.redriven.jsonl) only once every record of it was processed; records the
stream no longer holds (past its retention) are listed with their shard, range and count, and
their batch is kept. Exits 3 when any batch was kept.

options:
  --again              locally, redrive the batches already redriven too (it changes nothing)
${WHERE_OPTIONS}`;

export const REPLAY_HELP = `usage: npm run replay -- --from <instant> --to <instant> [--target batch|realtime|both] [--stage <env>] [options]

Reads again every record that reached the stream from --from to --to (arrival time, from
AT_TIMESTAMP iterators on every shard) and processes them through the processors' own
processing: what is stored already stays as it is, what is missing is restored. The part of
the range older than the stream's retention cannot be replayed; the report says how much.

options:
  --from <instant>     start of the range, an ISO-8601 instant (UTC unless it gives an offset)
  --to <instant>       end of the range (exclusive)
  --target <t>         batch (the batch store), realtime (OpenSearch) or both (default both; locally,
                       both means batch alone when there is no real-time store)
${WHERE_OPTIONS}`;

export const REBUILD_HELP = `usage: npm run rebuild -- --from <instant> --to <instant> [--window <s>] [--dry-run] [--stage <env>] [options]

Recomputes the window aggregates of --from to --to from the stored readings (the source of
truth) and judges every instrument again from --from to its latest judged window with the
rule in force now: after a change of window length or of trigger rules. It notifies nobody:
the status changes it finds are marked with the run (trigger_events.rebuilt_by), those it
withdraws too (withdrawn_by), and the alarms follow them as steps of the run that page no
one and leave the escalation clocks as they were; the run is kept in rebuild_runs. It
reports what changed.

options:
  --from <instant>     start of the range (event time), an ISO-8601 instant (UTC unless it gives an offset)
  --to <instant>       end of the range (exclusive); widened to whole windows
  --window <s>         the window length to build (default: the stage's, the running pipeline's,
                       or that of the latest judged window)
  --dry-run            do it all and roll it back: what a rebuild would change
  --by <name>          who runs it, for the audit (default: your user name at this host)
${WHERE_OPTIONS}`;

const COMMON = {
  'data-dir': { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Common = { 'data-dir'?: string; stage?: string; region?: string; json?: boolean };

/** `npm run redrive`. */
export async function redriveCommand(argv: string[], io: CommandIo = PROCESS_IO, deps: CommandDependencies = {}): Promise<number> {
  return runCommand('redrive', REDRIVE_HELP, io, async () => {
    const { values } = parseArgs({ args: argv, options: { ...COMMON, again: { type: 'boolean' } } });
    if (values.help) return 'help';
    return withTarget(values, 'redrive', true, deps, io, async (target) => {
      const progress = new Progress(io);
      const realtime = await target.realtime();
      const failures = target.failures({ again: values.again ?? false });
      let report: RedriveReport;
      try {
        report = await redrive(failures, {
          stream: target.stream!,
          region: target.region,
          targets: { batch: target.batch(), ...('unavailable' in realtime ? {} : { realtime }) },
          missingTargetReason: 'unavailable' in realtime ? { realtime: realtime.unavailable } : {},
          onProgress: (event) => progress.redrive(event),
        });
      } finally {
        await failures.release?.();
      }
      io.out(values.json ? JSON.stringify(report, null, 2) : describeRedrive(report, target.description));
      return report.notRedriven.length > 0 ? 3 : 0;
    });
  });
}

/** `npm run replay`. */
export async function replayCommand(argv: string[], io: CommandIo = PROCESS_IO, deps: CommandDependencies = {}): Promise<number> {
  return runCommand('replay', REPLAY_HELP, io, async () => {
    const { values } = parseArgs({
      args: argv,
      options: { ...COMMON, from: { type: 'string' }, to: { type: 'string' }, target: { type: 'string' } },
    });
    if (values.help) return 'help';
    const range = rangeOption(values.from, values.to);
    const wanted = values.target ?? 'both';
    if (!['batch', 'realtime', 'both'].includes(wanted)) throw new UsageError(`--target must be batch, realtime or both (got ${wanted})`);
    return withTarget(values, 'replay', true, deps, io, async (target) => {
      const targets: ReprocessTarget[] = [];
      const notes: string[] = [];
      if (wanted !== 'realtime') targets.push(target.batch());
      if (wanted !== 'batch') {
        const realtime = await target.realtime();
        if ('unavailable' in realtime) {
          if (wanted === 'realtime') throw new TargetError(`--target realtime: ${realtime.unavailable}`);
          notes.push(`real-time store not replayed: ${realtime.unavailable}`);
        } else targets.push(realtime);
      }
      const progress = new Progress(io);
      const report = await replay(
        { ...range, targets },
        {
          stream: target.stream!,
          region: target.region,
          tumblingWindowSeconds: target.settings.tumblingWindowSeconds,
          countStoredArrivals: (from, to) => countStoredArrivals(target, from, to),
          onProgress: (event) => progress.replay(event),
        },
      );
      io.out(values.json ? JSON.stringify({ ...report, notes }, null, 2) : describeReplay(report, target.description, notes));
      return 0;
    });
  });
}

/** `npm run rebuild`. */
export async function rebuildCommand(argv: string[], io: CommandIo = PROCESS_IO, deps: CommandDependencies = {}): Promise<number> {
  return runCommand('rebuild', REBUILD_HELP, io, async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...COMMON,
        from: { type: 'string' },
        to: { type: 'string' },
        window: { type: 'string' },
        'dry-run': { type: 'boolean' },
        by: { type: 'string' },
      },
    });
    if (values.help) return 'help';
    const range = rangeOption(values.from, values.to);
    const window = values.window === undefined ? undefined : windowOption(values.window);
    return withTarget(values, 'rebuild', false, deps, io, async (target) => {
      const progress = new Progress(io);
      const report: RebuildReport = await rebuild(
        {
          ...range,
          windowSeconds: window ?? target.settings.windowSeconds,
          runBy: values.by ?? `${userInfo().username}@${hostname()}`,
          dryRun: values['dry-run'] ?? false,
        },
        {
          db: target.db,
          onProgress: (event) => progress.rebuild(event),
          onInvalidRule: (instrumentId, problems) =>
            io.err(
              `  ${instrumentId}: its stored rule fails its checks, the type's default applies (${problems.map((p) => `${p.field} ${p.message}`).join('; ')})`,
            ),
        },
      );
      io.out(values.json ? JSON.stringify(report, null, 2) : describeRebuild(report, target.description));
      return 0;
    });
  });
}

async function runCommand(name: string, help: string, io: CommandIo, run: () => Promise<number | 'help'>): Promise<number> {
  try {
    const code = await run();
    if (code === 'help') {
      io.out(help);
      return 0;
    }
    return code;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${name}: ${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if (error instanceof TargetError || error instanceof DataDirInUseError || error instanceof RangeError) {
      io.err(`${name}: ${error.message}`);
      return 1;
    }
    io.err(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

async function withTarget(
  values: Common,
  command: string,
  needStream: boolean,
  deps: CommandDependencies,
  io: CommandIo,
  work: (target: RecoveryTarget) => Promise<number>,
): Promise<number> {
  if (values.stage !== undefined && values['data-dir'] !== undefined) throw new UsageError('give --stage or --data-dir, not both');
  if (values.stage !== undefined && !/^[a-z0-9-]{1,16}$/.test(values.stage))
    throw new UsageError(`--stage must be a stage name (1-16 lowercase letters, digits, hyphens; got ${values.stage})`);
  if (values.region !== undefined && values.stage === undefined) throw new UsageError('--region goes with --stage');
  const target =
    values.stage !== undefined
      ? await openStageTarget({
          stage: values.stage,
          ...(values.region ? { region: values.region } : {}),
          clients: deps.stageClients ?? {},
        })
      : await openLocalTarget({ dataDir: values['data-dir'] ?? '.data', command: `npm run ${command}`, needStream });
  io.err(`${command}: ${target.description}`);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

function rangeOption(fromText: string | undefined, toText: string | undefined): { from: number; to: number } {
  if (fromText === undefined || toText === undefined) throw new UsageError('--from and --to are both required');
  const from = parseIsoInstant(fromText);
  if (from === null) throw new UsageError(`--from must be an ISO-8601 instant such as 2026-11-22T08:00:00Z (got ${fromText})`);
  const to = parseIsoInstant(toText);
  if (to === null) throw new UsageError(`--to must be an ISO-8601 instant such as 2026-11-22T09:00:00Z (got ${toText})`);
  if (!(to > from)) throw new UsageError(`--to must be after --from (got ${fromText} .. ${toText})`);
  return { from, to };
}

function windowOption(text: string): number {
  const seconds = Number(text);
  const problem = windowSecondsProblem(seconds);
  if (problem) throw new UsageError(`--window ${problem} (got ${text})`);
  return seconds;
}

async function countStoredArrivals(target: RecoveryTarget, from: number, to: number): Promise<number> {
  const [row] = await target.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM readings WHERE arrived_at >= :from::timestamptz AND arrived_at < :to::timestamptz',
    { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
  );
  return Number(row?.n ?? 0);
}
