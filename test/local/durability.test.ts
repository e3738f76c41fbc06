import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantineEntryOf } from '../../lambdas/batch/quarantine-recorder.js';
import { toMicroUnits } from '../../lambdas/domain/reading.js';
import { validateItem } from '../../lambdas/domain/validate-item.js';
import { rebuild } from '../../lambdas/recovery/rebuild.js';
import { LOCK_FILE_NAME } from '../../local/data-dir-lock.js';
import { freePort } from '../../local/ports.js';
import { openReportDatabase, type ReportDatabase } from '../../local/report/local-database.js';
import { startSimulatorServer, type RunningSimulator } from '../../local/simulator-server.js';
import { bruteForceWindows, servedReadings, storedReadings, storedWindows, windowFaults } from '../support/served-readings.js';

/**
 * `npm start` killed outright (SIGKILL to its whole process group: npm, tsx, the pipeline and
 * kinesis-local, as a power cut or the OOM killer would) in the middle of a run, twice, then
 * started again on the same data directory and run to the end: nothing the source served may
 * be lost, and nothing may be counted twice (readings, windows, quarantined rows, status
 * changes). The source is a simulator in this process, so what it served is known whatever
 * happens to the pipeline.
 */

const WINDOW_SECONDS = 2;
let simulator: RunningSimulator;
/** Called after the simulator sends a response with readings in it. */
let onReadingsServed: (() => void) | undefined;
let dataDir: string;
let ports: number[];
const runs: Array<{ lines: string[]; code: number | string | null }> = [];

/** One `npm start` in its own process group, its output kept. */
function start(extra: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | string | null> } {
  const [kinesisPort, dataApiPort, psqlPort] = ports;
  const args = [
    'start',
    '--',
    '--source-url',
    simulator.url,
    '--data-dir',
    dataDir,
    '--kinesis-port',
    String(kinesisPort),
    '--data-api-port',
    String(dataApiPort),
    '--psql-port',
    String(psqlPort),
    '--realtime',
    'off',
    '--window',
    String(WINDOW_SECONDS),
    '--tumbling-window',
    '2',
    '--poll-interval',
    '1',
    '--shards',
    '2',
    ...extra,
  ];
  const child = spawn('npm', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, lines, exited };
}

/** Resolves once some line matches, or rejects after `timeoutMs` with the output so far. */
async function waitFor(lines: string[], test: (line: string) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some(test)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the pipeline; its output:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The progress line's `processed N`, latest first. */
const processed = (lines: string[]) => Math.max(0, ...lines.map((line) => Number(/\| processed (\d+) \|/.exec(line)?.[1] ?? 0)));

/** Kills the whole process group at once and waits until every process of it is gone. */
async function killGroup(child: ChildProcess): Promise<void> {
  process.kill(-child.pid!, 'SIGKILL');
  for (;;) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let database: ReportDatabase;

beforeAll(async () => {
  simulator = await startSimulatorServer({
    seed: 'durability',
    instrumentsPerType: 3,
    recordServed: true,
    onServe: (record) => {
      if (record.items.length > 0) onReadingsServed?.();
    },
    // Bad items of every kind, so the quarantine has rows to lose or double; no 5xx, so every poll gets through.
    faults: { nullFields: 0.02, emptyStrings: 0.02, malformedTimestamps: 0.02, nonNumericReadings: 0.02, duplicateItems: 0.02 },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'durability-'));
  ports = [];
  for (let i = 0; i < 3; i += 1) ports.push(await freePort(ports));

  for (let crash = 0; crash < 2; crash += 1) {
    const run = start([]);
    // Mid-run: the pipeline has processed records and is still polling; it is killed just after it was served
    // readings, while it puts them on the stream, saves its cursor and processes them.
    await waitFor(run.lines, (line) => /\| processed [1-9]/.test(line), 150_000);
    await new Promise<void>((resolve) => (onReadingsServed = resolve));
    onReadingsServed = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100 + crash * 150));
    await killGroup(run.child);
    runs.push({ lines: run.lines, code: await run.exited });
  }
  const last = start(['--duration', '12']);
  runs.push({ lines: last.lines, code: await last.exited });
  database = await openReportDatabase(dataDir);
}, 480_000);

