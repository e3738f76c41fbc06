import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Client } from '@opensearch-project/opensearch';
import { AlarmStore } from '../lambdas/alarms/alarm-store.js';
import { runEscalation, type EscalationOutcome } from '../lambdas/alarms/escalation.js';
import { OutboxFileChannel, type NotificationChannel, type NotificationMessage } from '../lambdas/alarms/notification-channels.js';
import { createApiHandler } from '../lambdas/api/api-handler.js';
import { readApiServices } from '../lambdas/api/read-api.js';
import { AuroraBatchStore } from '../lambdas/batch/aurora-store.js';
import { AuroraPartitionProgress } from '../lambdas/batch/aurora-partition-progress.js';
import { createBatchHandler, createBatchKafkaHandler, type BatchHandler } from '../lambdas/batch/batch-handler.js';
import { BATCH_CONSUMER } from '../lambdas/batch/batch-processor.js';
import { describeTopic, ensureTopic, withAdmin } from '../lambdas/kafka/topics.js';
import { createReadingsProducer, KafkaWriter } from '../lambdas/poller/kafka-writer.js';
import { OpenSearchPartitionProgress } from '../lambdas/realtime/partition-progress.js';
import type { KafkaBatchResponse, KafkaLambdaEvent } from '../lambdas/shared/kafka-lambda-event.js';
import { LocalKafkaEventSourceMapping } from './kafka/event-source-mapping.js';
import { startKafka } from './kafka/server.js';
import { runMigrations } from '../lambdas/db/migrate.js';
import { applySiteSettings } from '../lambdas/db/site-settings.js';
import { assertTimeZone, DEFAULT_SITE_TIME_ZONE } from '../lambdas/domain/site-time.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../lambdas/db/sql-client.js';
import type { RejectionReason } from '../lambdas/domain/rejection.js';
import { DEFAULT_ESCALATION_POLICY, type EscalationPolicy } from '../lambdas/domain/escalation.js';
import type { ResponsePlanRule } from '../lambdas/domain/response-plans.js';
import { applyOpenSearchSetup } from '../lambdas/opensearch/setup.js';
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS, parsePollerConfig, type HistoryMode, type PollerConfig } from '../lambdas/poller/config.js';
import { triggerSummary, type TriggerSummary } from './trigger-summary.js';
import { alarmSummary, latestAuditId, type AlarmSummary } from './alarm-summary.js';
import { contactsFor, type EscalationContact } from './escalation-contacts.js';
import { EMPTY_POLL_SUMMARY, addPollSummaries, type PollSummary } from '../lambdas/poller/poll-once.js';
import { createPoller, type Poller } from '../lambdas/poller/poller.js';
import { probeSource, type SourceProbe } from '../lambdas/poller/probe.js';
import type { EndpointFailure } from '../lambdas/poller/source-client.js';
import { createOpenSearchClient } from '../lambdas/realtime/client.js';
import { DEFAULT_INDEX_PREFIX } from '../lambdas/realtime/config.js';
import { createRealtimeHandler, createRealtimeKafkaHandler } from '../lambdas/realtime/realtime-handler.js';
import { METRICS_OFF } from '../lambdas/shared/invocation-metrics.js';
import { SERVICE_NAMES, type ServiceName } from '../lambdas/shared/telemetry.js';
import type { TumblingWindowEvent, TumblingWindowResponse } from '../lambdas/shared/tumbling-window.js';
import {
  createLocalRdsDataClient,
  LOCAL_TARGET,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  startPsqlSocket,
  type DataApiServer,
  type RequestLogEntry,
} from './data-api/index.js';
import { startLocalAlarmApi, type LocalAlarmApi } from './api/local-alarm-api.js';
import { DEFAULT_CONSOLE_PORT, startConsoleServer, type ConsoleServer } from './console/server.js';
import { DatabaseQuarantineSink } from './database-quarantine.js';
import { FileCursorStore } from './file-cursor-store.js';
import { FileCheckpointStore } from './esm/checkpoint-store.js';
import { LocalEventSourceMapping, type InvocationReport } from './esm/event-source-mapping.js';
import { startKinesisLocal, type KinesisLocal } from './kinesis-local.js';
import { resolveLocalOpenSearch } from './opensearch/server.js';
import { assertPortFree } from './ports.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { FAILED_BATCHES_FILE } from './failed-batches.js';
import { onFailureMessage } from '../lambdas/recovery/on-failure-message.js';
import { startSimulatorServer, type RunningSimulator } from './simulator-server.js';
import { FAULT_KINDS } from '../lambdas/simulator/faults.js';

