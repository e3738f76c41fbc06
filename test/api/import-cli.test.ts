import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingsResponse, ReadingsUploadResponse } from '../../lambdas/api/read-views.js';
import { freePort } from '../../local/ports.js';
import { startFakeCloudFormation, type FakeCloudFormation } from '../support/fake-cloudformation.js';
import { startFakeCognito, type FakeCognito } from '../support/fake-cognito.js';
import { readAllRecords } from '../support/kinesis.js';
import { startTestReadApi, type TestReadApi } from '../support/read-api.js';

/**
 * `npm run import` as a child process against the read API over real HTTP (the local server
 * with its sign-in stand-in in front of the handler, on the known site), and with `--stage`
 * against a fake CloudFormation and a fake Cognito (control planes that cannot run here).
 */
const run = promisify(execFile);

async function importCsv(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/import.ts', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ALARMS_PASSWORD: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let scratch: string;
const file = (name: string, lines: readonly string[]) => {
  const path = join(scratch, name);
  writeFileSync(path, lines.join('\n'));
  return path;
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'import-cli-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm run import against the local API', () => {
  let api: TestReadApi;
  let at: string[];

  beforeAll(async () => {
    api = await startTestReadApi();
    at = ['--api-url', api.url];
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('prints the accepted count and each rejected row with its reason, exit 3, and the good rows reach the store', async () => {
    const csv = file('mixed.csv', [
      'instrument_id,observed_at,value,note',
      'WS-01,2025-03-01T00:10:00Z,45.5,"dipped, after rain"',
      'WS-77,2025-03-01T00:10:00Z,45.5,',
      'WS-01,2025-03-01T00:20:00Z,dry,',
      'SM-01,2025-03-01T00:10:00+11:00,-12.2,levelled',
    ]);
    const result = await importCsv([csv, ...at]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${csv}: 2 of 4 readings accepted, 2 rejected:`);
    expect(lines[1]).toMatch(/^ROW\s+INSTRUMENT\s+REASON\s+FIELD\s+DETAIL$/);
    expect(lines.slice(3).map((line) => line.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['2', 'WS-77', 'unknown_instrument', 'instrument_id'],
      ['3', 'WS-01', 'non_numeric_reading', 'value'],
    ]);
    expect(lines[4]).toContain('value "dry" is not a number');

    await api.processStream();
    const token = await api.tokenFor('viewer');
    const response = await fetch(`${api.url}/instruments/WS-01/readings?from=2025-03-01&to=2025-03-01`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const stored = (await response.json()) as ReadingsResponse;
    expect(stored.readings.map((r) => [r.value, r.source, r.author, r.note])).toEqual([
      [45.5, 'manual', 'engineer@site.local', 'dipped, after rain'],
    ]);
  });

  it('exits 0 when every reading is accepted, and prints the API’s answer as it is with --json', async () => {
    const csv = file('good.csv', ['instrument_id,observed_at,value', 'PZ-01,2025-03-02T00:00:00Z,121', 'PZ-01,2025-03-02T00:00:10Z,122']);
    const before = (await readAllRecords(api.stream.client, api.stream.name)).length;
    const result = await importCsv([csv, ...at, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout) as ReadingsUploadResponse).toEqual({ received: 2, accepted: 2, rejected: [] });
    expect((await readAllRecords(api.stream.client, api.stream.name)).length - before).toBe(2);
    const table = await importCsv([file('more.csv', ['instrument_id,observed_at,value', 'PZ-01,2025-03-02T00:00:20Z,123']), ...at]);
    expect(table).toMatchObject({ code: 0, stdout: expect.stringMatching(/more\.csv: 1 of 1 readings accepted\n$/) });
  });

  it('says why an upload failed: a viewer, an unreadable file, a file the API refuses, no API', async () => {
    const csv = file('one.csv', ['instrument_id,observed_at,value', 'PZ-01,2025-03-03T00:00:00Z,121']);
    const viewer = await importCsv([csv, ...at, '--user', 'viewer']);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr.trim()).toMatch(
      /^import: 403 Not allowed: entering readings needs the engineers group; viewer@site\.local is a viewer/,
    );

    const missing = await importCsv([join(scratch, 'nope.csv'), ...at]);
    expect(missing).toMatchObject({ code: 1, stderr: `import: cannot read ${join(scratch, 'nope.csv')}: ENOENT\n` });

    const header = await importCsv([file('header.csv', ['id,time,reading', 'PZ-01,2025-03-03T00:00:00Z,121']), ...at]);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('import: 400 The request is not valid: the header has unknown columns "id", "time", "reading"');

    const port = await freePort();
    const down = await importCsv([csv, '--api-url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the alarm API at http://127.0.0.1:${port}`);
    expect(down.stderr).toContain('is `npm start` running?');
  });

  it('prints its help, and refuses a command line it cannot run', async () => {
    const help = await importCsv(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: npm run import -- <readings.csv> [options]') });
    expect(help.stdout).toContain('instrument_id,observed_at,value,note');
    const two = await importCsv(['a.csv', 'b.csv']);
    expect(two).toMatchObject({ code: 2, stderr: expect.stringContaining('import: give one CSV file (got a.csv b.csv)') });
    const both = await importCsv(['a.csv', '--stage', 'dev', '--api-url', 'http://127.0.0.1:1']);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('import: --stage finds the API itself') });
    const unknown = await importCsv(['a.csv', '--note', 'x']);
    expect(unknown.code).toBe(2);
  });
});

describe('npm run import --stage, against a fake CloudFormation and a fake Cognito', () => {
  const region = 'ap-southeast-2';
  let cognito: FakeCognito;
  let cloudFormation: FakeCloudFormation;
  let api: TestReadApi;
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
      },
    });
    api = await startTestReadApi({ authorizer: { issuer: cognito.issuer, audience: [cognito.clientId], keys: cognito.keys } });
    cloudFormation = await startFakeCloudFormation({
      'GeotechMonitoring-test': { AlarmsApiUrl: `${api.url}/`, AlarmsCliClientId: cognito.clientId, AlarmsUserPoolId: cognito.userPoolId },
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
  }, 120_000);
  afterAll(async () => {
    await cloudFormation?.close();
    await api?.close();
    await cognito?.close();
  });

  it('finds the API in the stack outputs, signs in with Cognito and MFA, and the readings carry the user’s e-mail', async () => {
    const csv = file('stage.csv', ['instrument_id,observed_at,value,note', 'WS-01,2025-03-04T00:00:00Z,45.6,from the stage']);
    const base = [csv, '--stage', 'test', '--user', 'lead@example.com', '--password', 'Correct-horse-9!'];
    const noCode = await importCsv(base, env);
    expect(noCode.code).toBe(1);
    expect(noCode.stderr).toContain('add --mfa-code');
    const result = await importCsv([...base, '--mfa-code', '123456'], env);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: `${csv}: 1 of 1 readings accepted\n` });
    await api.processStream();
    const [row] = await api.local.rows<{ author: string; note: string }>(
      "SELECT author, note FROM readings WHERE instrument_id = 'WS-01' AND source = 'manual'",
    );
    expect(row).toEqual({ author: 'lead@example.com', note: 'from the stage' });
  });
});
