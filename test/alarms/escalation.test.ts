import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_ATTEMPTS, type AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { createEscalationHandler } from '../../lambdas/alarms/escalation-handler.js';
import { runEscalation, type EscalationRun } from '../../lambdas/alarms/escalation.js';
import { OutboxFileChannel, readOutbox, type NotificationChannel } from '../../lambdas/alarms/notification-channels.js';
import type { EscalationPolicy } from '../../lambdas/domain/escalation.js';
import type { ResponsePlanRule } from '../../lambdas/domain/response-plans.js';
import type { MetricsPublisher } from '../../lambdas/shared/invocation-metrics.js';
import { BatchPipeline, piezometerWindows } from '../support/alarm-pipeline.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const MINUTE = 60_000;
/** Processing time when the first change is found. */
const FOUND = T0 + 10 * MINUTE;
const NO_REMINDERS: EscalationPolicy = { tiers: 3, reminderIntervalMinutes: 0 };
/** Alarm to be acknowledged within 2 minutes, Action within 1: tier k is due (k - 1) limits after the level was reached. */
const SHORT_PLANS: ResponsePlanRule[] = [
  { scope: { kind: 'default' }, level: 'alarm', entry: { response: 'Notify the designer', limitMinutes: 2, noteRequired: true } },
  { scope: { kind: 'default' }, level: 'action', entry: { response: 'Stop the works; make safe', limitMinutes: 1, noteRequired: true } },
];
/** Piezometer PZ-1, default rule: baseline 100 kPa from windows 0-4; windows 5-6 at +60 kPa confirm Alarm at window 6. */
const OPENING = piezometerWindows('PZ-1', T0, [100, 100, 100, 100, 100, 160, 160, 160, 160]);
const ALARM_ID = `PZ-1@${new Date(T0 + 60_000).toISOString()}`;

let local: LocalBatchDatabase;
const clock = { now: FOUND };
let pipeline: BatchPipeline;
let store: AlarmStore;
let dir: string;
let outboxPath: string;

function withEngine(engine: Engine) {
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(() => {
    clock.now = FOUND;
    pipeline = new BatchPipeline(local.db, clock);
    store = pipeline.alarmStore();
    dir = mkdtempSync(join(tmpdir(), 'escalation-'));
    outboxPath = join(dir, 'outbox.jsonl');
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await local.rows(CLEAR_BATCH_STORE);
  });
}

/** One run at the clock's time, every tier through `channel` (default: the outbox file). */
function escalate(channel: NotificationChannel = new OutboxFileChannel(outboxPath), policy: EscalationPolicy = NO_REMINDERS) {
  return runEscalation(runOptions(channel, policy));
}

function runOptions(channel: NotificationChannel, policy: EscalationPolicy): EscalationRun {
  return {
    store,
    channelForTier: () => channel,
    policy,
    siteTimeZone: 'Australia/Melbourne',
    acknowledgeUrl: 'https://alarms.example.com',
    now: () => clock.now,
  };
}

const outboxIds = async () => (await readOutbox(outboxPath)).map((entry) => entry.notificationId.slice(ALARM_ID.length));
const step = (kind: string, window: number, from: string, to: string, tier: number) =>
  `/step/${kind}/PZ-1@${T0 + window * 10_000}:${from}-${to}/t${tier}`;

async function audit() {
  const rows = await local.rows<{ actor: string; action: string; detail: { notificationId?: string } }>(
    'SELECT actor, action, detail FROM alarm_audit WHERE alarm_id IS NOT NULL ORDER BY audit_id',
  );
  return rows.map((r) => `${r.actor}:${r.action}${r.detail.notificationId ? ` ${r.detail.notificationId.slice(ALARM_ID.length)}` : ''}`);
}