/** Options of the embedded pipeline; every port 0 means "any free port". */
export interface LocalPipelineOptions {
  /** Where the database, the stream and the checkpoints persist. Default `.data`. */
  readonly dataDir: string;
  /** Port of the source-API simulator. Default 8070. */
  readonly simulatorPort: number;
  /** Port of the Kinesis emulator (plain HTTP). Default 4590. */
  readonly kinesisPort: number;
  /** Port of the local RDS Data API endpoint. Default 8071. */
  readonly dataApiPort: number;
  /** Port where the embedded database speaks the PostgreSQL protocol, for psql or a BI tool. Default 5499. */
  readonly psqlPort: number;
  /** Seed of the simulator. Default `geotech`. */
  readonly seed: string;
  /** Instruments per type in the simulator. Default: drawn from the seed (50 to 150). */
  readonly instrumentsPerType?: number;
  /** Rate of each simulator fault (bad items, 5xx, invalid JSON...), 0..1. Default 0.01. */
  readonly faultRate: number;
  /** How often the poller polls, seconds. Default 10. */
  readonly pollIntervalSeconds: number;
  /** Event-time window both processors average over, seconds. Default 10. */
  readonly windowSeconds: number;
  /** Lambda tumbling window of the event source mapping, seconds. Default 30. */
  readonly tumblingWindowSeconds: number;
  /**
   * Shards of the stream. Default 4. The emulator's PutRecords slows as a shard grows,
   * so more shards keep a long local run responsive.
   */
  readonly shards: number;
  /** Most records per invocation of either processor. Default 500. */
  readonly batchSize: number;
  /**
   * Retries of a failing batch before it goes to the on-failure file (`failed-batches.jsonl`),
   * as the deployment's `retryAttempts`. Default -1: retried until it succeeds, so nothing
   * needs a redrive (`npm run redrive` takes what does go there).
   */
  readonly retryAttempts?: number;
  /** Records older than this go to the on-failure file unprocessed, as `maxRecordAgeSeconds`. Default -1: never. */
  readonly maxRecordAgeSeconds?: number;
  /** How late a reading may arrive and still count for its window's trigger evaluation (the batch processor's), seconds. Default 15. */
  readonly allowedLatenessSeconds: number;
  /**
   * The site's IANA time zone, written to report_settings at start (the report views cut
   * days in it), as the deployment's `siteTimeZone` is at deploy. Default Australia/Melbourne.
   */
  readonly siteTimeZone: string;
  /** Keep every item the simulator serves (for tests that recompute from them). Default false. */
  readonly recordServed?: boolean;
  /**
   * Persist the stream in the data directory so a restart resumes it. Default true. The
   * emulator rewrites its whole data file every second, which slows it as the stream grows.
   */
  readonly persistStream?: boolean;
  /**
   * An external instrument API to poll instead of starting the simulator (base URL). Its
   * history mode is used where it has one. Default: none (the simulator).
   */
  readonly sourceUrl?: string;
  /** Paths polled beneath the source. Default: the five reading paths. */
  readonly sourcePaths?: readonly string[];
  /** The poller's history mode (`SOURCE_HISTORY_MODE`). Default `auto`. */
  readonly historyMode?: HistoryMode;
  /**
   * The real-time path into OpenSearch. `auto` (the default) writes to OPENSEARCH_URL when
   * it is set, else starts the cached OpenSearch distribution when there is one, else runs
   * without it and says why; `off` runs without it.
   */
  readonly realtime?: 'auto' | 'off';
  /** How often the escalation function runs, seconds (every minute in AWS). Default 10. */
  readonly escalationIntervalSeconds: number;
  /** Tiers and reminder interval of the escalation. Default the domain's (3 tiers, reminders every 30 minutes). */
  readonly escalationPolicy: EscalationPolicy;
  /** Who each tier's notifications would go to, written with each outbox line. Default none. */
  readonly contacts?: readonly EscalationContact[];
  /** Response plan rules written to the database at start (the full list, replacing what is there). Default: left as they are. */
  readonly responsePlans?: readonly ResponsePlanRule[];
  /** Base URL notifications give for acknowledging. Default: the local site console's URL. */
  readonly acknowledgeUrl?: string;
  /** Port of the local alarm API (the API function behind a stand-in for the HTTP API and its sign-in). Default 8072. */
  readonly apiPort: number;
  /** Users, passwords and groups of the local sign-in stand-in. Default `local/users.json`. */
  readonly usersFile?: string;
  /** Port of the site console (built on start when missing or stale, `/api` proxied to the local API). Default 8073. */
  readonly consolePort: number;
  /**
   * The stream: `kinesis` (kinesis-local, the default) or `kafka` (a real Apache Kafka broker
   * from the cached distribution, as Amazon MSK in AWS: the topic has `shards` partitions,
   * the processors run on the local MSK event source mapping).
   */
  readonly stream?: LocalStreamKind;
  /** Port of the Kafka broker with `stream: 'kafka'`. Default 9092. */
  readonly kafkaPort: number;
  /** Called once per request the local Data API endpoint serves (its operation and bytes), e.g. to count them. Default none. */
  readonly onDataApiRequest?: (entry: RequestLogEntry) => void;
}

export const LOCAL_STREAM_KINDS = ['kinesis', 'kafka'] as const;
export type LocalStreamKind = (typeof LOCAL_STREAM_KINDS)[number];

/** How long the local topic keeps records: the default retention of the deployed stream and topic (7 days). */
const LOCAL_TOPIC_RETENTION_MS = 7 * 24 * 3_600_000;

export const DEFAULT_PIPELINE_OPTIONS: LocalPipelineOptions = {
  dataDir: '.data',
  simulatorPort: 8070,
  kinesisPort: 4590,
  dataApiPort: 8071,
  psqlPort: 5499,
  seed: 'geotech',
  faultRate: 0.01,
  pollIntervalSeconds: 10,
  windowSeconds: 10,
  tumblingWindowSeconds: 30,
  shards: 4,
  batchSize: 500,
  allowedLatenessSeconds: 15,
  siteTimeZone: DEFAULT_SITE_TIME_ZONE,
  escalationIntervalSeconds: 10,
  escalationPolicy: DEFAULT_ESCALATION_POLICY,
  apiPort: 8072,
  consolePort: DEFAULT_CONSOLE_PORT,
  kafkaPort: 9092,
};

