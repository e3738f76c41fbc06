import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../lambdas/shared/retry.js';
import { assertPortFree, freePort } from '../ports.js';
import { readTail, signalGroup, terminate } from '../service-process.js';
import { kafkaClassPath, kafkaPrerequisitesMissing, requireCachedKafka, type KafkaDistribution } from './distribution.js';

/**
 * A real single-node Apache Kafka broker in KRaft mode (one process as broker and
 * controller, no ZooKeeper) on loopback, from the cached distribution (`./distribution.ts`):
 * for the tests and `npm start -- --stream kafka`. Its log segments live in a data folder
 * that outlives the process when one is given, so a restarted broker serves every record
 * and committed offset it held.
 */

export class KafkaServerError extends Error {
  override readonly name = 'KafkaServerError';
}

export interface KafkaStartOptions {
  readonly distribution?: KafkaDistribution;
  /** Where the log segments live. Default: a throwaway folder removed at stop. */
  readonly dataDir?: string;
  /** Client port on 127.0.0.1; 0 (the default) takes a free one. */
  readonly port?: number;
  /** The option that chose `port`, named when it is taken. Default `--kafka-port`. */
  readonly portOption?: string;
  /** Default `512m`. */
  readonly heap?: string;
  /** How long to wait for the broker to accept connections. Default 90 000 ms. */
  readonly startTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

export interface RunningKafka {
  /** `127.0.0.1:<port>`, what clients bootstrap from. */
  readonly bootstrapServers: string;
  readonly port: number;
  readonly version: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts the broker and waits until it accepts connections and has elected itself controller. */
export async function startKafka(options: KafkaStartOptions = {}): Promise<RunningKafka> {
  const log = options.log ?? (() => {});
  const missing = kafkaPrerequisitesMissing(false);
  if (missing.length > 0) throw new KafkaServerError(`cannot run Apache Kafka: install ${missing.join(' and ')}`);
  const distribution = options.distribution ?? requireCachedKafka();
  const throwaway = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'geotech-kafka-'));
  mkdirSync(dataDir, { recursive: true });
  const logDir = join(dataDir, 'log-segments');

  if (options.port) await assertPortFree(options.port, options.portOption ?? '--kafka-port');
  const port = options.port || (await freePort());
  const controllerPort = await freePort([port]);
  const properties = join(dataDir, 'server.properties');
  writeFileSync(properties, serverProperties({ port, controllerPort, logDir }));
  const classPath = kafkaClassPath(distribution);
  if (!existsSync(join(logDir, 'meta.properties'))) formatStorage(classPath, properties);

  const consoleLog = join(dataDir, 'broker.log');
  const logOffset = existsSync(consoleLog) ? statSync(consoleLog).size : 0;
  const output = createWriteStream(consoleLog, { flags: 'a' });
  const heap = options.heap ?? '512m';
  const child = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(distribution.home, 'log4j2.yaml')}`,
      '-cp',
      classPath,
      'kafka.Kafka',
      properties,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(output, { end: false });
  child.stderr?.pipe(output, { end: false });
  const killGroup = (): void => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killGroup);
    await terminate(child, 30_000);
    output.end();
    if (throwaway) rmSync(dataDir, { recursive: true, force: true });
  };

  const bootstrapServers = `127.0.0.1:${port}`;
  log(`starting Apache Kafka ${distribution.version} on ${bootstrapServers}`);
  try {
    await waitUntilStarted({
      port,
      started: () => logSince(consoleLog, logOffset).includes(STARTED_LINE),
      exited: () => child.exitCode !== null || child.signalCode !== null,
      timeoutMs: options.startTimeoutMs ?? 90_000,
    });
  } catch (error) {
    const tail = readTail(consoleLog, 40);
    await stop();
    throw new KafkaServerError(`${(error as Error).message}${tail ? `\n${tail}` : ''}`);
  }
  log(`Apache Kafka ${distribution.version} is up on ${bootstrapServers}`);
  return { bootstrapServers, port, version: distribution.version, dataDir, stop };
}

/** The broker's configuration: one node, plaintext on loopback, replication factor 1 for the internal topics. */
export function serverProperties(args: { port: number; controllerPort: number; logDir: string }): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${args.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${args.port},CONTROLLER://127.0.0.1:${args.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${args.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${args.logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** Formats a new data folder with a fresh cluster id (a KRaft broker refuses an unformatted one). */
function formatStorage(classPath: string, properties: string): void {
  const result = spawnSync(
    'java',
    ['-cp', classPath, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', `--cluster-id=${clusterId()}`, '-c', properties],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new KafkaServerError(`could not format the Kafka data folder:\n${result.stdout}${result.stderr}`);
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (it may start with `-`, so it is passed as `--cluster-id=<id>`). */
function clusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

/**
 * What the broker logs once it has caught up with its metadata log and opened its
 * listeners: before it, a restarted broker answers that the topics it holds are unknown.
 */
const STARTED_LINE = 'Kafka Server started';

async function waitUntilStarted(args: { port: number; started: () => boolean; exited: () => boolean; timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  while (Date.now() < deadline) {
    if (args.exited()) throw new KafkaServerError('the Kafka broker exited while starting');
    if (args.started() && (await accepts(args.port))) return;
    await sleep(200);
  }
  throw new KafkaServerError(`the Kafka broker did not start serving on port ${args.port} within ${args.timeoutMs} ms`);
}

function logSince(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
