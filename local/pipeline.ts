import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { runMigrations } from '../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory, MIGRATIONS_DIRECTORY } from '../lambdas/db/migration-set.js';
import { DataApiDatabase } from '../lambdas/db/sql-client.js';
import type { RejectionReason } from '../lambdas/domain/rejection.js';
import { parsePollerConfig } from '../lambdas/poller/config.js';
import { EMPTY_POLL_SUMMARY, addPollSummaries, type PollSummary } from '../lambdas/poller/poll-once.js';
import { createPoller, type Poller } from '../lambdas/poller/poller.js';
import { AuroraBatchStore } from '../lambdas/batch/aurora-store.js';
import type { TumblingWindowEvent, TumblingWindowResponse } from '../lambdas/shared/tumbling-window.js';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
  startPsqlSocket,
  type DataApiServer,
  type EmbeddedDatabase,
  type PsqlSocket,
} from './data-api/index.js';
import { DatabaseQuarantineSink } from './database-quarantine.js';
import { FileCheckpointStore } from './esm/checkpoint-store.js';
import { LocalEventSourceMapping, type InvocationReport } from './esm/event-source-mapping.js';
import { startKinesisLocal, type KinesisLocal } from './kinesis-local.js';
import { resolveLocalOpenSearch, type LocalOpenSearch } from './opensearch/server.js';
import { createOpenSearchClient } from '../lambdas/realtime/client.js';
import { applyOpenSearchSetup } from '../lambdas/opensearch/setup.js';
import { assertPortFree } from './ports.js';
import { startSimulatorServer, type RunningSimulator } from './simulator-server.js';

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
  /** Event-time window the processor averages over, seconds. Default 10. */
  readonly windowSeconds: number;
  /** Lambda tumbling window of the event source mapping, seconds. Default 30. */
  readonly tumblingWindowSeconds: number;
  /**
   * Shards of the stream. Default 4. The emulator's PutRecords slows as a shard grows,
   * so more shards keep a long local run responsive.
   */
  readonly shards: number;
  /** Most records per processor invocation. Default 500. */
  readonly batchSize: number;
  /** How late a reading may arrive and still count for its window's trigger evaluation, seconds. Default 15. */
  readonly allowedLatenessSeconds: number;
  /** Keep every item the simulator serves (for tests that recompute from them). Default false. */
  readonly recordServed?: boolean;
  /**
   * Persist the stream in the data directory so a restart resumes it. Default true. The
   * emulator rewrites its whole data file every second, which slows it as the stream grows.
   */
  readonly persistStream?: boolean;
  /**
   * The real-time path into OpenSearch. `auto` (the default) writes to OPENSEARCH_URL when
   * it is set, else starts the cached OpenSearch distribution when there is one, else runs
   * without it and says why; `off` runs without it.
   */
  readonly realtime?: 'auto' | 'off';
}

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
};

