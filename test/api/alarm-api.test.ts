import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { runEscalation } from '../../lambdas/alarms/escalation.js';
import { OutboxFileChannel } from '../../lambdas/alarms/notification-channels.js';
import type { Problem } from '../../lambdas/api/problems.js';
import type {
  AcknowledgeResponse,
  AlarmDetailResponse,
  AlarmListResponse,
  ResponsePlanRuleView,
  ResponsePlansResponse,
} from '../../lambdas/api/views.js';
import { DEFAULT_ESCALATION_POLICY } from '../../lambdas/domain/escalation.js';
import { DEFAULT_RESPONSE_PLAN } from '../../lambdas/domain/response-plans.js';
import { LocalSignIn, loadOrCreateSigningKey } from '../../local/api/sign-in.js';
import { BatchPipeline, piezometerWindows } from '../support/alarm-pipeline.js';
import { SITE_TIME_ZONE, startTestAlarmApi, type TestAlarmApi } from '../support/alarm-api.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';

/**
 * The alarm API over real HTTP: the local server (the HTTP API and its JWT authorizer stood
 * in for, with the sign-in stand-in) in front of the API handler, on the alarm store over
 * the local Data API and PGlite. Alarms come from readings through the real batch
 * processor. T0 is 2026-02-01 00:00 UTC, 11:00 AEDT (UTC+11) on the site's clock.
 */
const T0 = Date.parse('2026-02-01T00:00:00Z');
const MINUTE = 60_000;
/** Baseline 100 kPa from windows 0-4, then +60 kPa: Alarm confirmed in window 6 (the default piezometer rule). */
const TO_ALARM = [100, 100, 100, 100, 100, 160, 160, 160, 160];
/** +40 kPa: Alert. */
const TO_ALERT = [100, 100, 100, 100, 100, 140, 140, 140, 140];
/** Found (processing time) at T0 + 20 min. */
const FOUND = T0 + 20 * MINUTE;
const openedAt = (start: number) => start + 6 * 10_000;
const idOf = (instrumentId: string, start: number) => `${instrumentId}@${new Date(openedAt(start)).toISOString()}`;
/** PZ-1 opens at Alarm and clears; PZ-2 opens at Alarm 5 minutes later; PZ-3 at Alert 5 minutes after that. */
const PZ1 = idOf('PZ-1', T0);
const PZ2 = idOf('PZ-2', T0 + 5 * MINUTE);
const PZ3 = idOf('PZ-3', T0 + 10 * MINUTE);

let local: LocalBatchDatabase;
let store: AlarmStore;
let api: TestAlarmApi;
const clock = { now: FOUND };

beforeAll(async () => {
  local = await startLocalBatchDatabase('pglite');
  store = new BatchPipeline(local.db, clock).alarmStore();
  api = await startTestAlarmApi({
    store,
    now: () => clock.now,
    extraUsers: [{ username: 'outsider', password: 'local-outsider', groups: ['contractors'], sub: 'outsider-sub' }],
  });
});
afterAll(async () => {
  await api?.close();
  await local?.close();
});
beforeEach(async () => {
  clock.now = FOUND;
  const pipeline = new BatchPipeline(local.db, clock);
  await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [...TO_ALARM.slice(0, 8), 100, 100]));
  await pipeline.lambdaWindow(piezometerWindows('PZ-2', T0 + 5 * MINUTE, TO_ALARM));
  await pipeline.lambdaWindow(piezometerWindows('PZ-3', T0 + 10 * MINUTE, TO_ALERT));
  clock.now = FOUND + 5 * MINUTE;
});
afterEach(async () => {
  await local.rows('TRUNCATE alarm_notifications, alarm_acknowledgements, alarm_steps, alarm_audit, response_plans, alarms CASCADE');
  await local.rows(CLEAR_BATCH_STORE);
});