/** Counters of one run; `readingsPolled = readingsAccepted + readingsRejected`. */
export interface PipelineSummary {
  readingsPolled: number;
  readingsAccepted: number;
  readingsRejected: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  recordsPut: number;
  /** Records the batch processor handled. */
  recordsProcessed: number;
  /** Window aggregates the batch processor wrote to the batch store. */
  windowsWritten: number;
  /** Windows written in this run that average more than one reading. */
  windowsWithSeveralReadings: number;
  /** Status changes (trigger events) the batch processor wrote to the batch store. */
  alertsRaised: number;
  endpointFailures: number;
  /** Invocations of either processor that failed and were retried (a sink outage shows here). */
  invocationErrors: number;
  /** Batches of either processor sent to the on-failure destination after retries ran out. */
  failedBatches: number;
  /** Records the real-time processor handled (0 when the real-time path is off). */
  realtimeRecordsProcessed: number;
  /** What the trigger model did, over the whole data dir. */
  triggers: TriggerSummary;
  /** What the alarm lifecycle did in this run, from its audit. */
  alarms: AlarmSummary;
}

/** Whether the real-time path runs, and where it writes or why not. */
export type RealtimeSinkStatus =
  { readonly on: true; readonly url: string; readonly source: 'env' | 'started' } | { readonly on: false; readonly reason: string };

export interface RecentAlert {
  readonly instrumentId: string;
  readonly instrumentType: string;
  readonly from: string;
  readonly to: string;
  readonly mean: number;
  readonly windowStart: string;
}

export interface LocalPipeline {
  /** The source polled: the simulator's URL, or the external API's. */
  readonly sourceUrl: string;
  /** The paths polled. */
  readonly sourcePaths: readonly string[];
  readonly kinesisEndpoint: string;
  readonly dataApiUrl: string;
  readonly psqlCommand: string;
  readonly realtimeSink: RealtimeSinkStatus;
  readonly streamName: string;
  /** The stream the readings go through, and for Kafka the broker's bootstrap address. */
  readonly stream: { readonly kind: 'kinesis' } | { readonly kind: 'kafka'; readonly bootstrapServers: string };
  readonly dataDir: string;
  /** The site time zone written to report_settings. */
  readonly siteTimeZone: string;
  /** The simulator, unless an external source is polled. */
  readonly simulator: RunningSimulator | undefined;
  readonly database: DataApiDatabase;
  /** The batch processor's handler as the pipeline wired it, for a replay through another event source mapping. */
  readonly batchHandler: BatchHandler;
  /** The alarm lifecycle's store, on the same database. */
  readonly alarms: AlarmStore;
  /** The local alarm API: its URL, and the users file its sign-in stand-in reads. */
  readonly alarmApi: { readonly url: string; readonly usersFile: string; readonly users: LocalAlarmApi['users'] };
  /** The site console, and whether its bundle was built at start (and why). */
  readonly console: { readonly url: string; readonly built: boolean; readonly buildReason: string | undefined };
  /** The JSONL file every tier's notifications are written to. */
  readonly outboxPath: string;
  /** One run of the escalation function now, outside its timer. */
  escalateNow(): Promise<EscalationOutcome>;
  /** Notifications sent since the last call. */
  newNotifications(): NotificationMessage[];
  /** Starts polling on the schedule and processing the stream. */
  run(): void;
  /** One poll now, outside the schedule. */
  pollNow(): Promise<PollSummary>;
  /** What each path answered to a first probe at start: its mode, or why it failed. */
  probe(): Promise<SourceProbe[]>;
  /** The endpoints that failed in the latest poll (empty when none did). */
  lastEndpointFailures(): readonly EndpointFailure[];
  /** Counters so far, with window and alert counts read from the database. */
  summary(): Promise<PipelineSummary>;
  /** Status changes recorded since the last call. */
  newAlerts(): Promise<RecentAlert[]>;
  /** Stops polling, processes everything left in the stream and closes its windows, then runs the escalation once more. */
  drain(): Promise<void>;
  /**
   * Takes the Data API endpoint down for `downForMs` and brings it back on the same port:
   * a sink outage, to watch the event source mapping retry and lose nothing.
   */
  simulateDatabaseOutage(downForMs: number): Promise<void>;
  /** Stops everything; checkpoints and data stay in the data directory. */
  close(): Promise<void>;
}

const STREAM_NAME = 'geotech-readings';

/** The cluster ARN the local MSK event source mapping's events carry. */
const LOCAL_KAFKA_CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';

/** The on-failure file of the local MSK event source mapping: one Lambda on-failure document for Kafka per line. */
export const FAILED_KAFKA_BATCHES_FILE = 'failed-kafka-batches.jsonl';

/** The audit's actor for response plans loaded from `--response-plans` at start. */
const LOCAL_PLAN_ACTOR = 'local:response-plans-file';

/** What the local runtime's handlers log: POWERTOOLS_LOG_LEVEL when set, else errors only, so the progress line stays readable. */
const LOCAL_LOG_LEVEL = (process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR') as 'ERROR';

/** Stops what was started, last first. */
class Closers {
  private readonly closers: Array<() => Promise<void>> = [];
  add(close: () => Promise<void>): void {
    this.closers.push(close);
  }
  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
    this.closers.length = 0;
  }
}

