import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import type { AlarmListResponse } from '../../lambdas/api/views.js';
import { freePort } from '../../local/ports.js';
import { BatchPipeline, piezometerWindows } from '../support/alarm-pipeline.js';
import { startTestAlarmApi, type TestAlarmApi } from '../support/alarm-api.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { startFakeCloudFormation, type FakeCloudFormation } from '../support/fake-cloudformation.js';
import { startFakeCognito, type FakeCognito } from '../support/fake-cognito.js';

/**
 * `npm run alarms` as a child process against the alarm API over real HTTP (the local
 * server and sign-in stand-in in front of the handler, on the alarm store over PGlite), and
 * with `--stage` against a fake CloudFormation and a fake Cognito (the control planes that
 * cannot run here), whose tokens the API's JWT authorizer stand-in is set to trust.
 */
const run = promisify(execFile);

async function alarms(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/alarms.ts', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ALARMS_PASSWORD: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const T0 = Date.parse('2026-02-01T00:00:00Z');
const MINUTE = 60_000;
const TO_ALARM = [100, 100, 100, 100, 100, 160, 160, 160, 160];
const TO_ALERT = [100, 100, 100, 100, 100, 140, 140, 140, 140];
const idOf = (instrumentId: string, start: number) => `${instrumentId}@${new Date(start + 60_000).toISOString()}`;
const PZ1 = idOf('PZ-1', T0);
const PZ2 = idOf('PZ-2', T0 + 5 * MINUTE);
const PZ3 = idOf('PZ-3', T0 + 10 * MINUTE);

let local: LocalBatchDatabase;
let store: AlarmStore;
const clock = { now: T0 + 20 * MINUTE };

beforeAll(async () => {
  local = await startLocalBatchDatabase('pglite');
  const pipeline = new BatchPipeline(local.db, clock);
  await pipeline.lambdaWindow(piezometerWindows('PZ-1', T0, [...TO_ALARM.slice(0, 8), 100, 100]));
  await pipeline.lambdaWindow(piezometerWindows('PZ-2', T0 + 5 * MINUTE, TO_ALARM));
  await pipeline.lambdaWindow(piezometerWindows('PZ-3', T0 + 10 * MINUTE, TO_ALERT));
  store = pipeline.alarmStore();
  clock.now = T0 + 25 * MINUTE;
});
afterAll(async () => {
  await local?.close();
});

describe('npm run alarms against the local alarm API', () => {
  let api: TestAlarmApi;
  let at: string[];

  beforeAll(async () => {
    api = await startTestAlarmApi({ store, now: () => clock.now });
    at = ['--api-url', api.server.url];
  });
  afterAll(async () => {
    await api?.close();
  });

  it('lists the alarms as a table with the site clock, signed in as the local engineer by default', async () => {
    const result = await alarms(['list', ...at]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ALARM\s+TYPE\s+STATE\s+LEVEL\s+PEAK\s+OPENED \(Australia\/Melbourne\)\s+CLEARED\s+ACKNOWLEDGEMENT$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines.slice(2, 5).map((line) => line.split(/\s{2,}/))).toEqual([
      [PZ3, 'piezometer', 'open', 'ALERT', 'ALERT', '2026-02-01 11:11:00', 'needed: ALERT by 2026-02-02 11:20:00'],
      [PZ2, 'piezometer', 'open', 'ALARM', 'ALARM', '2026-02-01 11:06:00', 'needed: ALARM by 2026-02-01 12:20:00'],
      [
        PZ1,
        'piezometer',
        'cleared',
        'ALARM',
        'ALARM',
        '2026-02-01 11:01:00',
        '2026-02-01 11:01:20',
        'needed: ALARM by 2026-02-01 12:20:00',
      ],
    ]);
    expect(lines[5]).toBe('3 alarm(s)');
  });

  it('filters with --open and --level, pages with --limit and --cursor, and prints the API JSON with --json', async () => {
    const open = await alarms(['list', '--open', '--level', 'alarm', '--json', ...at]);
    expect(open.code).toBe(0);
    expect((JSON.parse(open.stdout) as AlarmListResponse).alarms.map((alarm) => alarm.alarmId)).toEqual([PZ2]);
    const page = await alarms(['list', '--limit', '2', ...at]);
    const cursor = /More alarms: add --cursor (\S+)/.exec(page.stdout)?.[1];
    expect(cursor).toBeDefined();
    const next = await alarms(['list', '--limit', '2', '--cursor', cursor!, '--json', ...at]);
    expect((JSON.parse(next.stdout) as AlarmListResponse).alarms.map((alarm) => alarm.alarmId)).toEqual([PZ1]);
  });

  it('shows one alarm: plan, escalation, history, acknowledgements, notifications, audit', async () => {
    const result = await alarms(['show', PZ2, ...at]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${PZ2}\n  instrument     PZ-2 (piezometer, kPa)\n  state          open, level ALARM, peak ALARM\n`);
    expect(result.stdout).toContain('  acknowledge    ALARM by 2026-02-01 12:20:00\n');
    expect(result.stdout).toContain(
      '  response plan  ALARM (default): Notify the designer and the construction manager; review the works near the instrument; within 60 min, note required\n',
    );
    expect(result.stdout).toContain('  escalation     tier 2 at 2026-02-01 12:20:00 (of 3 tiers), next reminder 2026-02-01 11:50:00\n');
    expect(result.stdout).toMatch(/\n2026-02-01 11:06:00 +opened +normal -> alarm +160 kPa +60 kPa +level:rise\n/);
    expect(result.stdout).toMatch(/\nAudit\n.*\n.*\n2026-02-01T00:20:00\.000Z +pipeline +opened +\{/);
  });

  it('shows the API’s problem text as it is: 403 for a viewer, 400 for a missing note, 404 for an unknown alarm', async () => {
    const viewer = await alarms(['ack', PZ2, '--note', 'Seen', '--user', 'viewer', ...at]);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr.trim()).toBe(
      'alarms: 403 Not allowed: acknowledging needs the engineers group; viewer@site.local is a viewer (groups: viewers)',
    );
    const empty = await alarms(['ack', PZ2, '--note', '', ...at]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe(
      'alarms: 400 A note is required: the response plan for ALARM needs a note: what was found and what is being done\n' +
        '  body.note: the response plan for ALARM needs a note: what was found and what is being done',
    );
    const unknown = await alarms(['show', 'PZ-9@2026-02-01T00:00:00.000Z', ...at]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('alarms: 404 Not found: there is no alarm PZ-9@2026-02-01T00:00:00.000Z; GET /alarms lists them');
  });

  it('acknowledges as the engineer, and says so when asked again with nothing waiting', async () => {
    const first = await alarms(['ack', PZ2, '--note', 'Checked the dewatering', '--response', 'Pump 2 restarted', ...at]);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual([
      `Acknowledged ${PZ2} at ALARM (2026-02-01 11:25:00 Australia/Melbourne).`,
      '  2026-02-01 11:25:00  ALARM by engineer@site.local: Checked the dewatering; response: Pump 2 restarted',
    ]);
    const again = await alarms(['ack', PZ2, '--note', 'Again', ...at]);
    expect(again.stdout.trim().split('\n')[0]).toBe(
      `Nothing was waiting: ${PZ2} is already acknowledged at ALARM (by engineer@site.local, 2026-02-01 11:25:00 Australia/Melbourne).`,
    );
    const list = await alarms(['list', '--instrument', 'PZ-2', ...at]);
    expect(list.stdout).toMatch(/ALARM by engineer@site\.local\n/);
  });

  it('prints the response plan', async () => {
    const result = await alarms(['plans', ...at]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stored rules: none (the built-in defaults apply everywhere)');
    expect(result.stdout).toMatch(
      /\nbuilt-in +ACTION +15 min +yes +Stop the works affecting the instrument; make the area safe; notify the designer\n/,
    );
  });

  it('says clearly when the API cannot be reached, the password is wrong or the command line is wrong', async () => {
    const port = await freePort();
    const down = await alarms(['list', '--api-url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`alarms: cannot reach the alarm API at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(down.stderr).toContain('is `npm start` running?');
    const wrong = await alarms(['list', '--password', 'guess', ...at]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe(
      'alarms: signing in as engineer failed: 401 Not signed in: unknown user or wrong password (the local users are in the users file)',
    );
    const unknownUser = await alarms(['list', '--user', 'nobody', ...at]);
    expect(unknownUser.stderr.trim()).toBe(
      'alarms: no --password given, and local/users.json has no user nobody (it has engineer, viewer)',
    );
    const usage = await alarms(['ack', PZ2, ...at]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('alarms: ack needs --note "..."');
    expect((await alarms(['list', '--level', 'severe', ...at])).stderr).toContain(
      'alarms: --level must be one of alert, alarm, action (got severe)',
    );
  });
});

describe('npm run alarms --stage, against a fake CloudFormation and a fake Cognito', () => {
  const region = 'ap-southeast-2';
  let cognito: FakeCognito;
  let cloudFormation: FakeCloudFormation;
  let api: TestAlarmApi;
  let env: Record<string, string>;

  beforeAll(async () => {
    cognito = await startFakeCognito({
      region,
      users: {
        '0b1c2d3e-0000-4000-8000-000000000001': {
          email: 'lead@example.com',
          password: 'Correct-horse-9!',
          groups: ['engineers'],
          mfaCode: '123456',
        },
        '0b1c2d3e-0000-4000-8000-000000000002': { email: 'site@example.com', password: 'Battery-staple-9!', groups: ['viewers'] },
      },
    });
    api = await startTestAlarmApi({
      store,
      now: () => clock.now,
      authorizer: { issuer: cognito.issuer, audience: [cognito.clientId], keys: cognito.keys },
    });
    cloudFormation = await startFakeCloudFormation({
      'GeotechMonitoring-test': {
        AlarmsApiUrl: `${api.server.url}/`,
        AlarmsCliClientId: cognito.clientId,
        AlarmsUserPoolId: cognito.userPoolId,
      },
      'GeotechMonitoring-old': { DashboardsUrl: 'https://example.com' },
    });
    env = {
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await cloudFormation?.close();
    await api?.close();
    await cognito?.close();
  });

  it('finds the API in the stack outputs and signs in with Cognito, a viewer without MFA', async () => {
    const result = await alarms(['list', '--stage', 'test', '--user', 'site@example.com', '--json'], {
      ...env,
      ALARMS_PASSWORD: 'Battery-staple-9!',
    });
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as AlarmListResponse).alarms.map((alarm) => alarm.instrumentId)).toEqual(['PZ-3', 'PZ-2', 'PZ-1']);
    expect(cloudFormation.described.at(-1)).toBe('GeotechMonitoring-test');
    const refused = await alarms(
      ['ack', PZ3, '--note', 'x', '--stage', 'test', '--user', 'site@example.com', '--password', 'Battery-staple-9!'],
      env,
    );
    expect(refused.stderr.trim()).toBe(
      'alarms: 403 Not allowed: acknowledging needs the engineers group; site@example.com is a viewer (groups: viewers)',
    );
  });

  it('answers the MFA challenge with --mfa-code, and asks for it when it is missing or wrong', async () => {
    const base = ['--stage', 'test', '--user', 'lead@example.com', '--password', 'Correct-horse-9!'];
    const missing = await alarms(['plans', ...base], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'alarms: the user pool asks lead@example.com for an MFA code: add --mfa-code <code from the authenticator app>',
    );
    const wrong = await alarms(['plans', ...base, '--mfa-code', '000000'], env);
    expect(wrong.stderr.trim()).toBe(
      'alarms: Cognito sign-in as lead@example.com failed: CodeMismatchException: Invalid code received for user',
    );
    const calls = cognito.calls.length;
    const ack = await alarms(['ack', PZ3, '--note', 'Walked the line', ...base, '--mfa-code', '123456'], env);
    expect(ack.stderr).toBe('');
    expect(ack.stdout).toContain(`Acknowledged ${PZ3} at ALERT`);
    expect(ack.stdout).toContain('ALERT by lead@example.com: Walked the line');
    expect(cognito.calls.slice(calls)).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
  });

  it('says what is wrong with the stage: no such stack, no alarm API outputs, a wrong password', async () => {
    const none = await alarms(['list', '--stage', 'nope', '--user', 'site@example.com', '--password', 'x'], env);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(
      'alarms: cannot read the outputs of stack GeotechMonitoring-nope: ValidationError: Stack with id GeotechMonitoring-nope does not exist',
    );
    const old = await alarms(['list', '--stage', 'old', '--user', 'site@example.com', '--password', 'x'], env);
    expect(old.stderr.trim()).toBe(
      'alarms: stack GeotechMonitoring-old has no output AlarmsApiUrl, AlarmsCliClientId, AlarmsUserPoolId: is the alarm API deployed to this stage?',
    );
    const wrong = await alarms(['list', '--stage', 'test', '--user', 'site@example.com', '--password', 'guess'], env);
    expect(wrong.stderr.trim()).toBe(
      'alarms: Cognito sign-in as site@example.com failed: NotAuthorizedException: Incorrect username or password.',
    );
    const noUser = await alarms(['list', '--stage', 'test'], env);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain('alarms: --stage needs --user');
  });
});
