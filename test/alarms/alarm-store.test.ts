import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, InvalidCursorError, type AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import type { DueNotification } from '../../lambdas/domain/escalation.js';
import type { ResponsePlanRule } from '../../lambdas/domain/response-plans.js';
import { BatchPipeline, piezometerWindows } from '../support/alarm-pipeline.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const MINUTE = 60_000;
/** Baseline 100 kPa from windows 0-4, then +60 kPa from window 5: Alarm confirmed at window 6; the last window completes the one before. */
const TO_ALARM = [100, 100, 100, 100, 100, 160, 160, 160, 160];
const alarmIdOf = (instrumentId: string, start: number) => `${instrumentId}@${new Date(start + 6 * 10_000).toISOString()}`;

let local: LocalBatchDatabase;
const clock = { now: T0 + 10 * MINUTE };
let pipeline: BatchPipeline;
let store: AlarmStore;

function withEngine(engine: Engine) {
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(() => {
    clock.now = T0 + 10 * MINUTE;
    pipeline = new BatchPipeline(local.db, clock);
    store = pipeline.alarmStore();
  });
  afterEach(async () => {
    await local.rows(CLEAR_BATCH_STORE);
  });
}

function due(alarmId: string, overrides: Partial<DueNotification> = {}): DueNotification {
  return {
    notificationId: `${alarmId}/test/t1`,
    alarmId,
    kind: 'opened',
    tier: 1,
    level: 'alarm',
    dueAt: clock.now,
    step: null,
    ...overrides,
  };
}

const auditActions = async () =>
  (await local.rows<{ action: string; actor: string }>('SELECT action, actor FROM alarm_audit ORDER BY audit_id')).map(
    (r) => `${r.actor}:${r.action}`,
  );

