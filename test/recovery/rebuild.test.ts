import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { runEscalation } from '../../lambdas/alarms/escalation.js';
import { OutboxFileChannel } from '../../lambdas/alarms/notification-channels.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import { InstrumentRegistry } from '../../lambdas/batch/registry.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { currentWindowSeconds, rebuild } from '../../lambdas/recovery/rebuild.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const WINDOW = 10;

let local: LocalBatchDatabase;
/** Status changes the batch processor handed to the alarm lifecycle (which alone notifies) since the last call. */
let handedOverSoFar = 0;
async function newlyHandedOver(): Promise<{ from: string; to: string }[]> {
  const steps = await local.rows<{ from: string; to: string }>(
    'SELECT from_status AS "from", to_status AS "to" FROM alarm_steps ORDER BY found_at, window_start, change_key',
  );
  const fresh = steps.slice(handedOverSoFar);
  handedOverSoFar = steps.length;
  return fresh.map(({ from, to }) => ({ from, to }));
}

let outboxDir: string;

/** One escalation run, `laterMs` after now, every tier through the local outbox file. */
function escalate(laterMs = 0) {
  return runEscalation({
    store: new AlarmStore(local.db),
    channelForTier: () => new OutboxFileChannel(join(outboxDir, 'outbox.jsonl')),
    policy: { tiers: 3, reminderIntervalMinutes: 30 },
    siteTimeZone: 'Australia/Melbourne',
    acknowledgeUrl: 'https://alarms.example.com',
    now: () => Date.now() + laterMs,
  });
}

