import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

/** Runs `bin/simulator.ts` as `npm run simulator` does (tsx), without npm in between. */
function runCli(args: readonly string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/simulator.ts', ...args], { cwd: projectRoot });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with stdout once it contains `marker`. */
function waitForOutput(child: ChildProcessWithoutNullStreams, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(marker)) resolve(output);
    });
    child.on('close', (code) => reject(new Error(`simulator exited with ${code} before printing '${marker}': ${output}`)));
  });
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('simulator CLI', () => {
  it('prints its URL and endpoints, serves them, and shuts down cleanly on Ctrl-C', async () => {
    const child = runCli(['--port', '0', '--seed', 'cli', '--instruments-per-type', '4', '--fault-rate-duplicate', '0.5']);
    const exited = exitOf(child);
    const output = await waitForOutput(child, 'Ctrl-C');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toContain(`GET ${url}/params/settlement/x/`);
    expect(output).toContain('Faults: duplicate 0.5');
    const body = (await (await fetch(`${url}/params/pore_pressure/`)).json()) as { instruments: number };
    expect(body.instruments).toBe(4);
    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  });

  it('prints help', async () => {
    const { code, stdout } = await exitOf(runCli(['--help']));
    expect(code).toBe(0);
    expect(stdout).toContain('--fault-rate-null <rate>');
    expect(stdout).toContain('--port <n>');
  });

  it.each([
    [['--fault-rate-5xx', 'often'], /--fault-rate-5xx must be a number \(got 'often'\)/],
    [['--fault-rate-slow', '1.5'], /--fault-rate-slow must be a rate between 0 and 1/],
    [['--colour'], /Unknown option '--colour'/],
  ])('refuses %j with a usage error', async (args, message) => {
    const { code, stderr } = await exitOf(runCli(args));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('says which flag to change when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, stderr } = await exitOf(runCli(['--port', String(port)]));
      expect(code).toBe(1);
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain('--port');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