/**
 * Starts the whole pipeline on this machine: the simulator, kinesis-local with the
 * stream, embedded PostgreSQL with the schema behind a local Data API endpoint (and a
 * PostgreSQL-protocol port), the poller on its schedule, and one local event source
 * mapping per processor driving the same handlers the functions run: the batch processor
 * always, the real-time processor when OpenSearch is available; the escalation function
 * on its timer, and the alarm API function behind the local HTTP API (with the sign-in
 * stand-in) on the same database. Every handler is built by its factory with its
 * dependencies given; nothing is passed through the environment.
 */
export async function startLocalPipeline(overrides: Partial<LocalPipelineOptions> = {}): Promise<LocalPipeline> {
  const options: LocalPipelineOptions = { ...DEFAULT_PIPELINE_OPTIONS, ...overrides };
  assertTimeZone(options.siteTimeZone);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  // One process per data directory: a second would corrupt the embedded database.
  const lock = await lockDataDir(dataDir, 'npm start');
  const closers = new Closers();
  closers.add(() => lock.release());
  await assertPortsFree(options).catch(async (error: unknown) => {
    await closers.closeAll();
    throw error;
  });
  // Closed after the stream (closers run last first): the stream's final save holds everything, so every deferred position can be written.
  const positions = new DurablePositions();
  closers.add(() => positions.flushed());
  try {
    const simulator = options.sourceUrl === undefined ? await startSimulator(options) : undefined;
    if (simulator) closers.add(() => simulator.close());
    const kinesis = await startStream(options, dataDir);
    closers.add(() => kinesis.stop());
    const kafka = options.stream === 'kafka' ? await startLocalKafka(options, dataDir) : undefined;
    if (kafka) closers.add(() => kafka.stop());
    const batchStore = await startBatchStore(options, dataDir, closers);
    const openSearch = await startRealtimeStore(options);
    if (!openSearch.off) closers.add(() => openSearch.stop());
    const quarantine = new DatabaseQuarantineSink(batchStore.store);
    const processors = new ProcessorMappings(options, dataDir, kinesis, positions, kafka);
    const alarms = new AlarmStore(batchStore.database);
    if (options.responsePlans) await alarms.putResponsePlanRules(options.responsePlans, LOCAL_PLAN_ACTOR);
    const alarmApi = await startLocalAlarmApi({
      handler: createApiHandler({
        alarms,
        readings: readApiServices({
          db: batchStore.database,
          kinesis: kinesis.client,
          ...(kafka ? { writer: kafka.writer } : {}),
          config: {
            streamName: STREAM_NAME,
            windowSeconds: options.windowSeconds,
            maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_SECONDS * 1000,
          },
        }),
        policy: options.escalationPolicy,
        siteTimeZone: options.siteTimeZone,
        logger: localLogger(SERVICE_NAMES.alarmApi),
      }),
      dataDir,
      port: options.apiPort,
      ...(options.usersFile === undefined ? {} : { usersFile: options.usersFile }),
    });
    closers.add(() => alarmApi.close());
    const consoleServer = await startConsoleServer({ apiUrl: alarmApi.url, siteTimeZone: options.siteTimeZone, port: options.consolePort });
    closers.add(() => consoleServer.close());
    const batchHandler = createBatchHandler({
      store: batchStore.store,
      alarms,
      windowSeconds: options.windowSeconds,
      allowedLatenessMs: options.allowedLatenessSeconds * 1000,
      logger: localLogger(SERVICE_NAMES.batchProcessor),
      metrics: METRICS_OFF,
    });
    const realtimeDeps = openSearch.off
      ? undefined
      : {
          client: openSearch.client,
          indexPrefix: openSearch.indexPrefix,
          windowMs: options.windowSeconds * 1000,
          quarantine,
          logger: localLogger(SERVICE_NAMES.realtimeProcessor),
          metrics: METRICS_OFF,
        };
    if (kafka) {
      processors.addKafka(
        'batch-processor',
        createBatchKafkaHandler({
          store: batchStore.store,
          alarms,
          progress: new AuroraPartitionProgress(batchStore.database, BATCH_CONSUMER, options.windowSeconds),
          windowSeconds: options.windowSeconds,
          allowedLatenessMs: options.allowedLatenessSeconds * 1000,
          logger: localLogger(SERVICE_NAMES.batchProcessor),
          metrics: METRICS_OFF,
        }),
      );
      if (realtimeDeps) {
        processors.addKafka(
          'realtime-processor',
          createRealtimeKafkaHandler({
            ...realtimeDeps,
            progress: new OpenSearchPartitionProgress(realtimeDeps.client, realtimeDeps.indexPrefix, realtimeDeps.windowMs),
            allowedLatenessMs: options.allowedLatenessSeconds * 1000,
          }),
        );
      }
    } else {
      processors.add('batch-processor', batchHandler);
      if (realtimeDeps) processors.add('realtime-processor', createRealtimeHandler(realtimeDeps));
    }
    const failures: { latest: readonly EndpointFailure[] } = { latest: [] };
    const source = resolveSource(options, simulator);
    const poller = createLocalPoller(source, dataDir, kinesis, quarantine, failures, positions, kafka?.writer);
    return await pipelineHandle({
      lock,
      options,
      dataDir,
      simulator,
      kinesis,
      batchStore,
      openSearch,
      processors,
      batchHandler,
      kafka,
      alarms,
      alarmApi,
      consoleServer,
      poller,
      source,
      failures,
      closers,
    });
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

async function assertPortsFree(options: LocalPipelineOptions): Promise<void> {
  if (options.sourceUrl === undefined) await assertPortFree(options.simulatorPort, '--simulator-port');
  await assertPortFree(options.kinesisPort, '--kinesis-port');
  if (options.stream === 'kafka') await assertPortFree(options.kafkaPort, '--kafka-port');
  await assertPortFree(options.dataApiPort, '--data-api-port');
  await assertPortFree(options.psqlPort, '--psql-port');
  await assertPortFree(options.apiPort, '--api-port');
  await assertPortFree(options.consolePort, '--console-port');
}

function localLogger(service: ServiceName): Logger {
  return new Logger({ serviceName: service, logLevel: LOCAL_LOG_LEVEL });
}

/** The source-API simulator, with every fault at the configured rate. */
function startSimulator(options: LocalPipelineOptions): Promise<RunningSimulator> {
  // Every fault the simulator knows except slow responses, which would only stall a local run.
  const faultKinds = FAULT_KINDS.filter((kind) => kind !== 'slowResponses');
  return startSimulatorServer({
    port: options.simulatorPort,
    seed: options.seed,
    faults: Object.fromEntries(faultKinds.map((kind) => [kind, options.faultRate])),
    ...(options.instrumentsPerType ? { instrumentsPerType: options.instrumentsPerType } : {}),
    ...(options.recordServed ? { recordServed: true } : {}),
  });
}

function startStream(options: LocalPipelineOptions, dataDir: string): Promise<KinesisLocal> {
  return startKinesisLocal({
    streamName: STREAM_NAME,
    shardCount: options.shards,
    ...(options.kinesisPort === 0 ? {} : { plainPort: options.kinesisPort }),
    ...(options.persistStream === false ? {} : { dataDir: join(dataDir, 'kinesis') }),
  });
}

/** The Kafka broker of `--stream kafka`, its readings topic, and the writer the poller and the manual readings put through. */
interface LocalKafka {
  readonly bootstrapServers: string;
  readonly writer: KafkaWriter;
  stop(): Promise<void>;
}

async function startLocalKafka(options: LocalPipelineOptions, dataDir: string): Promise<LocalKafka> {
  const server = await startKafka({ dataDir: join(dataDir, 'kafka'), port: options.kafkaPort, portOption: '--kafka-port' });
  try {
    const connection = { bootstrapBrokers: [server.bootstrapServers] };
    // The topic's partitions follow --shards; a topic kept from a run with more is left as it is (partitions never decrease).
    await withAdmin(connection, async (admin) => {
      const held = (await admin.listTopics()).includes(STREAM_NAME) ? await describeTopic(admin, STREAM_NAME) : undefined;
      const partitions = Math.max(options.shards, held?.partitions ?? 0);
      await ensureTopic(admin, { topic: STREAM_NAME, partitions, retentionMs: LOCAL_TOPIC_RETENTION_MS });
    });
    const writer = new KafkaWriter({
      createProducer: () => createReadingsProducer(connection, 'geotech-local-poller'),
      topic: STREAM_NAME,
    });
    return {
      bootstrapServers: server.bootstrapServers,
      writer,
      async stop() {
        await writer.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The batch store: embedded PostgreSQL, migrated, behind a local Data API endpoint and a PostgreSQL-protocol port. */
interface LocalBatchStore {
  readonly database: DataApiDatabase;
  readonly store: AuroraBatchStore;
  readonly psqlCommand: string;
  dataApiUrl(): string;
  /** Takes the Data API endpoint down for `downForMs` and brings it back on the same port. */
  outage(downForMs: number): Promise<void>;
}

async function startBatchStore(options: LocalPipelineOptions, dataDir: string, closers: Closers): Promise<LocalBatchStore> {
  const embedded = await openEmbeddedDatabase({ dataDir: join(dataDir, 'postgres') });
  closers.add(() => embedded.close());
  const backend = pgliteBackend(embedded);
  let dataApi: DataApiServer = await startDataApiServer({ backend, port: options.dataApiPort, onRequest: options.onDataApiRequest });
  closers.add(() => dataApi.close());
  const psql = await startPsqlSocket(embedded, { port: options.psqlPort });
  closers.add(() => psql.close());

  const rdsData = createLocalRdsDataClient(dataApi.url);
  closers.add(async () => rdsData.destroy());
  await runMigrations({ client: rdsData, ...LOCAL_TARGET, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
  const database = new DataApiDatabase(rdsData, LOCAL_TARGET);
  await applySiteSettings(database, { siteTimeZone: options.siteTimeZone });
  return {
    database,
    store: new AuroraBatchStore(database, options.windowSeconds),
    psqlCommand: psql.psqlCommand,
    dataApiUrl: () => dataApi.url,
    async outage(downForMs) {
      const port = dataApi.port;
      await dataApi.close();
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      dataApi = await startDataApiServer({ backend, port, onRequest: options.onDataApiRequest });
    },
  };
}

/** The real-time store when one is available, with the index templates applied, or why it is off. */
type LocalRealtimeStore =
  | { readonly off: true; readonly reason: string }
  | {
      readonly off: false;
      readonly url: string;
      readonly source: 'env' | 'started';
      readonly client: Client;
      readonly indexPrefix: string;
      stop(): Promise<void>;
    };

async function startRealtimeStore(options: LocalPipelineOptions): Promise<LocalRealtimeStore> {
  if (options.realtime === 'off') return { off: true, reason: 'turned off (--realtime off)' };
  const openSearch = await resolveLocalOpenSearch({ log: () => undefined });
  if (openSearch.off) return openSearch;
  const client = createOpenSearchClient({ endpoint: openSearch.url, auth: 'none', region: undefined });
  const indexPrefix = DEFAULT_INDEX_PREFIX;
  await applyOpenSearchSetup(client, { indexPrefix, retentionDays: 30, replicas: 0, dashboards: false });
  return { off: false, url: openSearch.url, source: openSearch.source, stop: () => openSearch.stop(), client, indexPrefix };
}

/** The positions the runtime keeps in files (cursors, checkpoints): written once the stream holds what they cover. */
class DurablePositions {
  private readonly files: Array<{ flushed(): Promise<void> }> = [];
  add<T extends { flushed(): Promise<void> }>(file: T): T {
    this.files.push(file);
    return file;
  }
  async flushed(): Promise<void> {
    await Promise.all(this.files.map((file) => file.flushed()));
  }
}

/** The function ARN the local runtime gives a processor in its on-failure documents. */
export function localFunctionArn(region: string, processor: string): string {
  return `arn:aws:lambda:${region}:000000000000:function:local-${processor}`;
}

/** One local event source mapping per processor, each with its own checkpoint; failed batches go to one JSONL file. */
class ProcessorMappings {
  readonly records = new Map<string, number>();
  invocationErrors = 0;
  failedBatches = 0;
  private readonly mappings: Array<Pick<LocalEventSourceMapping, 'start' | 'drain' | 'stop'>> = [];

  constructor(
    private readonly options: LocalPipelineOptions,
    private readonly dataDir: string,
    private readonly kinesis: KinesisLocal,
    private readonly positions: DurablePositions,
    private readonly kafka?: LocalKafka,
  ) {}

  /**
   * A processor on the local MSK event source mapping: its consumer group is its name, its
   * batches that run out of retries go to `failed-kafka-batches.jsonl` (Lambda's on-failure
   * document for Kafka: topic, partition and offset range, to read again).
   */
  addKafka(name: string, handler: (event: KafkaLambdaEvent) => Promise<KafkaBatchResponse>): LocalKafkaEventSourceMapping {
    const kafka = this.kafka;
    if (!kafka) throw new Error('addKafka needs the pipeline started with stream kafka');
    this.records.set(name, 0);
    const mapping = new LocalKafkaEventSourceMapping({
      bootstrapServers: [kafka.bootstrapServers],
      topic: STREAM_NAME,
      groupId: `local-${name}`,
      eventSourceArn: LOCAL_KAFKA_CLUSTER_ARN,
      functionArn: localFunctionArn(this.kinesis.region, name),
      invoke: handler,
      onFailure: async (failure) => {
        this.failedBatches += 1;
        await appendFile(join(this.dataDir, FAILED_KAFKA_BATCHES_FILE), `${JSON.stringify(failure)}\n`);
      },
      settings: {
        batchSize: this.options.batchSize,
        ...(this.options.retryAttempts === undefined ? {} : { maximumRetryAttempts: this.options.retryAttempts }),
        ...(this.options.maxRecordAgeSeconds === undefined ? {} : { maximumRecordAgeSeconds: this.options.maxRecordAgeSeconds }),
      },
      onInvocation: (report) => {
        if (report.error) this.invocationErrors += 1;
        else this.records.set(name, (this.records.get(name) ?? 0) + report.records);
      },
    });
    this.mappings.push(mapping);
    return mapping;
  }

  add(name: string, handler: (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>): LocalEventSourceMapping {
    this.records.set(name, 0);
    const functionArn = localFunctionArn(this.kinesis.region, name);
    const mapping = new LocalEventSourceMapping({
      kinesis: this.kinesis.client,
      streamName: STREAM_NAME,
      region: this.kinesis.region,
      invoke: handler,
      checkpoints: this.positions.add(
        new FileCheckpointStore(join(this.dataDir, 'checkpoints', `${name}.json`), (at) => this.kinesis.whenPersisted(at)),
      ),
      onFailure: async (failure) => {
        this.failedBatches += 1;
        const message = onFailureMessage({
          requestId: randomUUID(),
          functionArn,
          condition: failure.condition,
          approximateInvokeCount: failure.attempts,
          at: Date.parse(failure.at),
          shardId: failure.shardId,
          streamArn: failure.streamArn,
          startSequenceNumber: failure.startSequenceNumber,
          endSequenceNumber: failure.endSequenceNumber,
          batchSize: failure.batchSize,
          firstArrival: failure.firstArrival,
          lastArrival: failure.lastArrival,
          tumblingWindow: failure.window,
          error: failure.error,
        });
        await appendFile(join(this.dataDir, FAILED_BATCHES_FILE), `${JSON.stringify(message)}\n`);
      },
      settings: {
        tumblingWindowSeconds: this.options.tumblingWindowSeconds,
        batchSize: this.options.batchSize,
        ...(this.options.retryAttempts === undefined ? {} : { maximumRetryAttempts: this.options.retryAttempts }),
        ...(this.options.maxRecordAgeSeconds === undefined ? {} : { maximumRecordAgeSeconds: this.options.maxRecordAgeSeconds }),
      },
      onInvocation: (report: InvocationReport) => {
        if (report.error) this.invocationErrors += 1;
        else this.records.set(name, (this.records.get(name) ?? 0) + report.records);
      },
    });
    this.mappings.push(mapping);
    return mapping;
  }

  start(): void {
    for (const mapping of this.mappings) void mapping.start();
  }
  async drain(): Promise<void> {
    await Promise.all(this.mappings.map((mapping) => mapping.drain()));
  }
  async stop(): Promise<void> {
    for (const mapping of this.mappings) await mapping.stop();
  }
}

/** The source the poller reads: the simulator, or an external API. */
interface LocalSource {
  readonly url: string;
  readonly paths: readonly string[];
  readonly config: PollerConfig;
}

function resolveSource(options: LocalPipelineOptions, simulator: RunningSimulator | undefined): LocalSource {
  const url = options.sourceUrl ?? simulator!.url;
  const config = parsePollerConfig({
    STREAM_NAME,
    SOURCE_BASE_URL: url,
    POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds),
    SOURCE_HISTORY_MODE: options.historyMode ?? 'auto',
    ...(options.sourcePaths ? { SOURCE_PATHS: options.sourcePaths.join(',') } : {}),
  });
  return { url, paths: config.sourcePaths, config };
}

/**
 * The poller as the function runs it; rejections go to the database's quarantine table and
 * history cursors to `poller-cursors.json` in the data directory, so a restart resumes (each
 * written once the stream has saved the readings put before it).
 */
function createLocalPoller(
  source: LocalSource,
  dataDir: string,
  kinesis: KinesisLocal,
  quarantine: DatabaseQuarantineSink,
  failures: { latest: readonly EndpointFailure[] },
  positions: DurablePositions,
  kafkaWriter: KafkaWriter | undefined,
): Poller {
  return createPoller({
    config: source.config,
    ...(kafkaWriter ? { writer: kafkaWriter } : { kinesis: kinesis.client }),
    quarantine,
    logger: localLogger(SERVICE_NAMES.poller),
    cursors: positions.add(new FileCursorStore(join(dataDir, 'poller-cursors.json'), (at) => kinesis.whenPersisted(at))),
    onEndpointFailures: (latest) => (failures.latest = latest),
  });
}

interface RunningParts {
  readonly lock: DataDirLock;
  readonly options: LocalPipelineOptions;
  readonly dataDir: string;
  readonly simulator: RunningSimulator | undefined;
  readonly kinesis: KinesisLocal;
  readonly batchStore: LocalBatchStore;
  readonly openSearch: LocalRealtimeStore;
  readonly processors: ProcessorMappings;
  readonly batchHandler: BatchHandler;
  readonly kafka: LocalKafka | undefined;
  readonly alarms: AlarmStore;
  readonly alarmApi: LocalAlarmApi;
  readonly consoleServer: ConsoleServer;
  readonly poller: Poller;
  readonly source: LocalSource;
  readonly failures: { latest: readonly EndpointFailure[] };
  readonly closers: Closers;
}

/** The running pipeline: its schedule, counters and controls. */
async function pipelineHandle(parts: RunningParts): Promise<LocalPipeline> {
  const { options, batchStore, processors, poller } = parts;
  const database = batchStore.database;
  const baseline = await databaseCounts(database);
  const auditBaseline = await latestAuditId(database);
  await parts.lock.announce({
    kinesisEndpoint: parts.kinesis.endpoint,
    streamName: STREAM_NAME,
    dataApiUrl: batchStore.dataApiUrl(),
    ...(parts.openSearch.off ? {} : { openSearchUrl: parts.openSearch.url, openSearchIndexPrefix: parts.openSearch.indexPrefix }),
    windowSeconds: options.windowSeconds,
    allowedLatenessSeconds: options.allowedLatenessSeconds,
  });
  const seenAlerts = new Set((await recentAlerts(database)).map(alertKey));
  const escalation = new LocalEscalation(parts);
  let polled: PollSummary = EMPTY_POLL_SUMMARY;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<unknown> = Promise.resolve();
  let stopped = true;
  const stopPolling = async () => {
    stopped = true;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = undefined;
    await polling;
  };
  const pollNow = async () => {
    const summary = await poller.pollOnce();
    polled = addPollSummaries(polled, summary);
    return summary;
  };
  return {
    sourceUrl: parts.source.url,
    sourcePaths: parts.source.paths,
    kinesisEndpoint: parts.kinesis.endpoint,
    dataApiUrl: batchStore.dataApiUrl(),
    psqlCommand: batchStore.psqlCommand,
    realtimeSink: parts.openSearch.off
      ? { on: false, reason: parts.openSearch.reason }
      : { on: true, url: parts.openSearch.url, source: parts.openSearch.source },
    streamName: STREAM_NAME,
    stream: parts.kafka ? { kind: 'kafka', bootstrapServers: parts.kafka.bootstrapServers } : { kind: 'kinesis' },
    dataDir: parts.dataDir,
    siteTimeZone: parts.options.siteTimeZone,
    simulator: parts.simulator,
    database,
    batchHandler: parts.batchHandler,
    alarms: parts.alarms,
    alarmApi: { url: parts.alarmApi.url, usersFile: parts.alarmApi.usersFile, users: parts.alarmApi.users },
    console: { url: parts.consoleServer.url, built: parts.consoleServer.build.built, buildReason: parts.consoleServer.build.reason },
    outboxPath: escalation.outboxPath,
    escalateNow: () => escalation.runOnce(),
    newNotifications: () => escalation.takeSent(),
    run() {
      // Polls never overlap (as in the function, one poll at a time): the next starts one interval after
      // the last started, or at once when it took longer (a back-fill paging for a whole interval).
      const intervalMs = options.pollIntervalSeconds * 1000;
      const tick = () => {
        const started = Date.now();
        polling = pollNow()
          .catch((error: unknown) => console.error(`poll failed: ${(error as Error).message}`))
          .finally(() => {
            if (stopped) return;
            pollTimer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
          });
      };
      stopped = false;
      tick();
      processors.start();
      escalation.start();
    },
    pollNow,
    probe: () => probeSource(parts.source.config, parts.source.paths),
    lastEndpointFailures: () => parts.failures.latest,
    async summary() {
      const counts = await databaseCounts(database);
      return {
        readingsPolled: polled.readingsPolled,
        readingsAccepted: polled.readingsAccepted,
        readingsRejected: polled.readingsRejected,
        rejectedByReason: { ...polled.rejectedByReason },
        recordsPut: polled.recordsPut,
        recordsProcessed: processors.records.get('batch-processor') ?? 0,
        windowsWritten: counts.windows - baseline.windows,
        windowsWithSeveralReadings: counts.severalReadings - baseline.severalReadings,
        alertsRaised: counts.alerts - baseline.alerts,
        endpointFailures: polled.endpointFailures,
        invocationErrors: processors.invocationErrors,
        failedBatches: processors.failedBatches,
        realtimeRecordsProcessed: processors.records.get('realtime-processor') ?? 0,
        triggers: await triggerSummary(database, options.windowSeconds + options.allowedLatenessSeconds),
        alarms: await alarmSummary(database, auditBaseline),
      };
    },
    async newAlerts() {
      const fresh = (await recentAlerts(database)).filter((alert) => !seenAlerts.has(alertKey(alert)));
      for (const alert of fresh) seenAlerts.add(alertKey(alert));
      return fresh.reverse();
    },
    async drain() {
      await stopPolling();
      await processors.drain();
      await escalation.stop();
      // The escalation's last pass, for what the drain applied; a failure (the database down) is reported, as on the timer.
      await escalation.runOnce().catch((error: unknown) => console.error(`escalation failed: ${(error as Error).message}`));
    },
    simulateDatabaseOutage: (downForMs) => batchStore.outage(downForMs),
    async close() {
      await stopPolling();
      await escalation.stop();
      await processors.stop();
      await parts.closers.closeAll();
    },
  };
}

/**
 * The escalation function as the local runtime runs it: the same run on a timer (runs never
 * overlap), every tier's channel the outbox file `outbox.jsonl` in the data directory.
 */
class LocalEscalation {
  readonly outboxPath: string;
  private readonly channel: NotificationChannel;
  private readonly sent: NotificationMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(private readonly parts: RunningParts) {
    this.outboxPath = join(parts.dataDir, 'outbox.jsonl');
    const outbox = new OutboxFileChannel(this.outboxPath, { contacts: contactsFor(parts.options.contacts ?? []) });
    this.channel = {
      name: outbox.name,
      send: async (message) => {
        const result = await outbox.send(message);
        this.sent.push(message);
        return result;
      },
    };
  }

  runOnce(): Promise<EscalationOutcome> {
    const { options, alarms } = this.parts;
    const run = this.running.then(() =>
      runEscalation({
        store: alarms,
        channelForTier: () => this.channel,
        policy: options.escalationPolicy,
        siteTimeZone: options.siteTimeZone,
        // Notifications link to the alarm's page in the console (`/alarms/<id>`).
        acknowledgeUrl: options.acknowledgeUrl ?? this.parts.consoleServer.url,
      }),
    );
    this.running = run.catch(() => undefined);
    return run;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      void this.runOnce()
        .catch((error: unknown) => console.error(`escalation failed: ${(error as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.parts.options.escalationIntervalSeconds * 1000);
        });
    };
    this.timer = setTimeout(tick, this.parts.options.escalationIntervalSeconds * 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  takeSent(): NotificationMessage[] {
    return this.sent.splice(0, this.sent.length);
  }
}

async function databaseCounts(database: DataApiDatabase): Promise<{ windows: number; severalReadings: number; alerts: number }> {
  const [row] = await database.query<{ windows: number; severalReadings: number; alerts: number }>(
    `SELECT (SELECT count(*) FROM window_aggregates)::int AS windows,
       (SELECT count(*) FROM window_aggregates WHERE reading_count > 1)::int AS "severalReadings",
       (SELECT count(*) FROM trigger_events)::int AS alerts`,
  );
  return row ?? { windows: 0, severalReadings: 0, alerts: 0 };
}

async function recentAlerts(database: DataApiDatabase): Promise<RecentAlert[]> {
  return database.query<RecentAlert>(
    `SELECT e.instrument_id AS "instrumentId", i.instrument_type AS "instrumentType", e.from_status AS "from",
       e.to_status AS "to", e.window_mean AS mean, to_char(e.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "windowStart"
     FROM trigger_events e JOIN instruments i USING (instrument_id)
     ORDER BY e.window_start DESC, e.instrument_id LIMIT 50`,
  );
}

const alertKey = (alert: RecentAlert) => `${alert.instrumentId}@${alert.windowStart}`;