function escalationSuite(engine: Engine) {
  withEngine(engine);

  it('follows the lifecycle on a controlled clock, each notification sent once: open, tier 2, acknowledge, Action, re-acknowledge, clear', async () => {
    await store.putResponsePlanRules(SHORT_PLANS, 'u-lead');
    await pipeline.lambdaWindow(OPENING);
    expect(await escalate()).toMatchObject({ due: 1, sent: 1, failed: 0 });
    expect(await escalate()).toMatchObject({ due: 0, sent: 0 });

    // Tier 2 after the Alarm limit (2 min), invoked twice for the same minute, at once.
    clock.now = FOUND + 2 * MINUTE - 1;
    expect(await escalate()).toMatchObject({ due: 0 });
    clock.now = FOUND + 2 * MINUTE;
    const twice = await Promise.all([escalate(), escalate()]);
    expect(twice[0].sent + twice[1].sent).toBe(1);

    clock.now = FOUND + 3 * MINUTE;
    const ack = { by: 'u-1', byName: 'engineer@example.com', at: clock.now, note: 'Dewatering pump tripped; restarted', response: null };
    expect(await store.acknowledge(ALARM_ID, ack)).toMatchObject({ outcome: 'acknowledged', acknowledgement: { level: 'alarm' } });
    // Tier 3 would be due at 4 min; acknowledged, nothing escalates.
    clock.now = FOUND + 5 * MINUTE;
    expect(await escalate()).toMatchObject({ due: 0 });

    // Windows 9-10 at +80 kPa: Action at window 10, found now; it needs acknowledging again.
    await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [180, 180, 180], 9));
    expect((await store.getAlarm(ALARM_ID))!.alarm).toMatchObject({ level: 'action', pending: { level: 'action', since: clock.now } });
    expect(await escalate()).toMatchObject({ due: 1, sent: 1 });
    clock.now = FOUND + 6 * MINUTE;
    expect(await Promise.all([escalate(), escalate()]).then(([a, b]) => a.sent + b.sent)).toBe(1);
    const reAck = { ...ack, at: FOUND + 6 * MINUTE + 30_000, note: 'Works stopped at the shaft' };
    expect(await store.acknowledge(ALARM_ID, reAck)).toMatchObject({ outcome: 'acknowledged', acknowledgement: { level: 'action' } });
    clock.now = FOUND + 8 * MINUTE;
    expect(await escalate()).toMatchObject({ due: 0 });

    // Back to normal at window 12: the clear goes to every tier notified (1 and 2).
    await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [100, 100, 100], 12));
    expect(await escalate()).toMatchObject({ due: 2, sent: 2 });
    expect(await escalate()).toMatchObject({ due: 0, alarms: 1 });
    // Nothing left to send for the cleared alarm: no longer read every run.
    expect(await escalate()).toMatchObject({ alarms: 0 });

    const expected = [
      step('opened', 6, 'normal', 'alarm', 1),
      '/tier/alarm/t2',
      step('escalated', 10, 'alarm', 'action', 1),
      '/tier/action/t2',
      step('cleared', 12, 'action', 'normal', 1),
      step('cleared', 12, 'action', 'normal', 2),
    ];
    expect(await outboxIds()).toEqual(expected);
    const detail = (await store.getAlarm(ALARM_ID))!;
    expect(detail.alarm).toMatchObject({ state: 'cleared', level: 'action', peakLevel: 'action', clearedAt: T0 + 120_000, pending: null });
    expect(detail.alarm.acknowledgements.map((a) => [a.level, a.note])).toEqual([
      ['alarm', 'Dewatering pump tripped; restarted'],
      ['action', 'Works stopped at the shaft'],
    ]);
    expect(detail.notifications.map((n) => [n.notificationId.slice(ALARM_ID.length), n.state, n.attempts])).toEqual(
      expected.map((id) => [id, 'sent', 1]),
    );
    expect(await audit()).toEqual([
      'pipeline:opened',
      `escalation:notified ${expected[0]}`,
      `escalation:notified ${expected[1]}`,
      'u-1:acknowledged',
      'pipeline:escalated',
      `escalation:notified ${expected[2]}`,
      `escalation:notified ${expected[3]}`,
      'u-1:acknowledged',
      'pipeline:cleared',
      `escalation:notified ${expected[4]}`,
      `escalation:notified ${expected[5]}`,
    ]);
    const plans = await local.rows<{ actor: string; action: string }>('SELECT actor, action FROM alarm_audit WHERE alarm_id IS NULL');
    expect(plans).toEqual([
      { actor: 'u-lead', action: 'plan-changed' },
      { actor: 'u-lead', action: 'plan-changed' },
    ]);
    const [tier2] = await readOutbox(outboxPath).then((entries) => entries.filter((e) => e.kind === 'tier'));
    expect(tier2).toMatchObject({ tier: 2, level: 'alarm', instrumentId: 'PZ-1', instrumentType: 'piezometer' });
    expect(tier2!.body).toContain('Notify the designer');
    expect(tier2!.body).toContain(`https://alarms.example.com/alarms/${encodeURIComponent(ALARM_ID)}`);

    // The batch processor replays every window: no step, no notification.
    await pipeline.lambdaWindow([
      ...OPENING,
      ...piezometerWindows('PZ-1', T0, [180, 180, 180], 9),
      ...piezometerWindows('PZ-1', T0, [100, 100, 100], 12),
    ]);
    expect((await store.getAlarm(ALARM_ID))!.alarm.history).toHaveLength(3);
    expect(await escalate()).toMatchObject({ alarms: 0, due: 0 });
    expect(await outboxIds()).toEqual(expected);
  });

  it('sends nothing twice when the batch processor replays the windows that opened the alarm before anything was sent', async () => {
    await pipeline.lambdaWindow(OPENING);
    await pipeline.lambdaWindow(OPENING);
    clock.now += MINUTE;
    await pipeline.lambdaWindow(OPENING);
    expect((await store.getAlarm(ALARM_ID))!.alarm).toMatchObject({ foundAt: FOUND, history: [{ kind: 'opened' }] });
    expect(await escalate()).toMatchObject({ due: 1, sent: 1 });
    expect(await outboxIds()).toEqual([step('opened', 6, 'normal', 'alarm', 1)]);
  });

  it('writes a notification whose channel failed after publishing once: the retry finds it in the outbox file', async () => {
    await pipeline.lambdaWindow(OPENING);
    const outbox = new OutboxFileChannel(outboxPath);
    const failsAfterPublishing: NotificationChannel = {
      name: outbox.name,
      send: async (message) => {
        await outbox.send(message);
        throw new Error('connection reset after the publish');
      },
    };
    expect(await escalate(failsAfterPublishing)).toMatchObject({ due: 1, sent: 0, failed: 1, abandoned: 0 });
    // A failed attempt is claimed again on the next run; a new channel on the same file sees the id already written.
    expect(await escalate(new OutboxFileChannel(outboxPath))).toMatchObject({ due: 1, sent: 1 });
    expect(await outboxIds()).toEqual([step('opened', 6, 'normal', 'alarm', 1)]);
    const [notification] = (await store.getAlarm(ALARM_ID))!.notifications;
    expect(notification).toMatchObject({ state: 'sent', attempts: 2, messageId: (await readOutbox(outboxPath))[0]!.messageId });
    expect(await audit()).toEqual([
      'pipeline:opened',
      `escalation:notification-failed ${step('opened', 6, 'normal', 'alarm', 1)}`,
      `escalation:notified ${step('opened', 6, 'normal', 'alarm', 1)}`,
    ]);
  });

  it('claims a notification again after its lease when the run died between publishing and recording', async () => {
    await pipeline.lambdaWindow(OPENING);
    // The function dies (a timeout, a crash) after the publish, before the outcome is recorded.
    const dies: AlarmStore = Object.assign(Object.create(store) as AlarmStore, {
      recordSent: async () => {
        throw new Error('Task timed out after 60.00 seconds');
      },
    });
    await expect(runEscalation({ ...runOptions(new OutboxFileChannel(outboxPath), NO_REMINDERS), store: dies })).rejects.toThrow(
      'Task timed out',
    );
    expect(await outboxIds()).toEqual([step('opened', 6, 'normal', 'alarm', 1)]);
    // Still claimed: a run within the lease sends nothing.
    clock.now = FOUND + 4 * MINUTE;
    expect(await escalate()).toMatchObject({ due: 0, sent: 0 });
    clock.now = FOUND + 5 * MINUTE;
    expect(await escalate()).toMatchObject({ due: 1, sent: 1 });
    expect(await outboxIds()).toEqual([step('opened', 6, 'normal', 'alarm', 1)]);
    expect((await store.getAlarm(ALARM_ID))!.notifications).toMatchObject([{ state: 'sent', attempts: 2 }]);
  });

  it('retries a failing channel on each run, then abandons the notification and counts it', async () => {
    await pipeline.lambdaWindow(OPENING);
    const failing: NotificationChannel = {
      name: 'sns:tier-1-stand-in',
      send: async () => {
        throw new Error('KMSAccessDenied: the topic key refused the publish');
      },
    };
    const counted: Array<[string, number]> = [];
    const metrics = {
      addMetric: (name: string, _unit: string, value: number) => void counted.push([name, value]),
      publishStoredMetrics: () => undefined,
    } as unknown as MetricsPublisher;
    const logged: string[] = [];
    const handler = createEscalationHandler({
      ...runOptions(failing, NO_REMINDERS),
      logger: { info: (m: string) => void logged.push(m), warn: (m: string) => void logged.push(m) } as never,
      metrics,
    });
    const outcomes = [];
    for (let run = 1; run <= NOTIFICATION_ATTEMPTS + 1; run++) {
      outcomes.push(await handler({}));
      clock.now += MINUTE;
    }
    expect(outcomes.map((o) => [o.failed, o.abandoned])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    expect(counted.filter(([name]) => name === 'NotificationsFailed').map(([, n]) => n)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(counted.filter(([name]) => name === 'NotificationsAbandoned').map(([, n]) => n)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(logged.slice(0, 5)).toEqual(Array(5).fill('notifications failed'));
    const { notifications, audit: rows } = (await store.getAlarm(ALARM_ID))!;
    expect(notifications).toMatchObject([
      {
        state: 'abandoned',
        attempts: NOTIFICATION_ATTEMPTS,
        channel: 'sns:tier-1-stand-in',
        error: expect.stringContaining('KMSAccessDenied'),
      },
    ]);
    const failures = rows.filter((r) => r.action === 'notification-failed');
    expect(failures.map((r) => [r.detail.attempt, r.detail.abandoned])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ]);
  });

  it('reminds while unacknowledged at the latest interval only, leaving no backlog after an outage', async () => {
    await pipeline.lambdaWindow(OPENING);
    const policy = { tiers: 2, reminderIntervalMinutes: 10 };
    const channel = new OutboxFileChannel(outboxPath);
    await escalate(channel, policy);
    clock.now = FOUND + 10 * MINUTE;
    expect(await escalate(channel, policy)).toMatchObject({ sent: 1 });
    // No run from 11 to 44 minutes: at 45 only the latest reminder (4) is sent. Tier 2 is not due before the Alarm limit, 60 min.
    clock.now = FOUND + 45 * MINUTE;
    expect(await escalate(channel, policy)).toMatchObject({ sent: 1 });
    expect(await outboxIds()).toEqual([step('opened', 6, 'normal', 'alarm', 1), '/reminder/alarm/1/t1', '/reminder/alarm/4/t1']);
  });

  it('applies the withdrawal of the changes that opened and cleared an alarm, and opens a new one when they are found again', async () => {
    // Alarm at window 6 and back to normal at 7; then a late reading in window 5 brings its mean to 100 kPa,
    // so window 6 alone was a spike: both changes are withdrawn.
    await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [100, 100, 100, 100, 100, 160, 160, 100, 100]));
    expect(await escalate()).toMatchObject({ sent: 2 });
    clock.now += MINUTE;
    await pipeline.lambdaWindow([{ ...piezometerWindows('PZ-1', T0, [40], 5)[0]!, observedAt: T0 + 55_000 }], clock.now);
    const detail = (await store.getAlarm(ALARM_ID))!;
    expect(detail.alarm.history.map((s) => [s.kind, s.level, s.change.changeKey.split(':')[1]])).toEqual([
      ['opened', 'alarm', 'normal-alarm'],
      ['cleared', 'normal', 'alarm-normal'],
      ['withdrawn', 'normal', 'normal-alarm'],
      ['withdrawn', 'normal', 'alarm-normal'],
    ]);
    expect(detail.alarm.state).toBe('cleared');
    expect(await escalate()).toMatchObject({ sent: 2 });
    expect(await outboxIds()).toEqual([
      step('opened', 6, 'normal', 'alarm', 1),
      step('cleared', 7, 'alarm', 'normal', 1),
      step('withdrawn', 6, 'normal', 'alarm', 1),
      step('withdrawn', 7, 'alarm', 'normal', 1),
    ]);
    expect((await audit()).filter((a) => a.startsWith('pipeline:'))).toEqual([
      'pipeline:opened',
      'pipeline:cleared',
      'pipeline:withdrawn',
      'pipeline:withdrawn',
    ]);
    // Applied once: the next close finds nothing to apply.
    expect(await local.rows('SELECT count(*)::int AS n FROM trigger_events WHERE withdrawal_applied_at IS NULL')).toEqual([{ n: 0 }]);

    // Another late reading brings window 5 back to 160 kPa: both changes are found again, and make a new alarm.
    clock.now += MINUTE;
    await pipeline.lambdaWindow([{ ...piezometerWindows('PZ-1', T0, [280], 5)[0]!, observedAt: T0 + 57_000 }], clock.now);
    const { alarms } = await store.listAlarms({ instrumentId: 'PZ-1' });
    expect(alarms.map((a) => [a.alarmId, a.state, a.history.map((s) => s.kind)])).toEqual([
      [`${ALARM_ID}~2`, 'cleared', ['opened', 'cleared']],
      [ALARM_ID, 'cleared', ['opened', 'cleared', 'withdrawn', 'withdrawn']],
    ]);
    expect(alarms[0]!.history[0]!.change).toMatchObject({ changeKey: `PZ-1@${T0 + 60_000}:normal-alarm~restored-1`, mean: 160 });
    expect(await escalate()).toMatchObject({ sent: 2 });
    expect(await escalate()).toMatchObject({ due: 0 });
  });
}

describe('escalation over the alarm store (local Data API over PGlite)', () => escalationSuite('pglite'));
describeWithPostgres('escalation over the alarm store (local Data API over a real PostgreSQL server)', () => escalationSuite('postgres'));
