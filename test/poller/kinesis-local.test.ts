import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { startKinesisLocal } from '../../local/kinesis-local.js';
import { PortInUseError } from '../../local/ports.js';
import { readAllRecords } from '../support/kinesis.js';

const directory = mkdtempSync(join(tmpdir(), 'kinesis-local-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Whether something accepts TCP connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Whether a process is still running (a zombie awaiting its reaper counts as gone). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe('kinesis-local harness', () => {
  it('keeps streams and records in the data directory across a restart', async () => {
    const dataDir = join(directory, 'data');
    const first = await startKinesisLocal({ streamName: 'kept', shardCount: 3, dataDir, persistIntervalMs: 200 });
    expect(first.shardCount).toBe(3);
    await first.client.send(
      new PutRecordsCommand({
        StreamName: 'kept',
        Records: ['a', 'b', 'c'].map((k) => ({ PartitionKey: k, Data: Buffer.from(`payload-${k}`) })),
      }),
    );
    const port = Number(new URL(first.endpoint).port);
    await first.stop();
    expect(running(first.pid!)).toBe(false);
    expect(await answers(port)).toBe(false);

    const second = await startKinesisLocal({ streamName: 'kept', shardCount: 1, dataDir });
    try {
      expect(second.shardCount).toBe(3);
      const stored = await readAllRecords(second.client, 'kept');
      expect(stored.map((r) => r.data.toString()).sort()).toEqual(['payload-a', 'payload-b', 'payload-c']);
    } finally {
      await second.stop();
    }
  });

  it('has every record it acknowledged on disk once whenPersisted resolves, killed outright at any moment after', async () => {
    const dataDir = join(directory, 'killed');
    const first = await startKinesisLocal({ streamName: 'durable', shardCount: 2, dataDir, persistIntervalMs: 100 });
    const sent: string[] = [];
    // Keep putting while the emulator saves, so the kill can come in the middle of a save.
    for (let batch = 0; batch < 20; batch += 1) {
      const records = Array.from({ length: 50 }, (_, i) => `payload-${batch}-${i}`);
      await first.client.send(
        new PutRecordsCommand({ StreamName: 'durable', Records: records.map((data) => ({ PartitionKey: data, Data: Buffer.from(data) })) }),
      );
      sent.push(...records);
      if (batch === 9) await first.whenPersisted();
    }
    const persistedThrough = sent.slice(0, 500);
    process.kill(first.pid!, 'SIGKILL');
    await until(async () => !running(first.pid!), 5_000);
    await expect(first.whenPersisted()).rejects.toThrow('kinesis-local exited before it had saved every record it acknowledged');
    await first.stop();

    const second = await startKinesisLocal({ streamName: 'durable', dataDir });
    try {
      const stored = new Set((await readAllRecords(second.client, 'durable')).map((r) => r.data.toString()));
      expect(persistedThrough.filter((data) => !stored.has(data))).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('names the option whose port is already taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startKinesisLocal({ streamName: 's', plainPort: port })).rejects.toThrow(PortInUseError);
      await expect(startKinesisLocal({ streamName: 's', plainPort: port })).rejects.toThrow(
        /port \d+ \(option plainPort\) is already in use/,
      );
      await expect(startKinesisLocal({ streamName: 's', tlsPort: port })).rejects.toThrow(/option tlsPort/);
    } finally {
      blocker.close();
    }
  });

  it('refuses impossible options before starting anything', async () => {
    await expect(startKinesisLocal({ streamName: 's', shardCount: 0 })).rejects.toThrow(/shardCount must be a positive whole number/);
    await expect(startKinesisLocal({ streamName: 's', plainPort: 70_000 })).rejects.toThrow(
      /plainPort must be a whole number from 1 to 65535/,
    );
  });

  it('does not outlive a parent process that is killed outright', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', 'hold-kinesis-local.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout }).once('line', resolve);
        parent.once('exit', (code) => reject(new Error(`helper exited early with ${String(code)}`)));
      });
      const { endpoint, pid } = JSON.parse(line) as { endpoint: string; pid: number };
      const port = Number(new URL(endpoint).port);
      expect(await answers(port)).toBe(true);
      expect(running(pid)).toBe(true);
      parent.kill('SIGKILL');
      expect(await until(async () => !running(pid), 20_000)).toBe(true);
      expect(await answers(port)).toBe(false);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