/** Counters of one run; `readingsPolled = readingsAccepted + readingsRejected`. */
export interface PipelineSummary {
  readingsPolled: number;
  readingsAccepted: number;
  readingsRejected: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  recordsPut: number;
  recordsProcessed: number;
  windowsWritten: number;
  alertsRaised: number;
  endpointFailures: number;
  /** Processor invocations that failed and were retried (a sink outage shows here). */
  invocationErrors: number;
  /** Batches sent to the on-failure destination after retries ran out. */
  failedBatches: number;
  /** Records the real-time processor handled (0 when the real-time path is off). */
  realtimeRecordsProcessed: number;
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
  readonly simulatorUrl: string;
  readonly kinesisEndpoint: string;
  readonly dataApiUrl: string;
  readonly psqlCommand: string;
  readonly realtimeSink: RealtimeSinkStatus;
  readonly streamName: string;
  readonly dataDir: string;
  readonly simulator: RunningSimulator;
  readonly database: DataApiDatabase;
  /** Starts polling on the schedule and processing the stream. */
  run(): void;
  /** One poll now, outside the schedule. */
  pollNow(): Promise<PollSummary>;
  /** Counters so far, with window and alert counts read from the database. */
  summary(): Promise<PipelineSummary>;
  /** Status changes recorded since the last call. */
  newAlerts(): Promise<RecentAlert[]>;
  /** Stops polling, processes everything left in the stream and closes its windows. */
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

/**
 * Starts the whole pipeline on this machine: the simulator, kinesis-local with the
 * stream, embedded PostgreSQL with the schema behind a local Data API endpoint (and a
 * PostgreSQL-protocol port), the poller on its schedule, and a local event source
 * mapping that drives the unchanged batch-processor handler.
 */
export async function startLocalPipeline(overrides: Partial<LocalPipelineOptions> = {}): Promise<LocalPipeline> {
  const options: LocalPipelineOptions = { ...DEFAULT_PIPELINE_OPTIONS, ...overrides };
  const dataDir = resolve(options.dataDir);
  await assertPortFree(options.simulatorPort, '--simulator-port');
  await assertPortFree(options.kinesisPort, '--kinesis-port');
  await assertPortFree(options.dataApiPort, '--data-api-port');
  await assertPortFree(options.psqlPort, '--psql-port');
  await mkdir(dataDir, { recursive: true });

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    closers.length = 0;
  };
  try {
    const faults = Object.fromEntries(
      [
        'legacyNames',
        'nullFields',
        'emptyStrings',
        'malformedTimestamps',
        'nonNumericReadings',
        'duplicateItems',
        'http5xx',
        'invalidJson',
      ].map((kind) => [kind, options.faultRate]),
    );
    const simulator = await startSimulatorServer({
      port: options.simulatorPort,
      seed: options.seed,
      faults,
      ...(options.instrumentsPerType ? { instrumentsPerType: options.instrumentsPerType } : {}),
      ...(options.recordServed ? { recordServed: true } : {}),
    });
    closers.push(() => simulator.close());

    const kinesis: KinesisLocal = await startKinesisLocal({
      streamName: STREAM_NAME,
      shardCount: options.shards,
      ...(options.kinesisPort === 0 ? {} : { plainPort: options.kinesisPort }),
      ...(options.persistStream === false ? {} : { dataDir: join(dataDir, 'kinesis') }),
    });
    closers.push(() => kinesis.stop());

    const embedded: EmbeddedDatabase = await openEmbeddedDatabase({ dataDir: join(dataDir, 'postgres') });
    closers.push(() => embedded.close());
    const backend = pgliteBackend(embedded);
    let dataApi: DataApiServer = await startDataApiServer({ backend, port: options.dataApiPort });
    closers.push(() => dataApi.close());
    const psql: PsqlSocket = await startPsqlSocket(embedded, { port: options.psqlPort });
    closers.push(() => psql.close());

    const rdsData = createLocalRdsDataClient(dataApi.url);
    const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };
    await runMigrations({ client: rdsData, ...target, migrations: loadMigrationsFromDirectory(MIGRATIONS_DIRECTORY) });
    const database = new DataApiDatabase(rdsData, target);
    const store = new AuroraBatchStore(database, options.windowSeconds);

