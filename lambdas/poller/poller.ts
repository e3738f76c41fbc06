import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { QuarantineSink } from '../shared/quarantine.js';
import { sleep as realSleep, type Sleep } from '../shared/retry.js';
import { readApiKeySecret } from './api-key-secret.js';
import { initialLookbackMs, type PollerConfig } from './config.js';
import { MemoryCursorStore, type CursorStore } from './cursor-store.js';
import { KinesisWriter } from './kinesis-writer.js';
import type { ReadingStreamWriter } from './stream-writer.js';
import { publishPollMetrics } from './poll-metrics.js';
import { pollOnce, type HistoryReading, type PollSummary } from './poll-once.js';
import { runPollingSession, type SessionSummary } from './polling-session.js';
import { SeenReadings } from './seen-readings.js';
import { authoriserFor, type RequestAuthoriser } from './source-auth.js';
import { SourceClient, type EndpointFailure } from './source-client.js';

/** Longest wait between two requests to one endpoint, milliseconds. */
const SOURCE_BACKOFF = { baseMs: 250, maxMs: 2_000 } as const;

export interface PollerOptions {
  readonly config: PollerConfig;
  /** Client for the Kinesis stream named in the config (unused when `writer` is given). */
  readonly kinesis?: KinesisClient;
  /** Where readings are put. Default: a {@link KinesisWriter} on `kinesis` and the config's stream. */
  readonly writer?: ReadingStreamWriter;
  /** Where rejected readings are kept (SQS in AWS, a JSONL file locally). */
  readonly quarantine: QuarantineSink;
  readonly logger: Logger;
  /** When given, each poll's counts are published through it. */
  readonly metrics?: Metrics;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Default: as `config.sourceAuth` says, with the default credential chain and Secrets Manager. */
  readonly authorise?: RequestAuthoriser;
  /** Default: `Date.now`. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: Sleep;
  /** Attempts per Kinesis record before it is quarantined as `put_failed` (with the default writer). Default 5. */
  readonly putMaxAttempts?: number;
  /**
   * Where history-mode cursors persist (DynamoDB in AWS, a file locally). Default: in memory,
   * so a restarted poller back-fills again from `now - lookback`.
   */
  readonly cursors?: CursorStore;
  /** Called after every poll with the endpoints that failed in it (an empty list when none did). */
  readonly onEndpointFailures?: (failures: readonly EndpointFailure[]) => void;
}

export interface Poller {
  /** One poll of every endpoint. Never throws for a failing endpoint or refused records. */
  pollOnce(): Promise<PollSummary>;
  /** Polls every `config.pollIntervalMs` until too little of `remainingTimeMs()` is left for another poll. */
  runSession(remainingTimeMs: () => number): Promise<SessionSummary>;
}

/**
 * The longest a poll can spend reading the source: every attempt timing out, with the
 * longest backoffs between them.
 */
export function worstCaseFetchMs(config: Pick<PollerConfig, 'requestTimeoutMs' | 'requestMaxAttempts'>): number {
  return config.requestTimeoutMs * config.requestMaxAttempts + SOURCE_BACKOFF.maxMs * (config.requestMaxAttempts - 1);
}

function kinesisWriterFor(options: PollerOptions, sleep: Sleep): KinesisWriter {
  if (!options.kinesis) throw new Error('createPoller needs a Kinesis client, or a writer for its stream');
  return new KinesisWriter({
    client: options.kinesis,
    streamName: options.config.streamName,
    ...(options.putMaxAttempts ? { maxAttempts: options.putMaxAttempts } : {}),
    sleep,
  });
}

/**
 * A poller built from its parts; the Lambda handler and the local runtime both use it.
 * Readings already put are remembered across its polls (for an hour of event time), so a
 * reading the source serves again is rejected as a duplicate.
 */
export function createPoller(options: PollerOptions): Poller {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const source = new SourceClient({
    baseUrl: config.sourceBaseUrl,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.requestMaxAttempts,
    backoff: SOURCE_BACKOFF,
    authorise:
      options.authorise ?? authoriserFor(config.sourceAuth, { credentials: () => defaultProvider(), readSecret: readApiKeySecret }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    sleep,
  });
  const writer = options.writer ?? kinesisWriterFor(options, sleep);
  const seen = new SeenReadings();
  const history: HistoryReading = {
    mode: config.historyMode,
    cursors: options.cursors ?? new MemoryCursorStore(),
    lookbackMs: (path) => initialLookbackMs(config.initialLookback, path),
    pageLimit: config.historyPageLimit,
    // A poll pages for at most one interval; the session sees how long polls take before starting another.
    budgetMs: config.pollIntervalMs,
    known: new Map(),
    snapshotPaths: new Set(),
  };

  const poll = async (): Promise<PollSummary> => {
    const summary = await pollOnce({
      source,
      paths: config.sourcePaths,
      writer,
      quarantine: options.quarantine,
      seen,
      maxFutureSkewMs: config.maxFutureSkewMs,
      now,
      logger,
      history,
      ...(options.onEndpointFailures ? { onEndpointFailures: options.onEndpointFailures } : {}),
    });
    logger.info('poll complete', { poll: summary });
    if (options.metrics) publishPollMetrics(options.metrics, summary);
    return summary;
  };

  return {
    pollOnce: poll,
    async runSession(remainingTimeMs) {
      const session = await runPollingSession({
        poll,
        intervalMs: config.pollIntervalMs,
        remainingTimeMs,
        pollBudgetMs: worstCaseFetchMs(config),
        clock: { now, sleep },
      });
      if (session.polls === 0) {
        logger.error('no time for a single poll: raise the function timeout', {
          remainingMs: session.remainingMsAtStop,
          pollBudgetMs: worstCaseFetchMs(config),
        });
      }
      logger.info('polling session complete', { session });
      return session;
    },
  };
}
