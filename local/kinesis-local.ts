import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent } from 'node:http';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  ResourceInUseException,
  waitUntilStreamExists,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createKinesisClient } from '../lambdas/shared/kinesis-client.js';
import { sleep } from '../lambdas/shared/retry.js';
import { freePort, PortInUseError, portIsFree } from './ports.js';

/** Credentials the emulator accepts (it checks that requests are signed, not by whom). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const DEFAULT_LOCAL_REGION = 'us-east-1';

export type KinesisLocalLogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export interface KinesisLocalOptions {
  /** The stream to create (or find, when resuming from `dataDir`). */
  readonly streamName: string;
  /** Shards of a newly created stream. Default 1. */
  readonly shardCount?: number;
  /** Port of the plain-HTTP endpoint. Default: a free port. */
  readonly plainPort?: number;
  /** Port of the HTTPS endpoint (not used here, but the emulator always opens it). Default: a free port. */
  readonly tlsPort?: number;
  /**
   * Directory to keep streams and records in: loaded on start, saved every
   * `persistIntervalMs` and on stop. Default: nothing is kept.
   */
  readonly dataDir?: string;
  /** How often data is saved to `dataDir`. Default 1000 ms. */
  readonly persistIntervalMs?: number;
  /** Default {@link DEFAULT_LOCAL_REGION}. */
  readonly region?: string;
  /** The emulator's own log level. Default `WARN`. */
  readonly logLevel?: KinesisLocalLogLevel;
  /** Receives each line the emulator writes. Default: lines are kept only for error messages. */
  readonly onLog?: (line: string) => void;
  /** How long to wait for the emulator to answer. Default 60 000 ms. */
  readonly startTimeoutMs?: number;
}

export interface KinesisLocal {
  /** Plain-HTTP endpoint on the loopback interface, e.g. `http://127.0.0.1:45123`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly streamName: string;
  readonly streamArn: string;
  /** Shards of the stream (as found, when it already existed in `dataDir`). */
  readonly shardCount: number;
  /** A client for the emulator. */
  readonly client: KinesisClient;
  /** Process id of the emulator. */
  readonly pid: number | undefined;
  /**
   * Stops the emulator and destroys {@link client}. With `dataDir`, first waits until the
   * emulator has saved everything written before the call. Safe to call twice.
   */
  stop(): Promise<void>;
}

type PortOption = 'plainPort' | 'tlsPort';

/** A port the emulator was asked to use (or was given) is taken; the error names the option that sets it. */
function portInUse(option: PortOption, port: number): PortInUseError {
  return new PortInUseError(port, option, { service: 'kinesis-local', otherwise: 'leave it unset for a free port' });
}

function isPortOption(option: string): option is PortOption {
  return option === 'plainPort' || option === 'tlsPort';
}

/** The emulator stopped or never answered; the message carries its last output. */
export class KinesisLocalStartError extends Error {
  override readonly name = 'KinesisLocalStartError';
}

const MAIN_SCRIPT = createRequire(import.meta.url).resolve('kinesis-local/main.js');
const CERT_PATH = resolvePath(MAIN_SCRIPT, '..', 'server.json');
const LOG_TAIL_LINES = 40;
/**
 * How long the emulator may take to shut down gracefully before it is killed: with data to
 * keep it saves on the way out; without, there is nothing to wait for. (Its HTTP server waits
 * up to 30 s for idle keep-alive connections to close, hence the bound.)
 */
const STOP_GRACE_MS = { persisting: 3_000, ephemeral: 500 } as const;
const PERSIST_FILE_NAME = 'kinesis-data.json';

/**
 * Starts the kinesis-local emulator (kinesis-mock) as a child process, waits until it
 * answers, creates the stream and waits for it to be ACTIVE. The emulator listens on all
 * interfaces (it has no bind-address option); the endpoint returned uses loopback. The
 * child is stopped by {@link KinesisLocal.stop}, when this process exits, and, should this
 * process die without exiting cleanly, when its stdin pipe closes.
 */