/** The notification ids in the outbox file, in the order they were sent. */
function notificationsSent(): string[] {
  let text: string;
  try {
    text = readFileSync(join(outboxDir, 'outbox.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { notificationId: string }).notificationId);
}

function withEngine(engine: Engine) {
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(() => {
    outboxDir = mkdtempSync(join(tmpdir(), 'rebuild-outbox-'));
  });
  afterEach(async () => {
    handedOverSoFar = 0;
    rmSync(outboxDir, { recursive: true, force: true });
    await local.rows(`${CLEAR_BATCH_STORE}, rebuild_runs`);
  });
}

/** The batch processor over one Lambda window of records, then its close. */
async function process(records: ReturnType<typeof streamRecord>[]): Promise<void> {
  const deps = {
    store: new AuroraBatchStore(local.db, WINDOW),
    alarms: new AlarmStore(local.db),
    windowSeconds: WINDOW,
    allowedLatenessMs: 0,
  };
  const outcome = await processBatch(windowEvent(records, {}, false), deps);
  await processBatch(windowEvent([], (outcome.response as TumblingWindowResponse).state, true), deps);
}

/**
 * Piezometer BH-R, default rule (change from baseline: alert +30, alarm +50, action +70 kPa, two windows to confirm):
 * two readings a window (mean - 1 at +1 s, mean + 1 at +6 s), so windows 0-2 (100 kPa) set the baseline at 100 and a
 * window whose two re-reads are both at a level confirms it at once: windows 5-7 at 140 (139 and 141, +39 and +41) are an
 * alert from window 5; windows 8-10 at 100: normal at window 8 (a fall takes effect at once). Window 10 keeps 9 complete.
 */
function readings() {
  const means = [100, 100, 100, 100, 100, 140, 140, 140, 100, 100, 100];
  return means.flatMap((mean, k) => [
    piezometerReading('BH-R', T0 + k * 10_000 + 1_000, mean - 1),
    piezometerReading('BH-R', T0 + k * 10_000 + 6_000, mean + 1),
  ]);
}

const changes = () =>
  local.rows<{ at: number; change: string; withdrawn: boolean; notified: boolean; rebuilt_by: string | null; withdrawn_by: string | null }>(
    `SELECT ((extract(epoch FROM window_start) * 1000 - ${T0}) / 10000)::int AS at, from_status || '->' || to_status AS change,
       withdrawn_at IS NOT NULL AS withdrawn, notified_at IS NOT NULL AS notified, rebuilt_by, withdrawn_by
     FROM trigger_events ORDER BY window_start, from_status`,
  );

function rebuildTests() {
  it('changes nothing over data the processor judged itself, and says so (a dry run and a real one alike)', async () => {
    await process(readings().map((r, i) => streamRecord(r, i)));
    const before = await local.rows('SELECT * FROM window_aggregates ORDER BY window_start');
    for (const dryRun of [true, false]) {
      const report = await rebuild({ from: T0, to: T0 + 200_000, windowSeconds: WINDOW, runBy: 'test', dryRun }, { db: local.db });
      expect(report).toMatchObject({ instruments: 1, windowsWritten: 0, instrumentsRejudged: 1, changesAdded: [], changesWithdrawn: [] });
      expect(report.windowsJudged).toBeGreaterThan(0);
    }
    expect(await local.rows('SELECT * FROM window_aggregates ORDER BY window_start')).toEqual(before);
    expect((await changes()).map((c) => `${c.at}:${c.change}`)).toEqual(['5:normal->alert', '8:alert->normal']);
    expect(await local.rows<{ n: number }>('SELECT count(*)::int AS n FROM rebuild_runs')).toEqual([{ n: 1 }]);
  });

  it('after a trigger-rule change, reports the changes it adds and withdraws, and the alarms follow them without notifying anyone', async () => {
    await process(readings().map((r, i) => streamRecord(r, i)));
    expect((await newlyHandedOver()).map((e) => `${e.from}->${e.to}`)).toEqual(['normal->alert', 'alert->normal']);
    // Tier 1 hears of the alert's opening and its clear; nothing else is due.
    expect(await escalate()).toMatchObject({ sent: 2 });
    const sentBefore = notificationsSent();

    // Alarm at +35 kPa instead of +50: windows 5-7 (+39, +41) are now an alarm, confirmed at once by their re-reads.
    const rule = defaultTriggerRule('piezometer', null);
    const lowered = {
      ...rule,
      bands: rule.bands.map((b) => (b.direction === 'rise' ? { ...b, levels: { alert: 20, alarm: 35, action: 70 } } : b)),
    };
    await new InstrumentRegistry(local.db).setTriggerRule('BH-R', lowered, 'engineer@example.com');
    const report = await rebuild({ from: T0, to: T0 + 200_000, windowSeconds: WINDOW, runBy: 'engineer@example.com' }, { db: local.db });

    expect(report.windowsWritten).toBe(0);
    expect(report.changesAdded.map((c) => `${(c.windowStart - T0) / 10_000}:${c.from}->${c.to}`)).toEqual([
      '5:normal->alarm',
      '8:alarm->normal',
    ]);
    expect(report.changesWithdrawn.map((c) => `${(c.windowStart - T0) / 10_000}:${c.from}->${c.to}`)).toEqual([
      '5:normal->alert',
      '8:alert->normal',
    ]);
    expect(report.changesLeftToNotify).toEqual([]);
    expect(await changes()).toEqual([
      { at: 5, change: 'normal->alarm', withdrawn: false, notified: true, rebuilt_by: report.runId, withdrawn_by: null },
      { at: 5, change: 'normal->alert', withdrawn: true, notified: true, rebuilt_by: null, withdrawn_by: report.runId },
      { at: 8, change: 'alarm->normal', withdrawn: false, notified: true, rebuilt_by: report.runId, withdrawn_by: null },
      { at: 8, change: 'alert->normal', withdrawn: true, notified: true, rebuilt_by: null, withdrawn_by: report.runId },
    ]);

    // The alert's alarm keeps its history with both changes withdrawn, still waiting for the acknowledgement
    // it was notified for; the alarm the rebuild found is a second one, opened and cleared, pending nothing.
    expect(report.alarmStepsApplied).toBe(4);
    const alarms = await local.rows<{ alarm_id: string; state: string; level: string; pending_level: string | null }>(
      'SELECT alarm_id, state, level, pending_level FROM alarms ORDER BY alarm_id',
    );
    expect(alarms.map((a) => ({ state: a.state, level: a.level, pending: a.pending_level }))).toEqual([
      { state: 'cleared', level: 'alert', pending: 'alert' },
      { state: 'cleared', level: 'alarm', pending: null },
    ]);
    expect(alarms[1]!.alarm_id).toBe(`${alarms[0]!.alarm_id}~2`);
    expect(await newlyHandedOver()).toHaveLength(4);
    const rebuiltSteps = await local.rows<{ alarm_id: string; kind: string; rebuilt_by: string | null }>(
      'SELECT alarm_id, kind, rebuilt_by FROM alarm_steps WHERE rebuilt_by IS NOT NULL ORDER BY alarm_id, step_no',
    );
    expect(rebuiltSteps.map((r) => [r.alarm_id === alarms[0]!.alarm_id ? 1 : 2, r.kind, r.rebuilt_by])).toEqual([
      [1, 'withdrawn', report.runId],
      [1, 'withdrawn', report.runId],
      [2, 'opened', report.runId],
      [2, 'cleared', report.runId],
    ]);
    expect(
      await local.rows<{ actor: string; action: string }>(
        `SELECT actor, action FROM alarm_audit WHERE actor LIKE 'rebuild %' ORDER BY alarm_id, audit_id`,
      ),
    ).toEqual([
      { actor: `rebuild ${report.runId}`, action: 'withdrawn' },
      { actor: `rebuild ${report.runId}`, action: 'withdrawn' },
      { actor: `rebuild ${report.runId}`, action: 'opened' },
      { actor: `rebuild ${report.runId}`, action: 'cleared' },
    ]);
    expect(await local.rows('SELECT run_by, window_seconds, outcome FROM rebuild_runs')).toEqual([
      {
        run_by: 'engineer@example.com',
        window_seconds: WINDOW,
        outcome: expect.objectContaining({ changesAdded: 2, changesWithdrawn: 2, windowsWritten: 0, alarmStepsApplied: 4 }),
      },
    ]);

    // Nobody hears of any of it: not now, not when the escalation clocks would have run out.
    for (const later of [0, 24 * 60 * 60_000]) expect(await escalate(later)).toMatchObject({ sent: 0 });
    expect(notificationsSent()).toEqual(sentBefore);
    // The processor's next close finds nothing left to apply; a second rebuild changes nothing.
    await process([streamRecord(piezometerReading('BH-R', T0 + 120_000, 100), 100)]);
    expect(await newlyHandedOver()).toEqual([]);
    const second = await rebuild({ from: T0, to: T0 + 200_000, windowSeconds: WINDOW, runBy: 'test' }, { db: local.db });
    expect(second).toMatchObject({ windowsWritten: 0, changesAdded: [], changesWithdrawn: [], alarmStepsApplied: 0 });
  });

  it('builds the windows of a new window length from the readings, exactly, and judges them without notifying', async () => {
    await process(readings().map((r, i) => streamRecord(r, i)));
    await newlyHandedOver();
    expect(await escalate()).toMatchObject({ sent: 2 });
    const sentBefore = notificationsSent();
    expect(await currentWindowSeconds(local.db)).toBe(WINDOW);
    const report = await rebuild({ from: T0 + 3_000, to: T0 + 105_000, windowSeconds: 30, runBy: 'test' }, { db: local.db });
    expect([report.from - T0, report.to - T0]).toEqual([0, 120_000]);
    const windows = await local.rows<{ start: number; reading_count: number; sum_micro: string; mean: number }>(
      `SELECT ((extract(epoch FROM window_start) * 1000 - ${T0}) / 1000)::int AS start, reading_count, sum_micro::text AS sum_micro, mean
       FROM window_aggregates WHERE window_seconds = 30 ORDER BY window_start`,
    );
    // Brute force: two readings of mean±1 per 10 s window, three 10 s windows per 30 s window (the last one holds window 9 and the tail).
    const means = [100, 100, 100, 100, 100, 140, 140, 140, 100, 100, 100];
    const expected = [0, 1, 2, 3].map((k) => {
      const inWindow = means.slice(3 * k, 3 * k + 3);
      const sum = inWindow.reduce((n, m) => n + 2 * m, 0);
      return { start: 30 * k, reading_count: 2 * inWindow.length, sum_micro: String(sum * 1_000_000), mean: sum / (2 * inWindow.length) };
    });
    expect(windows).toEqual(expected);
    expect(report.windowsWritten).toBe(4);
    expect(report.windowSample.map((w) => [w.before, w.after.count])).toEqual([
      [null, 6],
      [null, 6],
      [null, 6],
      [null, 4],
    ]);
    // Judged at 30 s, windows 60-90 s (mean 126.7 kPa, +26.7) stay below the alert level: the alert
    // and its clear are withdrawn from the alert's alarm, as steps of the run that notify no one.
    expect(report.changesWithdrawn.map((c) => `${(c.windowStart - T0) / 10_000}:${c.from}->${c.to}`)).toEqual([
      '5:normal->alert',
      '8:alert->normal',
    ]);
    expect(report.changesAdded).toEqual([]);
    expect(
      await local.rows<{ kind: string; rebuilt_by: string }>('SELECT kind, rebuilt_by FROM alarm_steps WHERE rebuilt_by IS NOT NULL'),
    ).toEqual([
      { kind: 'withdrawn', rebuilt_by: report.runId },
      { kind: 'withdrawn', rebuilt_by: report.runId },
    ]);
    expect(await escalate()).toMatchObject({ sent: 0 });
    expect(notificationsSent()).toEqual(sentBefore);
  });

  it('refuses an empty range', async () => {
    await expect(rebuild({ from: T0, to: T0, windowSeconds: WINDOW, runBy: 'test' }, { db: local.db })).rejects.toThrow(
      '--to must be after --from',
    );
  });
}

describe('rebuild from the stored readings (PGlite behind the local Data API)', () => {
  withEngine('pglite');
  rebuildTests();
});

describeWithPostgres('rebuild from the stored readings (PostgreSQL 15 behind the local Data API)', () => {
  withEngine('postgres');
  rebuildTests();
});
