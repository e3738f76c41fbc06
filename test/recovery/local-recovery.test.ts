import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstrumentRegistry } from '../../lambdas/batch/registry.js';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { parseOnFailureMessage } from '../../lambdas/recovery/on-failure-message.js';
import { FAILED_BATCHES_FILE, REDRIVEN_FILE } from '../../local/failed-batches.js';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline.js';
import { rebuildCommand, redriveCommand, replayCommand, type CommandIo } from '../../bin/recovery/commands.js';
import { bruteForceWindows, servedReadings, storedReadings, storedWindows, windowFaults } from '../support/served-readings.js';

const WINDOW_SECONDS = 2;
let dataDir: string;
let pipeline: LocalPipeline;

/** A command's output, kept. */
function captured(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => void stdout.push(text), err: (text) => void stderr.push(text) };
}

async function pollTimes(n: number) {
  for (let i = 0; i < n; i += 1) {
    await pipeline.pollNow();
    await new Promise((resolve) => setTimeout(resolve, 350));
  }
}

/** Everything the data decides, for before/after comparisons. */
async function tables() {
  const q = (sql: string) => pipeline.database.query<Record<string, unknown>>(sql);
  return {
    readings: await q(
      'SELECT instrument_id, observed_at::text, value_micro, source_shard, source_sequence, arrived_at::text FROM readings ORDER BY 1, 2',
    ),
    windows: await q(
      `SELECT instrument_id, window_seconds, window_start::text, reading_count, sum_micro, mean, min_value, max_value, first_observed_at::text,
         last_observed_at::text, evaluated, status, raw_status, change_value, rate_per_day, baseline_id FROM window_aggregates ORDER BY 1, 2, 3`,
    ),
    status: await q('SELECT instrument_id, status, status_since::text, last_window_start::text FROM instrument_status ORDER BY 1'),
    events: await q(
      'SELECT instrument_id, window_start::text, from_status, to_status, window_mean, withdrawn_at IS NULL AS in_force FROM trigger_events ORDER BY 1, 2, 3',
    ),
  };
}

/**
 * The tables agree on everything the data decides. Redrive and replay judge the windows they complete as of now, so
 * windows still waiting for lateness before may be judged after (and changes found for them): what was judged before
 * must stand unaltered.
 */
function expectSameOutcome(after: Awaited<ReturnType<typeof tables>>, before: Awaited<ReturnType<typeof tables>>) {
  expect(after.readings).toEqual(before.readings);
  const judged = (w: Record<string, unknown>) => w.evaluated === true;
  const data = ({
    evaluated: _e,
    status: _s,
    raw_status: _r,
    change_value: _c,
    rate_per_day: _p,
    baseline_id: _b,
    ...rest
  }: Record<string, unknown>) => rest;
  expect(after.windows.map(data)).toEqual(before.windows.map(data));
  const key = (w: Record<string, unknown>) => `${String(w.instrument_id)}|${String(w.window_seconds)}|${String(w.window_start)}`;
  const afterByKey = new Map(after.windows.map((w) => [key(w), w]));
  for (const w of before.windows.filter(judged)) expect(afterByKey.get(key(w)), key(w)).toEqual(w);
  const judgedUpTo = before.status.reduce(
    (latest, row) => (String(row.last_window_start) > latest ? String(row.last_window_start) : latest),
    '',
  );
  expect(after.events.filter((e) => String(e.window_start) <= judgedUpTo)).toEqual(before.events);
}

async function expectEveryServedReadingOnce() {
  const served = servedReadings(pipeline.simulator!.served);
  const stored = await storedReadings(pipeline.database);
  expect(stored.size).toBe(served.size);
  for (const [key] of served) expect(stored.has(key), key).toBe(true);
  const [counts] = await pipeline.database.query<{ n: number; distinct_n: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT (instrument_id, observed_at))::int AS distinct_n FROM readings',
  );
  expect(counts).toEqual({ n: served.size, distinct_n: served.size });
  expect(windowFaults(await storedWindows(pipeline.database, WINDOW_SECONDS), bruteForceWindows(served.values(), WINDOW_SECONDS))).toEqual(
    [],
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recovery-e2e-'));
  pipeline = await startLocalPipeline({
    dataDir,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    instrumentsPerType: 4,
    faultRate: 0,
    windowSeconds: WINDOW_SECONDS,
    tumblingWindowSeconds: 2,
    allowedLatenessSeconds: 1,
    shards: 2,
    recordServed: true,
    realtime: 'off',
    // As a deployment bounds them: a batch that keeps failing goes to the on-failure file.
    retryAttempts: 1,
  });
});

