import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../../lambdas/db/migration-set.js';
import { DataApiDatabase, type SqlDatabase } from '../../lambdas/db/sql-client.js';
import { DEFAULT_LATE_HORIZON_MS } from '../../lambdas/domain/reevaluation.js';
import type { QuarantineSink } from '../../lambdas/shared/quarantine.js';
import { SqsQuarantineSink } from '../../lambdas/shared/quarantine.js';
import { createOpenSearchClient } from '../../lambdas/realtime/client.js';
import { DEFAULT_INDEX_PREFIX } from '../../lambdas/realtime/config.js';
import { currentWindowSeconds } from '../../lambdas/recovery/rebuild.js';
import { batchTarget, realtimeTarget, type ReprocessTarget } from '../../lambdas/recovery/reprocess.js';
import type { FailureSource } from '../../lambdas/recovery/redrive.js';
import { sqsFailureSource } from '../../lambdas/recovery/sqs-failures.js';
import type { StreamRef } from '../../lambdas/recovery/stream-reader.js';
import { createKinesisClient } from '../../lambdas/shared/kinesis-client.js';
import {
  createLocalRdsDataClient,
  LOCAL_TARGET,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
} from '../../local/data-api/index.js';
import { DatabaseQuarantineSink } from '../../local/database-quarantine.js';
import { dataDirHolder, DataDirInUseError, lockDataDir, type LocalEndpoints } from '../../local/data-dir-lock.js';
import { failedBatchesFile } from '../../local/failed-batches.js';
import { kinesisClientFor, startKinesisLocal } from '../../local/kinesis-local.js';
import { resolveLocalOpenSearch } from '../../local/opensearch/server.js';

/**
 * Where a recovery command works: the local runtime's data directory (by default), or a
 * deployed stage (`--stage <env>`) with the caller's AWS credentials, its resources named by
 * its stack's outputs. Either way the command gets the same parts: the stream, the batch
 * store, the processors' own processing, and the on-failure destination.
 */
export interface RecoveryTarget {
  /** What it is, for the report: the data directory, or the stage and its stack. */
  readonly description: string;
  readonly region: string;
  /** The stream, when the command needs it. */
  readonly stream: StreamRef | undefined;
  readonly db: SqlDatabase;
  /** The processors' settings. */
  readonly settings: ProcessingSettings;
  /** The batch processor's processing, as deployed. */
  batch(): ReprocessTarget;
  /** The real-time processor's processing, or why there is none here. */
  realtime(): Promise<ReprocessTarget | { readonly unavailable: string }>;
  /** Where failed batches wait. */
  failures(options: { readonly again: boolean }): FailureSource & { release?(): Promise<void> };
  close(): Promise<void>;
}

export interface ProcessingSettings {
  /** The event-time window: the stage's, the running pipeline's, or that of the latest judged window (10 s on an empty store). */
  readonly windowSeconds: number;
  readonly allowedLatenessSeconds: number;
  readonly lateHorizonMs: number;
  readonly tumblingWindowSeconds: number;
}