afterAll(async () => {
  await database?.close();
  await simulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start killed with SIGKILL mid-run and started again (the real CLI, kinesis-local, PGlite)', () => {
  it('was killed while working, and started again over the unclean data directory', () => {
    expect(runs.map((run) => run.code)).toEqual(['SIGKILL', 'SIGKILL', 0]);
    for (const run of runs.slice(0, 2)) expect(processed(run.lines)).toBeGreaterThan(0);
    const summary = JSON.parse(runs[2]!.lines.findLast((line) => line.startsWith('{'))!) as {
      invocationErrors: number;
      failedBatches: number;
    };
    expect(summary).toMatchObject({ failedBatches: 0 });
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });

  it('loses no reading the source served and stores none twice', async () => {
    const served = servedReadings(simulator.served);
    const stored = await storedReadings(database.db);
    const missing = [...served.keys()].filter((key) => !stored.has(key));
    const extra = [...stored.keys()].filter((key) => !served.has(key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    for (const [key, reading] of served) expect(stored.get(key), key).toBe(BigInt(toMicroUnits(reading.value)));
  });

  it('holds every window equal to a brute-force recomputation from the served readings', async () => {
    const served = servedReadings(simulator.served);
    expect(windowFaults(await storedWindows(database.db, WINDOW_SECONDS), bruteForceWindows(served.values(), WINDOW_SECONDS))).toEqual([]);
  });

  it('quarantines every bad item the source served, each once', async () => {
    const expected = new Map<string, string>();
    for (const response of simulator.served) {
      const source = new URL(response.path, 'http://source').pathname.slice(1);
      for (const item of response.items) {
        const result = validateItem(item, { source, now: response.at });
        if (!result.ok) expected.set(quarantineEntryOf(result.rejection, 0).id, result.rejection.reason);
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    const rows = await database.db.query<{ quarantine_id: string; reason: string }>(
      'SELECT quarantine_id, reason FROM quarantined_readings',
    );
    const byId = new Map(rows.map((row) => [row.quarantine_id, row.reason]));
    // The same bad item served again (a page read again after a restart) is one row, as the quarantine recorder keeps it in AWS.
    const [sameItemTwice] = await database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT reason, source, detail, raw FROM quarantined_readings GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d',
    );
    expect(sameItemTwice!.n).toBe(0);
    expect([...expected.keys()].filter((id) => !byId.has(id))).toEqual([]);
    // Besides those: only duplicates (an item served twice in one poll, or again while remembered), nothing undecodable.
    expect(
      [...byId]
        .filter(([id]) => !expected.has(id))
        .map(([, reason]) => reason)
        .filter((reason) => reason !== 'duplicate_reading'),
    ).toEqual([]);
  });

  it('records every status change once, as a judgement from scratch finds them, and hands each over', async () => {
    const report = await rebuild(
      {
        from: Date.parse('2020-01-01T00:00:00Z'),
        to: Date.parse('2100-01-01T00:00:00Z'),
        windowSeconds: WINDOW_SECONDS,
        runBy: 'test',
        dryRun: true,
      },
      { db: database.db },
    );
    expect({ windows: report.windowsWritten, added: report.changesAdded, withdrawn: report.changesWithdrawn }).toEqual({
      windows: 0,
      added: [],
      withdrawn: [],
    });
    const [outbox] = await database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM trigger_events WHERE withdrawn_at IS NULL AND notified_at IS NULL',
    );
    expect(outbox!.n).toBe(0);
    const alerts = runs.flatMap((run) => run.lines.filter((line) => line.trim().startsWith('ALERT ')).map((line) => line.trim()));
    expect(alerts.length).toBe(new Set(alerts).size);
  });
});