export async function startKinesisLocal(options: KinesisLocalOptions): Promise<KinesisLocal> {
  const shardCount = options.shardCount ?? 1;
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`kinesis-local: shardCount must be a positive whole number (got ${String(options.shardCount)})`);
  }
  for (const option of ['plainPort', 'tlsPort'] as const) {
    const port = options[option];
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
      throw new RangeError(`kinesis-local: ${option} must be a whole number from 1 to 65535 (got ${String(port)})`);
    }
  }
  const automaticPorts = options.plainPort === undefined || options.tlsPort === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, shardCount);
    } catch (error) {
      const raced = automaticPorts && error instanceof PortInUseError && isPortOption(error.option) && options[error.option] === undefined;
      if (!raced || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: KinesisLocalOptions, shardCount: number): Promise<KinesisLocal> {
  const plainPort = options.plainPort ?? (await freePort());
  const tlsPort = options.tlsPort ?? (await freePort([plainPort]));
  if (plainPort === tlsPort) throw portInUse('tlsPort', tlsPort);
  // The emulator listens on all interfaces, so that is where the ports must be free.
  if (options.plainPort !== undefined && !(await portIsFree(plainPort))) throw portInUse('plainPort', plainPort);
  if (options.tlsPort !== undefined && !(await portIsFree(tlsPort))) throw portInUse('tlsPort', tlsPort);

  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KINESIS_MOCK_PLAIN_PORT: String(plainPort),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    KINESIS_MOCK_CERT_PATH: CERT_PATH,
    AWS_REGION: region,
    LOG_LEVEL: options.logLevel ?? 'WARN',
    SHOULD_PERSIST_DATA: 'false',
  };
  let persistence: Persistence | undefined;
  if (options.dataDir !== undefined) {
    const dataDir = resolvePath(options.dataDir);
    const intervalMs = options.persistIntervalMs ?? 1_000;
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new RangeError(`kinesis-local: persistIntervalMs must be a positive whole number (got ${String(intervalMs)})`);
    }
    await mkdir(dataDir, { recursive: true });
    persistence = { file: join(dataDir, PERSIST_FILE_NAME), intervalMs };
    Object.assign(env, {
      SHOULD_PERSIST_DATA: 'true',
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: dataDir,
      PERSIST_FILE_NAME,
      PERSIST_INTERVAL: `${intervalMs}ms`,
    });
  }

  const emulator = spawnEmulator(env, persistence, options.onLog);
  const endpoint = `http://127.0.0.1:${plainPort}`;
  const client = createKinesisClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }), connectionTimeout: 1_000 }),
  });
  try {
    await waitUntilAnswering(client, emulator, options.startTimeoutMs ?? 60_000, { plainPort, tlsPort });
    const stream = await ensureStream(client, options.streamName, shardCount);
    const publicClient = kinesisClientFor(endpoint, region);
    return {
      endpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
      streamName: options.streamName,
      streamArn: stream.arn,
      shardCount: stream.shardCount,
      client: publicClient,
      pid: emulator.child.pid,
      stop: async () => {
        client.destroy();
        publicClient.destroy();
        await emulator.stop();
      },
    };
  } catch (error) {
    client.destroy();
    await emulator.stop();
    throw error;
  }
}

/**
 * A Kinesis client for an emulator endpoint, with the credentials it accepts. It opens a
 * connection per request: the emulator's graceful shutdown waits (up to 30 s) for idle
 * keep-alive connections to close, and a local endpoint gains nothing from reusing them.
 */
export function kinesisClientFor(endpoint: string, region: string = DEFAULT_LOCAL_REGION): KinesisClient {
  return createKinesisClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }), connectionTimeout: 3_000 }),
  });
}

interface Persistence {
  /** The file the emulator rewrites on every save. */
  readonly file: string;
  readonly intervalMs: number;
}

interface RunningEmulator {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (or signal) once the child has exited. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  logTail(): string;
  stop(): Promise<void>;
}

