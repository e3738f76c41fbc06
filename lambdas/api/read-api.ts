import type { KinesisClient } from '@aws-sdk/client-kinesis';
import * as z from 'zod/mini';
import { InstrumentRegistry } from '../batch/registry.js';
import type { SqlDatabase } from '../db/sql-client.js';
import { KinesisWriter } from '../poller/kinesis-writer.js';
import { maxFutureSkewVariable, streamNameVariable } from '../poller/config.js';
import { ManualReadingIntake } from '../readings/manual-intake.js';
import { ReadModel } from '../readings/read-model.js';
import { parseEnvironment, windowSecondsVariable, type Environment } from '../shared/environment.js';
import type { OpenAlarm, ReadRouteDependencies } from './read-routes.js';

/**
 * What the read API's routes need in the API function: the batch store (through the
 * function's Data API client), the reading stream for manual readings (`STREAM_NAME`; the
 * function may `kinesis:PutRecords` on it), the window length the processors write
 * (`WINDOW_SECONDS`) and the clock skew a reading's time may have (`MAX_FUTURE_SKEW_SECONDS`,
 * as the poller's).
 */

export interface ReadApiConfig {
  readonly streamName: string;
  readonly windowSeconds: number;
  readonly maxFutureSkewMs: number;
}

/** The read API's variables, to add to the API function's environment schema. */
export const READ_API_VARIABLES = {
  STREAM_NAME: streamNameVariable(),
  WINDOW_SECONDS: windowSecondsVariable(10),
  MAX_FUTURE_SKEW_SECONDS: maxFutureSkewVariable(),
};

const ReadApiEnvironment = z.object(READ_API_VARIABLES);

/** Throws a ConfigError naming every read API variable that is missing or malformed. */
export function readApiConfig(env: Environment): ReadApiConfig {
  const e = parseEnvironment(ReadApiEnvironment, env, 'API function environment (read API)');
  return { streamName: e.STREAM_NAME, windowSeconds: e.WINDOW_SECONDS, maxFutureSkewMs: Math.round(e.MAX_FUTURE_SKEW_SECONDS * 1000) };
}

/**
 * Attempts per record for an upload: a 10,000-row upload can meet a shard's write limit
 * (1,000 records a second); eight attempts back off for up to about 7 s in all, well inside
 * the HTTP API's 30 s.
 */
export const UPLOAD_PUT_ATTEMPTS = 8;

export interface ReadApiParts {
  readonly db: SqlDatabase;
  readonly kinesis: KinesisClient;
  readonly config: ReadApiConfig;
  readonly siteTimeZone: string;
  readonly openAlarms?: () => Promise<readonly OpenAlarm[]>;
  readonly now?: () => number;
}

/** The read routes' dependencies, built from the function's clients and configuration. */
export function readApiDependencies(parts: ReadApiParts): ReadRouteDependencies {
  const now = parts.now ?? Date.now;
  const writer = new KinesisWriter({ client: parts.kinesis, streamName: parts.config.streamName, maxAttempts: UPLOAD_PUT_ATTEMPTS });
  return {
    readModel: new ReadModel(parts.db, { windowSeconds: parts.config.windowSeconds, now }),
    registry: new InstrumentRegistry(parts.db),
    intake: new ManualReadingIntake({ db: parts.db, writer, now, maxFutureSkewMs: parts.config.maxFutureSkewMs }),
    siteTimeZone: parts.siteTimeZone,
    now,
    ...(parts.openAlarms ? { openAlarms: parts.openAlarms } : {}),
  };
}
