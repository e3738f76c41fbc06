import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { InstrumentRegistry } from '../batch/registry.js';
import type { SqlDatabase } from '../db/sql-client.js';
import { KinesisWriter } from '../poller/kinesis-writer.js';
import type { ReadingStreamWriter } from '../poller/stream-writer.js';
import * as z from 'zod/mini';
import { readKafkaConnection } from '../kafka/connection.js';
import { maxFutureSkewVariable, STREAM_KINDS, streamNameVariable, type ReadingStreamConfig, type StreamKind } from '../poller/config.js';
import { ConfigError } from '../shared/config-error.js';
import { ManualReadingIntake } from '../readings/manual-intake.js';
import { ReadModel } from '../readings/read-model.js';
import { unsetWhenBlank, windowSecondsVariable, type Environment } from '../shared/environment.js';
import type { ReadApiServices } from './read-routes.js';

/**
 * What the read API's routes need in the API function: the batch store (through the
 * function's Data API client), the reading stream for manual readings (`STREAM_NAME`; the
 * function may `kinesis:PutRecords` on it), the window length the processors write
 * (`WINDOW_SECONDS`) and the clock skew a reading's time may have (`MAX_FUTURE_SKEW_SECONDS`,
 * as the poller's).
 */

export interface ReadApiConfig {
  /** The stream manual readings are put on: the Kinesis stream, or the Kafka topic. */
  readonly streamName: string;
  /** Which stream it is, and for Kafka where its brokers are (STREAM_KIND and the KAFKA_* variables, as the poller's). */
  readonly stream?: ReadingStreamConfig;
  readonly windowSeconds: number;
  readonly maxFutureSkewMs: number;
}

/** The read API's variables, to add to the API function's environment schema. */
export const READ_API_VARIABLES = {
  STREAM_KIND: unsetWhenBlank(z._default(z.enum(STREAM_KINDS, { error: `must be one of ${STREAM_KINDS.join(', ')}` }), 'kinesis')),
  STREAM_NAME: unsetWhenBlank(z.optional(streamNameVariable())),
  WINDOW_SECONDS: windowSecondsVariable(10),
  MAX_FUTURE_SKEW_SECONDS: maxFutureSkewVariable(),
};

/** The read API's settings from the values of {@link READ_API_VARIABLES}, once the API function's schema has checked them. */
export function readApiConfigOf(
  values: { STREAM_KIND: StreamKind; STREAM_NAME?: string | undefined; WINDOW_SECONDS: number; MAX_FUTURE_SKEW_SECONDS: number },
  env: Environment,
  subject: string,
): ReadApiConfig {
  let stream: ReadingStreamConfig;
  let streamName: string;
  if (values.STREAM_KIND === 'kafka') {
    const connection = readKafkaConnection(env, subject);
    stream = { kind: 'kafka', connection };
    streamName = connection.topic;
  } else {
    if (!values.STREAM_NAME) throw new ConfigError(subject, [{ key: 'STREAM_NAME', message: 'is required (the Kinesis stream name)' }]);
    stream = { kind: 'kinesis' };
    streamName = values.STREAM_NAME;
  }
  return {
    streamName,
    stream,
    windowSeconds: values.WINDOW_SECONDS,
    maxFutureSkewMs: Math.round(values.MAX_FUTURE_SKEW_SECONDS * 1000),
  };
}

/**
 * Attempts per record for an upload: a 10,000-row upload can meet a shard's write limit
 * (1,000 records a second); eight attempts back off for up to about 7 s in all, well inside
 * the HTTP API's 30 s.
 */
export const UPLOAD_PUT_ATTEMPTS = 8;

export interface ReadApiParts {
  readonly db: SqlDatabase;
  readonly kinesis?: KinesisClient;
  /** Where manual readings are put. Default: a Kinesis writer on `kinesis` and `config.streamName`. */
  readonly writer?: ReadingStreamWriter;
  readonly config: ReadApiConfig;
  readonly now?: () => number;
}

function kinesisWriter(parts: ReadApiParts): KinesisWriter {
  if (!parts.kinesis) throw new Error('the read API needs a Kinesis client, or a writer for its stream');
  return new KinesisWriter({ client: parts.kinesis, streamName: parts.config.streamName, maxAttempts: UPLOAD_PUT_ATTEMPTS });
}

/** The read model, the registry and the manual reading intake, built from the function's clients and configuration. */
export function readApiServices(parts: ReadApiParts): ReadApiServices {
  const now = parts.now ?? Date.now;
  const writer = parts.writer ?? kinesisWriter(parts);
  return {
    readModel: new ReadModel(parts.db, { windowSeconds: parts.config.windowSeconds, now }),
    registry: new InstrumentRegistry(parts.db),
    intake: new ManualReadingIntake({ db: parts.db, writer, now, maxFutureSkewMs: parts.config.maxFutureSkewMs }),
  };
}
