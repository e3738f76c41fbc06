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
   * Resolves once the data file holds every record the emulator acknowledged before `at`
   * (epoch ms, default now): a record is on disk, not only in the emulator's memory, so a
   * crash of either process cannot lose it. At once without `dataDir` (nothing is kept).
   * Rejects if the emulator exits before, other than by {@link stop}.
   */
  whenPersisted(at?: number): Promise<void>;
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
  const persisted = new PersistedProgress(persistence === undefined);
  emulator.onPersisted((through) => persisted.advance(through));
  void emulator.exited.then(() => persisted.end(emulator.stoppedGracefully()));
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
      whenPersisted: (at = Date.now()) => persisted.when(at),
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
  /** True once the child has exited after {@link stop} asked it to, with its final save made. */
  stoppedGracefully(): boolean;
  logTail(): string;
  /** Called with `through` after each save of the data file: every record acknowledged before `through` (epoch ms) is on disk. */
  onPersisted(listener: (through: number) => void): void;
  stop(): Promise<void>;
}

/** Lines the wrapper writes on stdout for this process, not the emulator's own output. */
const PERSISTED_MARKER = '\u0000kinesis-local persisted through ';

/**
 * How far the data file is known to hold what the emulator acknowledged, and who waits for
 * it. Ephemeral emulators keep nothing, so nobody waits.
 */
class PersistedProgress {
  private through: number;
  private failure: Error | undefined;
  private readonly waiters: Array<{ at: number; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(ephemeral: boolean) {
    this.through = ephemeral ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  when(at: number): Promise<void> {
    if (this.through >= at) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ at, resolve, reject }));
  }

  advance(through: number): void {
    if (through <= this.through) return;
    this.through = through;
    for (const waiter of [...this.waiters]) {
      if (waiter.at > through) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  /** The emulator exited: after a graceful stop its final save holds everything; otherwise what was not saved is lost. */
  end(graceful: boolean): void {
    if (graceful) return this.advance(Number.POSITIVE_INFINITY);
    this.failure = new Error('kinesis-local exited before it had saved every record it acknowledged');
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}

/** How long the emulator may spend shutting down once told to stop, before it exits regardless. */
const SHUTDOWN_DEADLINE_MS = 5_000;
/** The wrapper's exit code when that deadline ends the emulator (its own graceful exit is 143, as for SIGTERM). */
const DEADLINE_EXIT_CODE = 124;

/**
 * Runs the emulator under a small wrapper that terminates it when its stdin closes (the
 * pipe closes whenever this process goes away, however it dies), and that bounds every
 * shutdown: the emulator's own graceful shutdown can wait indefinitely on half-closed
 * connections.
 *
 * With a data file, the wrapper also makes each save atomic. The emulator rewrites the
 * whole file in place (truncate, then write), so a kill during a save, or the shutdown
 * deadline, would leave a truncated file that the next start cannot load, and the stream
 * would be gone. The wrapper has the emulator write to a temporary file instead and renames
 * it over the data file once the write has finished, so a crash leaves the previous save
 * whole. After each save it tells this process how far the file now reaches: the emulator
 * saves one snapshot at a time, taking each after the previous save began, so a save holds
 * every record acknowledged before the previous save was opened.
 */
function spawnEmulator(env: NodeJS.ProcessEnv, persistence: Persistence | undefined, onLog?: (line: string) => void): RunningEmulator {
  const atomicSaves = persistence
    ? [
        `const fs = require('node:fs');`,
        `const path = require('node:path');`,
        `const dataFile = ${JSON.stringify(persistence.file)};`,
        `const createWriteStream = fs.createWriteStream;`,
        `let previousOpen = 0;`,
        `fs.createWriteStream = function (target, options) {`,
        `  if (typeof target !== 'string' || path.resolve(target) !== dataFile) return createWriteStream.call(this, target, options);`,
        `  const openedAt = Date.now();`,
        `  const temporary = dataFile + '.saving';`,
        `  const stream = createWriteStream.call(this, temporary, options);`,
        // The emulator (fs2) awaits every write, then ends the stream and destroys it at once, having removed
        // every listener once the file opened: a save is complete when end came before destroy; the file is
        // closed on 'close', listened for from destroy on.
        `  let ended = false;`,
        `  const end = stream.end;`,
        `  stream.end = function (...args) { ended = true; return end.apply(this, args); };`,
        `  const destroy = stream.destroy;`,
        `  stream.destroy = function (...args) {`,
        `    if (ended && !args[0]) {`,
        `      saved = () => {`,
        `        saved = undefined;`,
        `        fs.renameSync(temporary, dataFile);`,
        `        process.stdout.write(${JSON.stringify(PERSISTED_MARKER)} + previousOpen + '\\n');`,
        `        previousOpen = openedAt;`,
        `      };`,
        `      this.once('close', () => saved?.());`,
        `    }`,
        `    return destroy.apply(this, args);`,
        `  };`,
        `  return stream;`,
        `};`,
        // The final save, made on the way out, may still wait for its 'close' when the process exits.
        `let saved;`,
        `process.on('exit', () => saved?.());`,
      ]
    : [];
  const wrapper = [
    ...atomicSaves,
    `const deadline = () => setTimeout(() => process.exit(${DEADLINE_EXIT_CODE}), ${SHUTDOWN_DEADLINE_MS}).unref();`,
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
  const persistedListeners: Array<(through: number) => void> = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (line.startsWith(PERSISTED_MARKER)) {
        const through = Number(line.slice(PERSISTED_MARKER.length));
        for (const listener of persistedListeners) listener(through);
        return;
      }
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      onLog?.(line);
    });
  }
  let exited = false;
  let stopRequested = false;
  let graceful = false;
  const exitedPromise = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      // Ended by its own graceful shutdown after stop(): its final save holds everything it acknowledged.
      graceful = stopRequested && signal === null && code !== DEADLINE_EXIT_CODE;
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
    stoppedGracefully: () => graceful,
    logTail: () => tail.join('\n'),
    onPersisted: (listener) => void persistedListeners.push(listener),
    stop: () => {
      stopping ??= (async () => {
        if (exited) return;
        if (persistence) await waitForSaves(persistence, Date.now(), () => exited);
        if (exited) return;
        stopRequested = true;
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
