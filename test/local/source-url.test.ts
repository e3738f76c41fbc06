import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulatorServer, type RunningSimulator } from '../../local/simulator-server.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const directories: string[] = [];
let simulator: RunningSimulator | undefined;
let junk: Server | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await simulator?.close();
  simulator = undefined;
  await new Promise<void>((resolve) => (junk ? junk.close(() => resolve()) : resolve()));
  junk = undefined;
});
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** `npm start -- <args>` with every port free-chosen and the real-time path off, to its exit. */
function start(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'source-url-'));
  directories.push(dataDir);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/start.ts',
      ...[
        '--data-dir',
        dataDir,
        '--simulator-port',
        '0',
        '--kinesis-port',
        '0',
        '--data-api-port',
        '0',
        '--psql-port',
        '0',
        '--api-port',
        '0',
      ],
      ...['--realtime', 'off', ...args],
    ],
    { cwd: projectRoot, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, dataDir })));
}

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;

describe('npm start -- --source-url (a real source instead of the simulator)', () => {
  it('polls a simulator started separately, in history mode, and keeps its cursors in the data directory', async () => {
    simulator = await startSimulatorServer({ seed: 'external', instrumentsPerType: 3, recordServed: true });
    const run = await start(['--source-url', simulator.url, '--duration', '12']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`source API             ${simulator.url} (paths params/water_standpipe, params/pore_pressure,`);
    expect(run.stdout).toMatch(/params\/settlement\/x {2}history mode/);
    expect(run.stdout).not.toMatch(/source API simulator/);
    const summary = summaryOf(run.stdout);
    expect(summary.readingsPolled).toBeGreaterThan(0);
    expect(summary.readingsPolled).toBe(summary.readingsAccepted! + summary.readingsRejected!);
    expect(summary.recordsProcessed).toBe(summary.recordsPut);
    expect(simulator.served.some((record) => record.path.includes('since='))).toBe(true);
    const cursors = JSON.parse(readFileSync(join(run.dataDir, 'poller-cursors.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(cursors).sort()).toEqual([
      'params/pore_pressure',
      'params/settlement/x',
      'params/settlement/y',
      'params/settlement/z',
      'params/water_standpipe',
    ]);
  }, 90_000);

  it('says clearly at start and in the progress line that a source answering junk is not an envelope, without a stack trace', async () => {
    junk = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>Maintenance</body></html>');
    });
    await new Promise<void>((resolve) => junk!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(junk.address() as AddressInfo).port}`;
    const run = await start(['--source-url', url, '--source-paths', 'api/piezometers', '--duration', '7']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/api\/piezometers {2}FAILED \(invalid_json\): body is not JSON .*<html><body>Maintenance/);
    expect(run.stdout).toMatch(/No path answered with readings/);
    expect(run.stdout).toMatch(/\| source failing: api\/piezometers invalid_json: body is not JSON/);
    expect(summaryOf(run.stdout)).toMatchObject({ readingsPolled: 0, readingsAccepted: 0, readingsRejected: 0 });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  }, 90_000);

  it('names an unreachable host at start and keeps running', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const run = await start(['--source-url', `http://127.0.0.1:${port}`, '--duration', '6']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/params\/water_standpipe {2}FAILED \(network\): request failed: fetch failed \(.*ECONNREFUSED/);
    expect(run.stdout).toMatch(/\| source failing: params\/\S+ network: request failed/);
    expect(summaryOf(run.stdout)).toMatchObject({ readingsPolled: 0, endpointFailures: expect.any(Number) });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  }, 90_000);

  it.each([
    [['--source-url', 'not a url'], /--source-url must be an http or https URL/],
    [['--source-url', 'ftp://example.com'], /--source-url must be an http or https URL/],
    [['--source-paths', 'a,b'], /--source-paths needs --source-url/],
    [['--source-url', 'http://127.0.0.1:9', '--source-paths', 'a,,b'], /--source-paths has an empty entry/],
    [['--history', 'sometimes'], /--history must be one of auto, on, off/],
  ])(
    'refuses %j with a usage message',
    async (args, message) => {
      const run = await start(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    30_000,
  );
});