    Object.assign(process.env, {
      AWS_REGION: kinesis.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
      DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
      DB_SECRET_ARN: LOCAL_SECRET_ARN,
      DB_NAME: LOCAL_DATABASE,
      WINDOW_SECONDS: String(options.windowSeconds),
      ALLOWED_LATENESS_SECONDS: String(options.allowedLatenessSeconds),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    let polled: PollSummary = EMPTY_POLL_SUMMARY;
    let recordsProcessed = 0;
    let invocationErrors = 0;
    let failedBatches = 0;
    const failuresPath = join(dataDir, 'failed-batches.jsonl');
    /** An event source mapping for one processor, with its own checkpoint; failed batches go to one JSONL file. */
    const processorMapping = (name: string, handler: (event: never) => Promise<unknown>, onRecordsDone: (records: number) => void) =>
      new LocalEventSourceMapping({
        kinesis: kinesis.client,
        streamName: STREAM_NAME,
        region: kinesis.region,
        invoke: handler,
        checkpoints: new FileCheckpointStore(join(dataDir, 'checkpoints', `${name}.json`)),
        onFailure: async (failure) => {
          failedBatches += 1;
          await appendFile(failuresPath, `${JSON.stringify({ processor: name, ...failure })}\n`);
        },
        settings: { tumblingWindowSeconds: options.tumblingWindowSeconds, batchSize: options.batchSize },
        onInvocation: (report: InvocationReport) => {
          if (report.error) invocationErrors += 1;
          else onRecordsDone(report.records);
        },
      });
    const { handler: batchHandler } = (await import('../lambdas/batch/handler.js')) as {
      handler: (event: TumblingWindowEvent) => Promise<TumblingWindowResponse>;
    };

    const openSearch: LocalOpenSearch =
      options.realtime === 'off'
        ? { off: true, reason: 'turned off (--realtime off)' }
        : await resolveLocalOpenSearch({ log: () => undefined });
    if (!openSearch.off) closers.push(() => openSearch.stop());
    let realtimeMapping: LocalEventSourceMapping | undefined;
    let realtimeRecordsProcessed = 0;
    if (!openSearch.off) {
      Object.assign(process.env, {
        OPENSEARCH_ENDPOINT: openSearch.url,
        OPENSEARCH_AUTH: 'none',
        OPENSEARCH_INDEX_PREFIX: process.env.OPENSEARCH_INDEX_PREFIX ?? 'geotech',
        QUARANTINE_FILE: join(dataDir, 'realtime-quarantine.jsonl'),
      });
      await applyOpenSearchSetup(createOpenSearchClient({ endpoint: openSearch.url, auth: 'none', region: undefined }), {
        indexPrefix: process.env.OPENSEARCH_INDEX_PREFIX ?? 'geotech',
        retentionDays: 30,
        replicas: 0,
        dashboards: false,
      });
      const { handler: realtimeHandler } = (await import('../lambdas/realtime/handler.js')) as {
        handler: (event: never) => Promise<unknown>;
      };
      realtimeMapping = processorMapping('realtime-processor', realtimeHandler, (records) => {
        realtimeRecordsProcessed += records;
      });
    }
    const realtimeSink: RealtimeSinkStatus = openSearch.off
      ? { on: false, reason: openSearch.reason }
      : { on: true, url: openSearch.url, source: openSearch.source };

    const pollerConfig = parsePollerConfig({
      STREAM_NAME: STREAM_NAME,
      SOURCE_BASE_URL: simulator.url,
      POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds),
      AWS_REGION: kinesis.region,
    });
    const poller: Poller = createPoller({
      config: pollerConfig,
      kinesis: kinesis.client,
      quarantine: new DatabaseQuarantineSink(store),
      logger: new Logger({ serviceName: 'poller', logLevel: 'ERROR' }),
    });

    const mapping = processorMapping('batch-processor', batchHandler, (records) => {
      recordsProcessed += records;
    });

    const baseline = await databaseCounts(database);
    const seenAlerts = new Set<string>();
    for (const alert of await recentAlerts(database)) seenAlerts.add(alertKey(alert));
    let pollTimer: NodeJS.Timeout | undefined;
    let polling: Promise<unknown> = Promise.resolve();
    const pollNow = async () => {
      const summary = await poller.pollOnce();
      polled = addPollSummaries(polled, summary);
      return summary;
    };

    return {
      simulatorUrl: simulator.url,
      kinesisEndpoint: kinesis.endpoint,
      dataApiUrl: dataApi.url,
      psqlCommand: psql.psqlCommand,
      realtimeSink,
      streamName: STREAM_NAME,
      dataDir,
      simulator,
      database,
      run() {
        const tick = () => {
          polling = pollNow().catch((error: unknown) => console.error(`poll failed: ${(error as Error).message}`));
        };
        tick();
        pollTimer = setInterval(tick, options.pollIntervalSeconds * 1000);
        void mapping.start();
        void realtimeMapping?.start();
      },
      pollNow,
      async summary() {
        const counts = await databaseCounts(database);
        return {
          readingsPolled: polled.readingsPolled,
          readingsAccepted: polled.readingsAccepted,
          readingsRejected: polled.readingsRejected,
          rejectedByReason: { ...polled.rejectedByReason },
          recordsPut: polled.recordsPut,
          recordsProcessed,
          windowsWritten: counts.windows - baseline.windows,
          alertsRaised: counts.alerts - baseline.alerts,
          endpointFailures: polled.endpointFailures,
          invocationErrors,
          failedBatches,
          realtimeRecordsProcessed,
        };
      },
      async newAlerts() {
        const fresh = (await recentAlerts(database)).filter((alert) => !seenAlerts.has(alertKey(alert)));
        for (const alert of fresh) seenAlerts.add(alertKey(alert));
        return fresh.reverse();
      },
      async drain() {
        if (pollTimer) clearInterval(pollTimer);
        pollTimer = undefined;
        await polling;
        await Promise.all([mapping.drain(), realtimeMapping?.drain()]);
      },
      async simulateDatabaseOutage(downForMs: number) {
        const port = dataApi.port;
        await dataApi.close();
        await new Promise((resolve) => setTimeout(resolve, downForMs));
        dataApi = await startDataApiServer({ backend, port });
      },
      async close() {
        if (pollTimer) clearInterval(pollTimer);
        await polling;
        await mapping.stop();
        await realtimeMapping?.stop();
        rdsData.destroy();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function databaseCounts(database: DataApiDatabase): Promise<{ windows: number; alerts: number }> {
  const [row] = await database.query<{ windows: number; alerts: number }>(
    'SELECT (SELECT count(*) FROM window_aggregates)::int AS windows, (SELECT count(*) FROM trigger_events)::int AS alerts',
  );
  return row ?? { windows: 0, alerts: 0 };
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