function alarmStoreSuite(engine: Engine) {
  withEngine(engine);

  it('opens an alarm from a confirmed change, found at the clock’s time, with its step and an audit row', async () => {
    await pipeline.lambdaWindow(piezometerWindows('PZ-A', T0, TO_ALARM));
    const detail = await store.getAlarm(alarmIdOf('PZ-A', T0));
    expect(detail?.alarm).toMatchObject({
      instrumentId: 'PZ-A',
      instrumentType: 'piezometer',
      unit: 'kPa',
      state: 'open',
      level: 'alarm',
      peakLevel: 'alarm',
      openedAt: T0 + 60_000,
      foundAt: clock.now,
      clearedAt: null,
      pending: { level: 'alarm', since: clock.now },
      acknowledgements: [],
    });
    expect(detail!.alarm.history.map((s) => [s.kind, s.level, s.change.mean, s.change.change])).toEqual([['opened', 'alarm', 160, 60]]);
    expect(detail!.audit).toMatchObject([
      { actor: 'pipeline', action: 'opened', at: clock.now, detail: { level: 'alarm', from: 'normal', to: 'alarm', mean: 160 } },
    ]);
    expect(await store.getAlarm('PZ-A@nowhere')).toBeNull();
    expect(await store.alarmsNeedingNotification()).toEqual([detail!.alarm]);
  });

  it('acknowledges under the plan of the pending level, once, refusing an empty note where the plan needs one', async () => {
    await pipeline.lambdaWindow(piezometerWindows('PZ-A', T0, TO_ALARM));
    const id = alarmIdOf('PZ-A', T0);
    const request = { by: 'u-1', byName: 'engineer@example.com', at: clock.now + MINUTE, note: 'Checked the dewatering', response: null };
    expect(await store.acknowledge('PZ-B@nowhere', request)).toBe('not-found');
    // The default plan for Alarm needs a note.
    expect(await store.acknowledge(id, { ...request, note: '   ' })).toMatchObject({ outcome: 'rejected', problem: 'note-required' });
    expect((await store.getAlarm(id))!.alarm.acknowledgements).toEqual([]);
    expect(await auditActions()).toEqual(['pipeline:opened']);

    const done = await store.acknowledge(id, request);
    expect(done).toMatchObject({ outcome: 'acknowledged', acknowledgement: { by: 'u-1', level: 'alarm', note: 'Checked the dewatering' } });
    const again = await store.acknowledge(id, { ...request, by: 'u-2', at: clock.now + 2 * MINUTE });
    expect(again).toMatchObject({ outcome: 'already-acknowledged', acknowledgement: { by: 'u-1' } });
    const detail = (await store.getAlarm(id))!;
    expect(detail.alarm.pending).toBeNull();
    expect(detail.alarm.acknowledgements).toEqual([
      { by: 'u-1', byName: 'engineer@example.com', at: clock.now + MINUTE, level: 'alarm', note: 'Checked the dewatering', response: null },
    ]);
    expect(detail.audit.at(-1)).toMatchObject({
      actor: 'u-1',
      action: 'acknowledged',
      detail: {
        byName: 'engineer@example.com',
        level: 'alarm',
        note: 'Checked the dewatering',
        plan: { limitMinutes: 60, source: 'default' },
      },
    });
    expect(await auditActions()).toEqual(['pipeline:opened', 'u-1:acknowledged']);
  });

  it('lists alarms newest first, filtered by state, level, type, instrument and time, a page at a time', async () => {
    // PZ-1 opens first and clears; PZ-2 and PZ-3 open later and stay open.
    await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [...TO_ALARM.slice(0, 8), 100, 100]));
    await pipeline.lambdaWindow(piezometerWindows('PZ-2', T0 + 5 * MINUTE, TO_ALARM));
    await pipeline.lambdaWindow(piezometerWindows('PZ-3', T0 + 10 * MINUTE, [100, 100, 100, 100, 100, 140, 140, 140, 140]));
    const ids = async (filter: Parameters<AlarmStore['listAlarms']>[0]) =>
      (await store.listAlarms(filter)).alarms.map((a) => a.instrumentId);
    expect(await ids({})).toEqual(['PZ-3', 'PZ-2', 'PZ-1']);
    expect(await ids({ state: 'open' })).toEqual(['PZ-3', 'PZ-2']);
    expect(await ids({ state: 'cleared' })).toEqual(['PZ-1']);
    expect(await ids({ level: 'alert' })).toEqual(['PZ-3']);
    expect(await ids({ instrumentType: 'piezometer', instrumentId: 'PZ-2' })).toEqual(['PZ-2']);
    expect(await ids({ instrumentType: 'extensometer' })).toEqual([]);
    // In force during [T0 + 3 min, T0 + 7 min): PZ-1 cleared at T0 + 80 s, PZ-2 opened at T0 + 6 min, PZ-3 at T0 + 11 min.
    expect(await ids({ from: T0 + 3 * MINUTE, to: T0 + 7 * MINUTE })).toEqual(['PZ-2']);
    expect(await ids({ from: T0 + 3 * MINUTE, to: T0 + 6 * MINUTE })).toEqual([]);
    expect(await ids({ to: T0 + 2 * MINUTE })).toEqual(['PZ-1']);

    const first = await store.listAlarms({}, { limit: 2 });
    expect(first.alarms.map((a) => a.instrumentId)).toEqual(['PZ-3', 'PZ-2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await store.listAlarms({}, { limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({ alarms: [expect.objectContaining({ instrumentId: 'PZ-1', state: 'cleared' })], nextCursor: null });
    await expect(store.listAlarms({}, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('replaces the response plans, auditing each rule added, changed or removed', async () => {
    const alarm: ResponsePlanRule = {
      scope: { kind: 'default' },
      level: 'alarm',
      entry: { response: 'Notify the designer', limitMinutes: 1, noteRequired: true },
    };
    const own: ResponsePlanRule = {
      scope: { kind: 'instrument', instrumentId: 'PZ-7' },
      level: 'action',
      entry: { response: 'Stop the pump test', limitMinutes: 5, noteRequired: true },
    };
    const typed: ResponsePlanRule = {
      scope: { kind: 'type', instrumentType: 'settlement_marker' },
      level: 'alert',
      entry: { response: 'Survey the marker again', limitMinutes: 120, noteRequired: false },
    };
    expect(await store.putResponsePlanRules([alarm, own], 'u-1')).toEqual({ changed: 2 });
    expect(await store.putResponsePlanRules([own, alarm], 'u-1')).toEqual({ changed: 0 });
    const changed = { ...alarm, entry: { ...alarm.entry, limitMinutes: 30 } };
    expect(await store.putResponsePlanRules([changed, typed], 'u-2')).toEqual({ changed: 3 });
    expect(await store.responsePlanRules()).toEqual([changed, typed]);
    const audit = await local.rows<{ actor: string; action: string; alarm_id: string | null; detail: Record<string, unknown> }>(
      'SELECT actor, action, alarm_id, detail FROM alarm_audit ORDER BY audit_id',
    );
    expect(audit.map((r) => [r.actor, r.action, r.alarm_id])).toEqual([
      ['u-1', 'plan-changed', null],
      ['u-1', 'plan-changed', null],
      ['u-2', 'plan-changed', null],
      ['u-2', 'plan-changed', null],
      ['u-2', 'plan-changed', null],
    ]);
    expect(audit[2]!.detail).toEqual({ scope: { kind: 'default' }, level: 'alarm', before: alarm.entry, after: changed.entry });
    expect(audit.map((r) => r.detail)).toContainEqual({ scope: own.scope, level: 'action', before: own.entry, after: null });
    await expect(store.putResponsePlanRules([alarm, changed], 'u-1')).rejects.toThrow(
      'two response plan rules for every instrument at alarm',
    );
  });

  it('claims a notification once, takes a failed one or an expired claim again, and records each outcome', async () => {
    await pipeline.lambdaWindow(piezometerWindows('PZ-A', T0, TO_ALARM));
    const id = alarmIdOf('PZ-A', T0);
    const first = due(id);
    expect(await store.claim(first)).toBe(true);
    expect(await store.claim(first)).toBe(false);
    expect(await store.claimedIds([id])).toEqual(new Set([first.notificationId]));
    expect(await store.recordFailed(first.notificationId, 'outbox:test', 'connection reset')).toBe('failed');
    expect(await store.claimedIds([id])).toEqual(new Set());
    expect(await store.claim(first)).toBe(true);
    await store.recordSent(first.notificationId, 'outbox:test', 'm-1');
    expect(await store.claim(first)).toBe(false);

    const second = due(id, { notificationId: `${id}/test/t2`, tier: 2, kind: 'tier' });
    expect(await store.claim(second)).toBe(true);
    clock.now += CLAIM_LEASE_MS - 1;
    expect(await store.claimedIds([id])).toEqual(new Set([first.notificationId, second.notificationId]));
    expect(await store.claim(second)).toBe(false);
    clock.now += 1;
    expect(await store.claimedIds([id])).toEqual(new Set([first.notificationId]));
    expect(await store.claim(second)).toBe(true);

    const { notifications, audit } = (await store.getAlarm(id))!;
    expect(notifications).toMatchObject([
      { notificationId: first.notificationId, state: 'sent', attempts: 2, channel: 'outbox:test', messageId: 'm-1', error: null },
      { notificationId: second.notificationId, state: 'sending', attempts: 2, tier: 2, kind: 'tier' },
    ]);
    expect(audit.slice(1).map((a) => [a.actor, a.action, a.detail.attempt])).toEqual([
      ['escalation', 'notification-failed', 1],
      ['escalation', 'notified', 2],
    ]);
    expect(audit[1]!.detail).toMatchObject({ error: 'connection reset', abandoned: false, channel: 'outbox:test', tier: 1 });
  });

  it('lists an alarm’s notifications in the order they fell due and were claimed, not by their ids', async () => {
    await pipeline.lambdaWindow(piezometerWindows('PZ-A', T0, TO_ALARM));
    const id = alarmIdOf('PZ-A', T0);
    // Steps found in one window close fall due together; the sender claims them in history order.
    const opened = due(id, { notificationId: `${id}/step/opened/a/t1`, kind: 'opened' });
    const escalated = due(id, { notificationId: `${id}/step/escalated/b/t1`, kind: 'escalated', dueAt: opened.dueAt });
    expect(await store.claim(opened)).toBe(true);
    clock.now += 1;
    expect(await store.claim(escalated)).toBe(true);
    const { notifications } = (await store.getAlarm(id))!;
    expect(notifications.map((n) => n.kind)).toEqual(['opened', 'escalated']);
  });

  it('keeps the audit append-only: the database refuses UPDATE and DELETE of its rows', async () => {
    await pipeline.lambdaWindow(piezometerWindows('PZ-A', T0, TO_ALARM));
    await expect(local.db.execute("UPDATE alarm_audit SET actor = 'someone else'")).rejects.toThrow(/alarm_audit is append-only: UPDATE/);
    await expect(local.db.execute('DELETE FROM alarm_audit')).rejects.toThrow(/alarm_audit is append-only: DELETE/);
    expect(await auditActions()).toEqual(['pipeline:opened']);
  });
}

describe('alarm store (local Data API over PGlite)', () => alarmStoreSuite('pglite'));
describeWithPostgres('alarm store (local Data API over a real PostgreSQL server)', () => alarmStoreSuite('postgres'));