/** A target cannot be opened; the message says why and what to do. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

const STREAM_NAME = 'geotech-readings';
const LOCAL_DEFAULTS = { windowSeconds: 10, allowedLatenessSeconds: 15, tumblingWindowSeconds: 30 };

interface Parts {
  readonly description: string;
  readonly region: string;
  readonly stream: StreamRef | undefined;
  readonly db: SqlDatabase;
  readonly settings: ProcessingSettings;
  readonly quarantine: QuarantineSink;
  readonly openSearch: () => Promise<{ client: Client; indexPrefix: string } | { unavailable: string }>;
  readonly failures: RecoveryTarget['failures'];
  readonly close: () => Promise<void>;
}

function targetOf(parts: Parts): RecoveryTarget {
  const windowSeconds = parts.settings.windowSeconds;
  return {
    description: parts.description,
    region: parts.region,
    stream: parts.stream,
    db: parts.db,
    settings: parts.settings,
    failures: parts.failures,
    close: parts.close,
    // As lambdas/batch/handler.ts builds it: changes go to the alarm lifecycle, whose escalation function alone notifies.
    batch: () =>
      batchTarget({
        store: new AuroraBatchStore(parts.db, windowSeconds, { lateHorizonMs: parts.settings.lateHorizonMs }),
        alarms: new AlarmStore(parts.db),
        windowSeconds,
        allowedLatenessMs: parts.settings.allowedLatenessSeconds * 1000,
      }),
    async realtime() {
      const store = await parts.openSearch();
      if ('unavailable' in store) return store;
      return realtimeTarget({
        client: store.client,
        indexPrefix: store.indexPrefix,
        windowMs: windowSeconds * 1000,
        quarantine: parts.quarantine,
        lateHorizonMs: parts.settings.lateHorizonMs,
      });
    },
  };
}

export interface LocalTargetOptions {
  readonly dataDir: string;
  /** The command, for the data directory's lock (`npm run redrive`). */
  readonly command: string;
  /** Whether the stream is needed (redrive, replay) or only the batch store (rebuild). */
  readonly needStream: boolean;
}

/**
 * The local runtime's data directory. While `npm start` runs on it, the command uses its
 * endpoints (its stream, its Data API); otherwise it opens the directory itself, holding its
 * lock meanwhile, with the embedded database behind a Data API endpoint of its own (the
 * migrations applied) and, when needed, the kept stream in kinesis-local, on free ports.
 */
export async function openLocalTarget(options: LocalTargetOptions): Promise<RecoveryTarget> {
  const dataDir = resolve(options.dataDir);
  if (!existsSync(dataDir)) throw new TargetError(`${dataDir} does not exist: run \`npm start\` first, or name its --data-dir`);
  const holder = dataDirHolder(dataDir);
  if (holder) {
    if (!holder.endpoints) throw new DataDirInUseError(dataDir, holder);
    return runningPipeline(dataDir, holder.pid, holder.endpoints);
  }
  return openDataDir(dataDir, options);
}

function runningPipeline(dataDir: string, pid: number, endpoints: LocalEndpoints): RecoveryTarget {
  const rdsData = createLocalRdsDataClient(endpoints.dataApiUrl);
  const db = new DataApiDatabase(rdsData, LOCAL_TARGET);
  const kinesis = kinesisClientFor(endpoints.kinesisEndpoint);
  let openSearch: Client | undefined;
  return targetOf({
    description: `the local pipeline running on ${dataDir} (process ${pid})`,
    region: 'us-east-1',
    stream: { kinesis, streamName: endpoints.streamName },
    db,
    settings: {
      windowSeconds: endpoints.windowSeconds,
      allowedLatenessSeconds: endpoints.allowedLatenessSeconds,
      lateHorizonMs: DEFAULT_LATE_HORIZON_MS,
      tumblingWindowSeconds: LOCAL_DEFAULTS.tumblingWindowSeconds,
    },
    quarantine: new DatabaseQuarantineSink(new AuroraBatchStore(db, endpoints.windowSeconds)),
    async openSearch() {
      if (!endpoints.openSearchUrl)
        return { unavailable: 'the running pipeline has no real-time store (it started with its real-time path off)' };
      openSearch ??= createOpenSearchClient({ endpoint: endpoints.openSearchUrl, auth: 'none', region: undefined });
      return { client: openSearch, indexPrefix: endpoints.openSearchIndexPrefix ?? DEFAULT_INDEX_PREFIX };
    },
    failures: ({ again }) => failedBatchesFile(dataDir, { again }),
    async close() {
      rdsData.destroy();
      kinesis.destroy();
      await openSearch?.close();
    },
  });
}