/** How long the emulator may spend shutting down once told to stop, before it exits regardless. */
const SHUTDOWN_DEADLINE_MS = 5_000;

/**
 * Runs the emulator under a small wrapper that terminates it when its stdin closes (the
 * pipe closes whenever this process goes away, however it dies), and that bounds every
 * shutdown: the emulator's own graceful shutdown can wait indefinitely on half-closed
 * connections.
 */
function spawnEmulator(env: NodeJS.ProcessEnv, persistence: Persistence | undefined, onLog?: (line: string) => void): RunningEmulator {
  const wrapper = [
    `const deadline = () => setTimeout(() => process.exit(143), ${SHUTDOWN_DEADLINE_MS}).unref();`,
    `process.on('SIGTERM', deadline);`,
    `process.on('SIGINT', deadline);`,
    `process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));`,
    `process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));`,
    `process.stdin.resume();`,
    `process.stdin.unref();`,
    `require(${JSON.stringify(MAIN_SCRIPT)});`,
  ].join('\n');
  const child = spawn(process.execPath, ['-e', wrapper], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      onLog?.(line);
    });
  }
  let exited = false;
  const exitedPromise = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      process.off('exit', killOnExit);
      resolve(signal ?? `code ${String(code)}`);
    });
  });
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  child.stdin.on('error', () => undefined);

  let stopping: Promise<void> | undefined;
  return {
    child,
    exited: exitedPromise,
    hasExited: () => exited,
    logTail: () => tail.join('\n'),
    stop: () => {
      stopping ??= (async () => {
        if (exited) return;
        if (persistence) await waitForSaves(persistence, Date.now(), () => exited);
        if (exited) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), persistence ? STOP_GRACE_MS.persisting : STOP_GRACE_MS.ephemeral);
        await exitedPromise;
        clearTimeout(timer);
        child.stdin.destroy();
      })();
      return stopping;
    },
  };
}

/**
 * Waits until the emulator has rewritten its data file twice since `since`: the second
 * save began after `since`, so it holds everything written before then. Gives up after a
 * few intervals (the graceful shutdown that follows saves once more).
 */
async function waitForSaves(persistence: Persistence, since: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + 3 * persistence.intervalMs + 2_000;
  let lastSave = since;
  let saves = 0;
  while (saves < 2 && Date.now() < deadline && !hasExited()) {
    await sleep(Math.min(100, persistence.intervalMs));
    const modified = await stat(persistence.file).then(
      (info) => info.mtimeMs,
      () => 0,
    );
    if (modified > lastSave) {
      lastSave = modified;
      saves++;
    }
  }
}

async function waitUntilAnswering(
  client: KinesisClient,
  emulator: RunningEmulator,
  timeoutMs: number,
  ports: { plainPort: number; tlsPort: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (emulator.hasExited()) {
      const output = emulator.logTail();
      const inUse = /EADDRINUSE[^\n]*?:(\d+)/.exec(output);
      if (inUse) {
        const port = Number(inUse[1]);
        throw portInUse(port === ports.tlsPort ? 'tlsPort' : 'plainPort', port);
      }
      throw new KinesisLocalStartError(`kinesis-local exited (${await emulator.exited}) before it answered; its output:\n${output}`);
    }
    try {
      await client.send(new ListStreamsCommand({}));
      return;
    } catch {
      if (Date.now() > deadline) {
        await emulator.stop();
        throw new KinesisLocalStartError(
          `kinesis-local did not answer on port ${ports.plainPort} within ${timeoutMs} ms; its output:\n${emulator.logTail()}`,
        );
      }
      await sleep(150);
    }
  }
}

async function ensureStream(client: KinesisClient, streamName: string, shardCount: number): Promise<{ arn: string; shardCount: number }> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilStreamExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { StreamName: streamName });
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const description = summary.StreamDescriptionSummary;
  if (!description?.StreamARN) throw new KinesisLocalStartError(`kinesis-local did not describe stream ${streamName}`);
  return { arn: description.StreamARN, shardCount: description.OpenShardCount ?? shardCount };
}