async function call(
  username: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; json: unknown }> {
  const token = username === null ? undefined : await api.tokenFor(username);
  const response = await fetch(`${api.server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

const path = (alarmId: string, suffix = '') => `/alarms/${encodeURIComponent(alarmId)}${suffix}`;
const problemOf = (answer: { json: unknown }) => answer.json as Problem;

/** What the database holds of acknowledgements and the audit: what a refused request must leave as it was. */
async function recorded(): Promise<{ acknowledgements: number; audit: string[]; pending: Record<string, string | null> }> {
  const [acks] = await local.rows<{ n: number }>('SELECT count(*)::int AS n FROM alarm_acknowledgements');
  const audit = await local.rows<{ entry: string }>("SELECT actor || ':' || action AS entry FROM alarm_audit ORDER BY audit_id");
  const alarms = await local.rows<{ alarm_id: string; pending_level: string | null }>(
    'SELECT alarm_id, pending_level FROM alarms ORDER BY alarm_id',
  );
  return {
    acknowledgements: acks!.n,
    audit: audit.map((row) => row.entry),
    pending: Object.fromEntries(alarms.map((row) => [row.alarm_id, row.pending_level])),
  };
}

function expectProblem(
  answer: { status: number; contentType: string | null; json: unknown },
  status: number,
  kind: string,
  detail: RegExp,
) {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toBe('application/problem+json');
  expect(answer.json).toMatchObject({
    type: `urn:geotech:problem:${kind}`,
    status,
    title: expect.any(String),
    detail: expect.stringMatching(detail),
  });
}

describe('alarm API over HTTP, on the alarm store (local Data API over PGlite)', () => {
  it('lists alarms newest first with their times on the site clock, what waits for an acknowledgement and by when', async () => {
    const answer = await call('viewer', 'GET', '/alarms');
    expect(answer.status).toBe(200);
    const list = answer.json as AlarmListResponse;
    expect(list.siteTimeZone).toBe(SITE_TIME_ZONE);
    expect(list.nextCursor).toBeNull();
    expect(list.alarms.map((alarm) => alarm.alarmId)).toEqual([PZ3, PZ2, PZ1]);
    expect(list.alarms[1]).toEqual({
      alarmId: PZ2,
      instrumentId: 'PZ-2',
      instrumentType: 'piezometer',
      unit: 'kPa',
      state: 'open',
      level: 'alarm',
      peakLevel: 'alarm',
      openedAt: '2026-02-01T00:06:00.000Z',
      openedAtSite: '2026-02-01T11:06:00+11:00',
      foundAt: '2026-02-01T00:20:00.000Z',
      clearedAt: null,
      clearedAtSite: null,
      needsAcknowledgement: true,
      // The default plan gives Alarm 60 minutes from when it was found.
      pending: {
        level: 'alarm',
        since: '2026-02-01T00:20:00.000Z',
        sinceSite: '2026-02-01T11:20:00+11:00',
        acknowledgeBy: '2026-02-01T01:20:00.000Z',
        acknowledgeBySite: '2026-02-01T12:20:00+11:00',
        overdue: false,
      },
      lastAcknowledgement: null,
      links: { self: `/alarms/${encodeURIComponent(PZ2)}`, acknowledge: `/alarms/${encodeURIComponent(PZ2)}/acknowledge` },
    });
    // Cleared, yet still waiting: clearing does not acknowledge.
    expect(list.alarms[2]).toMatchObject({
      state: 'cleared',
      clearedAt: '2026-02-01T00:01:20.000Z',
      clearedAtSite: '2026-02-01T11:01:20+11:00',
      pending: { level: 'alarm' },
    });
    // Alert: 24 hours.
    expect(list.alarms[0]!.pending).toMatchObject({ level: 'alert', acknowledgeBy: '2026-02-02T00:20:00.000Z' });

    clock.now = FOUND + 61 * MINUTE;
    const later = (await call('viewer', 'GET', '/alarms')).json as AlarmListResponse;
    expect(later.alarms.map((alarm) => alarm.pending?.overdue)).toEqual([false, true, true]);
  });

  it('filters by state, level, type, instrument and period (instants or site days), and pages with the cursor', async () => {
    const ids = async (query: string) =>
      ((await call('viewer', 'GET', `/alarms?${query}`)).json as AlarmListResponse).alarms.map((a) => a.instrumentId);
    expect(await ids('state=open')).toEqual(['PZ-3', 'PZ-2']);
    expect(await ids('state=cleared')).toEqual(['PZ-1']);
    expect(await ids('level=alarm')).toEqual(['PZ-2', 'PZ-1']);
    expect(await ids('state=open&level=alarm')).toEqual(['PZ-2']);
    expect(await ids('type=piezometer&instrument=PZ-3')).toEqual(['PZ-3']);
    expect(await ids('type=extensometer')).toEqual([]);
    // In force some time in [00:03, 00:07) UTC: PZ-1 had cleared at 00:01:20, PZ-2 opened at 00:06, PZ-3 at 00:11.
    expect(await ids(`from=${encodeURIComponent('2026-02-01T00:03:00Z')}&to=${encodeURIComponent('2026-02-01T11:07:00+11:00')}`)).toEqual([
      'PZ-2',
    ]);
    // 1 February on the site clock is 2026-01-31T13:00Z to 2026-02-01T13:00Z; 31 January ends before any alarm.
    expect(await ids('from=2026-02-01&to=2026-02-01')).toEqual(['PZ-3', 'PZ-2', 'PZ-1']);
    expect(await ids('to=2026-01-31')).toEqual([]);

    const first = (await call('viewer', 'GET', '/alarms?limit=2')).json as AlarmListResponse;
    expect(first.alarms.map((a) => a.instrumentId)).toEqual(['PZ-3', 'PZ-2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await call('viewer', 'GET', `/alarms?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`))
      .json as AlarmListResponse;
    expect(second.alarms.map((a) => a.instrumentId)).toEqual(['PZ-1']);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a bad filter with 400 naming each parameter at fault, and a cursor it did not give', async () => {
    const bad = await call('viewer', 'GET', '/alarms?level=severe&limit=0&colour=red&from=yesterday');
    expectProblem(bad, 400, 'invalid-request', /^the alarm filter: /);
    expect(problemOf(bad).instance).toBe('/alarms');
    expect(problemOf(bad).errors).toEqual([
      { field: 'query.level', problem: 'must be one of alert, alarm, action' },
      {
        field: 'query.from',
        problem: 'must be an ISO 8601 date-time with its offset (2026-11-22T08:30:00Z) or a date (2026-11-22, a day of the site)',
      },
      { field: 'query.limit', problem: 'must be a whole number from 1 to 200' },
      { field: 'query.colour', problem: 'unknown parameter; the parameters are state, level, type, from, to, instrument, cursor, limit' },
    ]);
    const backwards = await call('viewer', 'GET', '/alarms?from=2026-02-02&to=2026-02-01');
    expect(problemOf(backwards).errors).toEqual([{ field: 'query.to', problem: 'must be after from' }]);
    const cursor = await call('viewer', 'GET', '/alarms?cursor=not-ours');
    expectProblem(cursor, 400, 'invalid-request', /the cursor is not one this API gave/);
    expect(problemOf(cursor).errors).toEqual([{ field: 'query.cursor', problem: 'is not a cursor this API gave' }]);
  });

  it('shows one alarm with its history, response plan, escalation clock, notifications and audit', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'alarm-api-outbox-'));
    try {
      const outbox = new OutboxFileChannel(join(scratch, 'outbox.jsonl'));
      const run = await runEscalation({
        store,
        channelForTier: () => outbox,
        policy: DEFAULT_ESCALATION_POLICY,
        siteTimeZone: SITE_TIME_ZONE,
        acknowledgeUrl: api.server.url,
        now: () => clock.now,
      });
      expect(run.sent).toBeGreaterThan(0);
      const answer = await call('viewer', 'GET', path(PZ2));
      expect(answer.status).toBe(200);
      const { alarm, siteTimeZone } = answer.json as AlarmDetailResponse;
      expect(siteTimeZone).toBe(SITE_TIME_ZONE);
      expect(alarm).toMatchObject({ alarmId: PZ2, state: 'open', level: 'alarm', needsAcknowledgement: true });
      expect(alarm.history).toEqual([
        {
          kind: 'opened',
          levelAfter: 'alarm',
          changeKey: `PZ-2@${openedAt(T0 + 5 * MINUTE)}:normal-alarm`,
          from: 'normal',
          to: 'alarm',
          windowStart: '2026-02-01T00:06:00.000Z',
          windowStartSite: '2026-02-01T11:06:00+11:00',
          windowEnd: '2026-02-01T00:06:10.000Z',
          foundAt: '2026-02-01T00:20:00.000Z',
          mean: 160,
          unit: 'kPa',
          levels: { alert: 30, alarm: 50, action: 70 },
          cause: 'level:rise',
          change: 60,
          ratePerDay: null,
          baseline: { id: 'initial', value: 100 },
          late: false,
          rebuiltBy: null,
        },
      ]);
      expect(alarm.responsePlan).toEqual({ level: 'alarm', ...DEFAULT_RESPONSE_PLAN.alarm, source: 'default' });
      // Tier 2 one limit (60 min) after it was found, tier 3 two; the next reminder 30 minutes after it was found.
      expect(alarm.escalation).toEqual({
        tiers: 3,
        reminderIntervalMinutes: 30,
        nextTier: { tier: 2, dueAt: '2026-02-01T01:20:00.000Z', dueAtSite: '2026-02-01T12:20:00+11:00' },
        nextReminderAt: '2026-02-01T00:50:00.000Z',
        nextReminderAtSite: '2026-02-01T11:50:00+11:00',
      });
      expect(alarm.acknowledgements).toEqual([]);
      expect(alarm.notifications).toEqual([
        expect.objectContaining({ kind: 'opened', tier: 1, level: 'alarm', state: 'sent', attempts: 1, channel: outbox.name, error: null }),
      ]);
      expect(alarm.audit.map((entry) => `${entry.actor}:${entry.action}`)).toEqual(['pipeline:opened', 'escalation:notified']);
      expect(alarm.audit[0]).toMatchObject({ at: '2026-02-01T00:20:00.000Z', detail: { level: 'alarm', mean: 160 } });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('answers 404 with a problem for an alarm it does not hold, to read or to acknowledge', async () => {
    const missing = 'PZ-9@2026-02-01T00:00:00.000Z';
    expectProblem(
      await call('viewer', 'GET', path(missing)),
      404,
      'not-found',
      /^there is no alarm PZ-9@2026-02-01T00:00:00.000Z; GET \/alarms lists them$/,
    );
    const before = await recorded();
    expectProblem(await call('engineer', 'POST', path(missing, '/acknowledge'), { note: 'Checked' }), 404, 'not-found', /no alarm PZ-9/);
    expect(await recorded()).toEqual(before);
  });

  it('records an engineer’s acknowledgement with who and when, once: asking again changes nothing', async () => {
    const before = await recorded();
    const engineer = api.users.find((user) => user.username === 'engineer')!;
    const first = await call('engineer', 'POST', path(PZ2, '/acknowledge'), {
      note: '  Checked the dewatering pumps  ',
      response: 'Pump 2 restarted',
    });
    expect(first.status).toBe(200);
    const answer = first.json as AcknowledgeResponse;
    const acknowledgement = {
      by: engineer.sub,
      byName: 'engineer@site.local',
      at: '2026-02-01T00:25:00.000Z',
      atSite: '2026-02-01T11:25:00+11:00',
      level: 'alarm',
      note: 'Checked the dewatering pumps',
      response: 'Pump 2 restarted',
    };
    expect(answer).toMatchObject({ siteTimeZone: SITE_TIME_ZONE, outcome: 'acknowledged', acknowledgement });
    expect(answer.alarm).toMatchObject({
      pending: null,
      needsAcknowledgement: false,
      escalation: null,
      lastAcknowledgement: acknowledgement,
      acknowledgements: [acknowledgement],
    });
    expect(answer.alarm.audit.at(-1)).toMatchObject({
      actor: engineer.sub,
      action: 'acknowledged',
      detail: { byName: 'engineer@site.local' },
    });

    clock.now += MINUTE;
    const again = await call('engineer', 'POST', path(PZ2, '/acknowledge'), { note: 'Checked again' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ outcome: 'already-acknowledged', acknowledgement });
    const after = await recorded();
    expect(after.acknowledgements).toBe(before.acknowledgements + 1);
    expect(after.audit).toEqual([...before.audit, `${engineer.sub}:acknowledged`]);
    expect(after.pending[PZ2]).toBeNull();
  });

  it('refuses a viewer’s acknowledgement with 403 saying it needs the engineers group, and changes nothing', async () => {
    const before = await recorded();
    const refused = await call('viewer', 'POST', path(PZ2, '/acknowledge'), { note: 'Seen it' });
    expectProblem(
      refused,
      403,
      'forbidden',
      /^acknowledging needs the engineers group; viewer@site\.local is a viewer \(groups: viewers\)$/,
    );
    expect(problemOf(refused).instance).toBe(`/alarms/${PZ2}/acknowledge`);
    expect(await recorded()).toEqual(before);
  });

  it('refuses an empty note where the plan requires one with 400, changing nothing; takes one where it does not', async () => {
    const before = await recorded();
    for (const note of ['', '   ']) {
      const refused = await call('engineer', 'POST', path(PZ2, '/acknowledge'), { note });
      expectProblem(refused, 400, 'note-required', /^the response plan for ALARM needs a note/);
      expect(problemOf(refused).errors).toEqual([{ field: 'body.note', problem: problemOf(refused).detail }]);
    }
    expect(await recorded()).toEqual(before);
    // The default plan for Alert needs no note.
    const alert = await call('engineer', 'POST', path(PZ3, '/acknowledge'), { note: '' });
    expect(alert.status).toBe(200);
    expect(alert.json).toMatchObject({ outcome: 'acknowledged', acknowledgement: { level: 'alert', note: '', response: null } });
  });

  it('refuses an oversized body (413), a body that is not JSON (415) and malformed input (400), changing nothing', async () => {
    const before = await recorded();
    const large = await call('engineer', 'POST', path(PZ2, '/acknowledge'), { note: 'x'.repeat(16 * 1024) });
    expectProblem(large, 413, 'payload-too-large', /the most this API accepts is 16384 bytes \(16 KiB\)/);
    const form = await call('engineer', 'POST', path(PZ2, '/acknowledge'), 'note=Checked', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expectProblem(
      form,
      415,
      'unsupported-media-type',
      /^the body must be JSON \("Content-Type: application\/json"\), not application\/x-www-form-urlencoded$/,
    );
    const none = await fetch(`${api.server.url}${path(PZ2, '/acknowledge')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await api.tokenFor('engineer')}` },
    });
    expect(none.status).toBe(415);
    expectProblem(
      await call('engineer', 'POST', path(PZ2, '/acknowledge'), '{"note": "Checked"'),
      400,
      'invalid-request',
      /^the body is not valid JSON/,
    );
    const shape = await call('engineer', 'POST', path(PZ2, '/acknowledge'), { notes: 'Checked', response: 3 });
    expectProblem(shape, 400, 'invalid-request', /^the acknowledgement: /);
    expect(problemOf(shape).errors).toEqual([
      {
        field: 'body.note',
        problem: 'is required: a string, saying what was found or done (may be empty where the plan does not require a note)',
      },
      { field: 'body.response', problem: 'must be a string or null' },
      { field: 'body.notes', problem: 'unknown field; the fields are note and response' },
    ]);
    // Within the body limit but over the note's.
    const long = await call('engineer', 'POST', path(PZ2, '/acknowledge'), { note: 'y'.repeat(2001) });
    expectProblem(long, 400, 'note-too-long', /^the note has 2001 characters; at most 2000 are kept$/);
    expect(await recorded()).toEqual(before);
  });

  it('refuses a missing, expired or forged token with 401 before the handler, and a user in no known group with 403', async () => {
    const before = await recorded();
    const expect401 = async (token: string | undefined) => {
      const response = await fetch(`${api.server.url}${path(PZ2, '/acknowledge')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ note: 'Checked' }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
      return response.headers.get('www-authenticate');
    };
    const engineer = api.users.find((user) => user.username === 'engineer')!;
    expect(await expect401(undefined)).toMatch(/the request has no token/);
    expect(await expect401(await api.signIn.issueToken(engineer, Date.now() - 2 * 3600_000))).toMatch(/the token has expired/);
    const scratch = mkdtempSync(join(tmpdir(), 'alarm-api-forger-'));
    try {
      const forger = new LocalSignIn({ users: [engineer], signingKey: await loadOrCreateSigningKey(join(scratch, 'key.json')) });
      expect(await expect401(await forger.issueToken(engineer))).toMatch(/not signed by a key this API trusts/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    expect(await recorded()).toEqual(before);
    expectProblem(
      await call('outsider', 'GET', '/alarms'),
      403,
      'forbidden',
      /^user outsider is in none of the groups the alarm API knows/,
    );
  });

  it('serves the response plan to everyone; engineers replace it (audited, in force at once), viewers cannot, bad lists change nothing', async () => {
    const empty = await call('viewer', 'GET', '/response-plans');
    expect(empty.status).toBe(200);
    expect(empty.json).toEqual({ rules: [], defaults: DEFAULT_RESPONSE_PLAN });

    const rules: ResponsePlanRuleView[] = [
      {
        scope: { kind: 'type', instrumentType: 'piezometer' },
        level: 'alarm',
        entry: { response: 'Check the dewatering', limitMinutes: 30, noteRequired: true },
      },
      {
        scope: { kind: 'instrument', instrumentId: 'PZ-3' },
        level: 'alert',
        entry: { response: 'Walk the line', limitMinutes: 120, noteRequired: true },
      },
    ];
    const before = await recorded();
    expectProblem(
      await call('viewer', 'PUT', '/response-plans', { rules }),
      403,
      'forbidden',
      /^changing the response plan needs the engineers group/,
    );
    const bad = await call('engineer', 'PUT', '/response-plans', {
      rules: [
        { ...rules[0], entry: { ...rules[0]!.entry, limitMinutes: 0 } },
        { ...rules[0], entry: { ...rules[0]!.entry, response: ' ' } },
        { scope: { kind: 'site' }, level: 'alarm', entry: rules[0]!.entry },
      ],
    });
    expectProblem(bad, 400, 'invalid-request', /^the response plan: /);
    expect(problemOf(bad).errors!.map((error) => error.field)).toEqual(['body.rules[2].scope.kind']);
    const meaning = await call('engineer', 'PUT', '/response-plans', {
      rules: [
        { ...rules[0], entry: { ...rules[0]!.entry, limitMinutes: 0 } },
        { ...rules[0], entry: { ...rules[0]!.entry, response: ' ' } },
      ],
    });
    expect(problemOf(meaning).errors).toEqual([
      { field: 'body.rules[0].entry.limitMinutes', problem: 'must be whole minutes from 1 to 10080 (one week) (got 0)' },
      { field: 'body.rules[1].entry.response', problem: 'must say what is expected' },
      { field: 'body.rules[1].level', problem: 'repeats the rule at [0] for type piezometer at alarm' },
    ]);
    expectProblem(
      await call('engineer', 'PUT', '/response-plans', rules),
      400,
      'invalid-request',
      /the body must be \{"rules": \[\.\.\.\]\}/,
    );
    expect(await recorded()).toEqual(before);

    const engineer = api.users.find((user) => user.username === 'engineer')!;
    const put = await call('engineer', 'PUT', '/response-plans', { rules });
    expect(put.status).toBe(200);
    // The stored order is the store's (scope, then level), not the order sent.
    expect(put.json).toEqual({ rules: [rules[1]!, rules[0]!], defaults: DEFAULT_RESPONSE_PLAN } satisfies ResponsePlansResponse);
    expect((await call('viewer', 'GET', '/response-plans')).json).toEqual(put.json);
    expect((await recorded()).audit).toEqual([...before.audit, `${engineer.sub}:plan-changed`, `${engineer.sub}:plan-changed`]);

    // In force at once: PZ-2 now has 30 minutes, and PZ-3's Alert needs a note.
    const detail = ((await call('viewer', 'GET', path(PZ2))).json as AlarmDetailResponse).alarm;
    expect(detail.responsePlan).toEqual({
      level: 'alarm',
      response: 'Check the dewatering',
      limitMinutes: 30,
      noteRequired: true,
      source: 'type',
    });
    expect(detail.pending).toMatchObject({ acknowledgeBy: '2026-02-01T00:50:00.000Z' });
    expectProblem(await call('engineer', 'POST', path(PZ3, '/acknowledge'), { note: '' }), 400, 'note-required', /ALERT needs a note/);
  });
});