afterAll(async () => {
  await pipeline?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('recovery on the local pipeline (simulator, kinesis-local, PGlite behind the local Data API)', () => {
  it('sends batches to the on-failure file during a database outage, and a redrive restores every reading exactly once', async () => {
    await pollTimes(3);
    await pipeline.drain();
    // The database goes down before the polls, so the batch processor meets it down with records to store.
    const outage = pipeline.simulateDatabaseOutage(5_000);
    await pollTimes(3);
    await Promise.all([pipeline.drain(), outage]);
    await pollTimes(1);
    await pipeline.drain();

    const summary = await pipeline.summary();
    expect(summary.failedBatches).toBeGreaterThan(0);
    const lines = readFileSync(join(dataDir, FAILED_BATCHES_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(summary.failedBatches);
    const failures = lines.map(parseOnFailureMessage);
    expect(failures.every((f) => f.processor === 'batch' && f.condition === 'RetryAttemptsExhausted')).toBe(true);
    const served = servedReadings(pipeline.simulator!.served);
    const lost = served.size - (await storedReadings(pipeline.database)).size;
    expect(lost).toBeGreaterThan(0);
    expect(failures.reduce((n, f) => n + (f.records?.count ?? 0), 0)).toBeGreaterThanOrEqual(lost);

    const io = captured();
    expect(await redriveCommand(['--data-dir', dataDir], io)).toBe(0);
    expect(io.stderr[0]).toContain('the local pipeline running on');
    expect(io.stdout.join('\n')).toContain(`${failures.length} failed batch(es) redriven`);
    await expectEveryServedReadingOnce();
    expect(readFileSync(join(dataDir, REDRIVEN_FILE), 'utf8').trim().split('\n')).toHaveLength(failures.length);
  });

  it('changes nothing on a second redrive, nor when every batch is redriven again', async () => {
    const before = await tables();
    const second = captured();
    expect(await redriveCommand(['--data-dir', dataDir], second)).toBe(0);
    expect(second.stdout.join('\n')).toContain('Nothing to redrive.');
    expect(await tables()).toEqual(before);
    const again = captured();
    expect(await redriveCommand(['--data-dir', dataDir, '--again'], again)).toBe(0);
    expect(again.stdout.join('\n')).toMatch(/[1-9]\d* failed batch\(es\) redriven/);
    expectSameOutcome(await tables(), before);
  });

  it('agrees with a rebuild from scratch: nothing lost, nothing counted twice', async () => {
    const io = captured();
    expect(
      await rebuildCommand(['--data-dir', dataDir, '--from', '2020-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--dry-run'], io),
    ).toBe(0);
    const report = io.stdout.join('\n');
    expect(report).toContain(' 0 window(s) would change');
    expect(report).toContain('0 status change(s) would be added');
    expect(report).toContain('0 status change(s) would be withdrawn');
  });

  it('names and counts the records it cannot redrive, keeps their batches, and exits 3', async () => {
    const [first] = readFileSync(join(dataDir, FAILED_BATCHES_FILE), 'utf8').trim().split('\n');
    const message = JSON.parse(first!) as { requestContext: { requestId: string }; KinesisBatchInfo: Record<string, unknown> };
    // A batch of a shard that is gone (a stream resharded, then past its retention).
    message.requestContext.requestId = 'gone-shard';
    message.KinesisBatchInfo.shardId = 'shardId-000000000042';
    message.KinesisBatchInfo.batchSize = 7;
    appendFileSync(join(dataDir, FAILED_BATCHES_FILE), `${JSON.stringify(message)}\n`);
    appendFileSync(join(dataDir, FAILED_BATCHES_FILE), 'not a document\n');
    const before = await tables();
    for (let run = 0; run < 2; run += 1) {
      const io = captured();
      expect(await redriveCommand(['--data-dir', dataDir], io)).toBe(3);
      const report = io.stdout.join('\n');
      expect(report).toContain('NOT REDRIVEN gone-shard');
      expect(report).toContain('shardId-000000000042');
      expect(report).toContain('[7 record(s) lost]');
      expect(report).toContain('7 record(s) are no longer in the stream');
      expect(report).toMatch(/NOT REDRIVEN failed-batches\.jsonl line \d+: not an on-failure document/);
    }
    expect(await tables()).toEqual(before);
  });

  it('replays a range of arrivals into a store that lost it, giving the original results, and changes nothing when replayed again', async () => {
    const [range] = await pipeline.database.query<{ from_ms: number | string; to_ms: number | string }>(
      `SELECT (extract(epoch FROM min(arrived_at)) * 1000)::bigint AS from_ms, (extract(epoch FROM max(arrived_at)) * 1000)::bigint + 1 AS to_ms FROM readings`,
    );
    const from = Number(range!.from_ms);
    const to = Number(range!.to_ms);
    const original = await tables();
    const middle = from + Math.floor((to - from) / 2);
    // The store loses the second half of the arrivals: readings and their windows.
    await pipeline.database.execute(
      `DELETE FROM window_aggregates w USING readings r WHERE r.instrument_id = w.instrument_id AND r.observed_at >= w.window_start
         AND r.observed_at < w.window_end AND r.arrived_at >= :from::timestamptz`,
      { from: new Date(middle).toISOString() },
    );
    const deleted = await pipeline.database.execute('DELETE FROM readings WHERE arrived_at >= :from::timestamptz', {
      from: new Date(middle).toISOString(),
    });
    expect(deleted).toBeGreaterThan(0);

    const io = captured();
    const args = ['--data-dir', dataDir, '--from', new Date(middle).toISOString(), '--to', new Date(to).toISOString()];
    expect(await replayCommand(args, io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('real-time store not replayed');
    const restored = await tables();
    expectSameOutcome(restored, original);
    expect(await replayCommand(args, captured())).toBe(0);
    expect(await tables()).toEqual(restored);
  });

  it('rebuilds after a trigger-rule change: reports the changes, the alarms follow them without notifying, and a second rebuild changes nothing', async () => {
    // The instrument with the most readings, so it has a baseline and windows after it.
    const [busiest] = await pipeline.database.query<{ instrument_id: string; instrument_type: InstrumentType }>(
      `SELECT r.instrument_id, i.instrument_type FROM readings r JOIN instruments i USING (instrument_id)
       GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const id = busiest!.instrument_id;
    const rule = defaultTriggerRule(busiest!.instrument_type, null);
    // Levels so close to the baseline that the noise of every reading crosses them.
    const touchy = {
      ...rule,
      bands: [
        { direction: 'rise', quantity: 'change', levels: { alert: 0.000001, alarm: 1000, action: 2000 } },
        { direction: 'fall', quantity: 'change', levels: { alert: -0.000001, alarm: -1000, action: -2000 } },
      ],
      confirmation: { alert: 1, alarm: 1, action: 1 },
    };
    await new InstrumentRegistry(pipeline.database).setTriggerRule(id, touchy, 'engineer@example.com');
    const io = captured();
    const args = ['--data-dir', dataDir, '--from', '2020-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--by', 'engineer@example.com'];
    expect(await rebuildCommand(args, io)).toBe(0);
    const report = io.stdout.join('\n');
    const added = Number(/(\d+) status change\(s\) added or restored \(none notified\)/.exec(report)?.[1]);
    expect(added).toBeGreaterThan(0);
    const steps = Number(/(\d+) alarm step\(s\) recorded under (\S+), notifying no one/.exec(report)?.[1]);
    expect(steps).toBeGreaterThan(0);
    expect(report).toContain(`${id} (${busiest!.instrument_type})`);

    const rebuilt = await pipeline.database.query<{ n: number; handed_over: number }>(
      `SELECT count(*)::int AS n, count(notified_at)::int AS handed_over FROM trigger_events WHERE rebuilt_by IS NOT NULL AND instrument_id = :id`,
      { id },
    );
    expect(rebuilt).toEqual([{ n: added, handed_over: added }]);
    // The alarm lifecycle followed them, every step under the run; nothing is left for it to hand on (and so to notify).
    const quiet = await pipeline.database.query<{ n: number }>('SELECT count(*)::int AS n FROM alarm_steps WHERE rebuilt_by IS NOT NULL');
    expect(quiet).toEqual([{ n: steps }]);
    const pending = await pipeline.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM trigger_events WHERE notified_at IS NULL AND withdrawn_at IS NULL AND instrument_id = :id',
      { id },
    );
    expect(pending).toEqual([{ n: 0 }]);
    const [run] = await pipeline.database.query<{ run_by: string; changes_added: number }>(
      "SELECT run_by, (outcome->>'changesAdded')::int AS changes_added FROM rebuild_runs WHERE finished_at IS NOT NULL",
    );
    expect(run).toEqual({ run_by: 'engineer@example.com', changes_added: added });

    const again = captured();
    expect(await rebuildCommand(args, again)).toBe(0);
    expect(again.stdout.join('\n')).toContain('0 status change(s) added or restored');
    expect(again.stdout.join('\n')).toContain('0 status change(s) withdrawn');
    expect(again.stdout.join('\n')).toContain('0 alarm step(s) recorded');
  });

  it('says what is wrong with a command line, and exits 2', async () => {
    const io = captured();
    expect(await replayCommand(['--data-dir', dataDir, '--from', 'yesterday', '--to', '2100-01-01T00:00:00Z'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--from must be an ISO-8601 instant such as 2026-11-22T08:00:00Z (got yesterday)');
    expect(await replayCommand(['--data-dir', dataDir, '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], io)).toBe(2);
    expect(
      await replayCommand(['--data-dir', dataDir, '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--target', 'x'], io),
    ).toBe(2);
    expect(await rebuildCommand(['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--window', '7'], io)).toBe(2);
    expect(await redriveCommand(['--stage', 'dev', '--data-dir', dataDir], io)).toBe(2);
  });
});