async function openDataDir(dataDir: string, options: LocalTargetOptions): Promise<RecoveryTarget> {
  const databaseDir = join(dataDir, 'postgres');
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    throw new TargetError(`${dataDir} holds no database (no ${databaseDir}/PG_VERSION): is it the data directory of \`npm start\`?`);
  }
  const streamFile = join(dataDir, 'kinesis', 'kinesis-data.json');
  if (options.needStream && !existsSync(streamFile)) {
    throw new TargetError(`${dataDir} keeps no stream (no ${streamFile}): there is nothing to read records back from`);
  }
  const lock = await lockDataDir(dataDir, options.command);
  const closers: Array<() => Promise<void>> = [() => lock.release()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const embedded = await openEmbeddedDatabase({ dataDir: databaseDir, templateCache: false });
    closers.push(() => embedded.close());
    const backend = pgliteBackend(embedded);
    closers.push(() => backend.close());
    const server = await startDataApiServer({ backend, port: 0 });
    closers.push(() => server.close());
    const rdsData = createLocalRdsDataClient(server.url);
    closers.push(async () => rdsData.destroy());
    await runMigrations({ client: rdsData, ...LOCAL_TARGET, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
    const db = new DataApiDatabase(rdsData, LOCAL_TARGET);
    let stream: StreamRef | undefined;
    if (options.needStream) {
      const kinesis = await startKinesisLocal({ streamName: STREAM_NAME, dataDir: join(dataDir, 'kinesis') });
      closers.push(() => kinesis.stop());
      stream = { kinesis: kinesis.client, streamName: STREAM_NAME };
    }
    const windowSeconds = (await currentWindowSeconds(db)) ?? LOCAL_DEFAULTS.windowSeconds;
    let openSearch: Promise<{ client: Client; indexPrefix: string } | { unavailable: string }> | undefined;
    return targetOf({
      description: `the local data directory ${dataDir}`,
      region: 'us-east-1',
      stream,
      db,
      settings: {
        windowSeconds,
        allowedLatenessSeconds: LOCAL_DEFAULTS.allowedLatenessSeconds,
        lateHorizonMs: DEFAULT_LATE_HORIZON_MS,
        tumblingWindowSeconds: LOCAL_DEFAULTS.tumblingWindowSeconds,
      },
      quarantine: new DatabaseQuarantineSink(new AuroraBatchStore(db, windowSeconds)),
      openSearch: () =>
        (openSearch ??= (async () => {
          const found = await resolveLocalOpenSearch({ log: () => undefined });
          if (found.off) return { unavailable: `no real-time store: ${found.reason}` };
          closers.push(() => found.stop());
          const client = createOpenSearchClient({ endpoint: found.url, auth: 'none', region: undefined });
          closers.push(() => client.close());
          return { client, indexPrefix: DEFAULT_INDEX_PREFIX };
        })()),
      failures: ({ again }) => failedBatchesFile(dataDir, { again }),
      close,
    });
  } catch (error) {
    await close();
    throw error;
  }
}

/** The outputs a stage's stack must have for the recovery commands. */
export const REQUIRED_OUTPUTS = [
  'StreamName',
  'DatabaseClusterArn',
  'DatabaseSecretArn',
  'DatabaseName',
  'ProcessingFailuresQueueUrl',
  'QuarantineQueueUrl',
  'OpenSearchEndpoint',
  'WindowSeconds',
  'AllowedLatenessSeconds',
  'LateHorizonSeconds',
  'TumblingWindowSeconds',
  'OpenSearchIndexPrefix',
] as const;

type StackOutputs = Record<(typeof REQUIRED_OUTPUTS)[number], string>;

/** The AWS clients a stage target uses; each defaults to the SDK's, with the caller's credentials and Region. */
export interface StageClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly kinesis: KinesisClient;
  readonly rdsData: RDSDataClient;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly openSearch: (endpoint: string, region: string) => Client;
}

export interface StageTargetOptions {
  readonly stage: string;
  /** Default: the SDK's (AWS_REGION, the profile). */
  readonly region?: string;
  readonly clients?: Partial<StageClients>;
}

/** The stack of a stage, as bin/app.ts names it. */
export function stackNameOf(stage: string): string {
  return `GeotechMonitoring-${stage}`;
}

/**
 * A deployed stage: its stack's outputs (CloudFormation DescribeStacks) name the stream, the
 * cluster and its secret, the queues and the domain, and give the processors' settings; every
 * call is made with the caller's credentials.
 */
export async function openStageTarget(options: StageTargetOptions): Promise<RecoveryTarget> {
  const config = options.region ? { region: options.region } : {};
  const cloudFormation = options.clients?.cloudFormation ?? new CloudFormationClient(config);
  const outputs = await stackOutputs(cloudFormation, options.stage);
  const kinesis = options.clients?.kinesis ?? createKinesisClient(config);
  const region = await kinesis.config.region();
  const rdsData = options.clients?.rdsData ?? new RDSDataClient(config);
  const sqs = options.clients?.sqs ?? new SQSClient(config);
  const db = new DataApiDatabase(rdsData, {
    resourceArn: outputs.DatabaseClusterArn,
    secretArn: outputs.DatabaseSecretArn,
    database: outputs.DatabaseName,
  });
  const settings: ProcessingSettings = {
    windowSeconds: wholeOutput(outputs, 'WindowSeconds'),
    allowedLatenessSeconds: wholeOutput(outputs, 'AllowedLatenessSeconds'),
    lateHorizonMs: wholeOutput(outputs, 'LateHorizonSeconds') * 1000,
    tumblingWindowSeconds: wholeOutput(outputs, 'TumblingWindowSeconds'),
  };
  let openSearch: Client | undefined;
  return targetOf({
    description: `stage ${options.stage} (stack ${stackNameOf(options.stage)}, ${region})`,
    region,
    stream: { kinesis, streamName: outputs.StreamName },
    db,
    settings,
    quarantine: new SqsQuarantineSink({ client: sqs as SQSClient, queueUrl: outputs.QuarantineQueueUrl }),
    async openSearch() {
      openSearch ??= (options.clients?.openSearch ?? defaultOpenSearch)(outputs.OpenSearchEndpoint, region);
      return { client: openSearch, indexPrefix: outputs.OpenSearchIndexPrefix };
    },
    failures: () => sqsFailureSource({ sqs, queueUrl: outputs.ProcessingFailuresQueueUrl }),
    async close() {
      await openSearch?.close();
    },
  });
}

const defaultOpenSearch = (endpoint: string, region: string) => createOpenSearchClient({ endpoint, auth: 'iam', region });

async function stackOutputs(cloudFormation: Pick<CloudFormationClient, 'send'>, stage: string): Promise<StackOutputs> {
  const stackName = stackNameOf(stage);
  let stack;
  try {
    [stack] = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === 'ValidationError' && /does not exist/.test(message)) {
      throw new TargetError(
        `there is no stack ${stackName}: is stage ${stage} deployed in this account and Region (AWS_PROFILE, AWS_REGION)?`,
      );
    }
    if ((error as Error).name === 'CredentialsProviderError') {
      throw new TargetError(`no AWS credentials to reach stage ${stage} with (${message}): set AWS_PROFILE, or sign in first`);
    }
    throw new TargetError(`could not describe the stack ${stackName}: ${(error as Error).name}: ${message}`);
  }
  if (!stack) throw new TargetError(`there is no stack ${stackName}`);
  const found = new Map((stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  const missing = REQUIRED_OUTPUTS.filter((name) => !found.get(name));
  if (missing.length > 0) {
    throw new TargetError(
      `the stack ${stackName} lacks the output(s) ${missing.join(', ')}: deploy it from this version of the project (\`npx cdk deploy -c env=${stage}\`) first`,
    );
  }
  return Object.fromEntries(REQUIRED_OUTPUTS.map((name) => [name, found.get(name)!])) as StackOutputs;
}

function wholeOutput(outputs: StackOutputs, name: keyof StackOutputs): number {
  const value = Number(outputs[name]);
  if (!Number.isInteger(value) || value < 0) throw new TargetError(`the stack output ${name} is not a whole number (got ${outputs[name]})`);
  return value;
}
