import type { Context, ScheduledEvent } from 'aws-lambda';
import { createKinesisClient } from '../shared/kinesis-client.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SqsQuarantineSink } from '../shared/quarantine.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { ConfigError } from '../shared/config-error.js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { kafkaClientOptions } from '../kafka/connection.js';
import { parsePollerConfig, type ReadingStreamConfig } from './config.js';
import { createReadingsProducer, KafkaWriter } from './kafka-writer.js';
import { DynamoDbCursorStore } from './dynamodb-cursor-store.js';
import { createPoller } from './poller.js';
import type { SessionSummary } from './polling-session.js';

const config = parsePollerConfig(process.env);
if (!config.quarantineQueueUrl) {
  throw new ConfigError('poller environment', [
    { key: 'QUARANTINE_QUEUE_URL', message: 'is required: the poller Lambda quarantines rejected readings in SQS' },
  ]);
}
const logger = createLogger(SERVICE_NAMES.poller);
const metrics = createMetrics(SERVICE_NAMES.poller);
const cursors = config.cursorTableName
  ? new DynamoDbCursorStore({ tableName: config.cursorTableName, region: process.env.AWS_REGION ?? '', credentials: defaultProvider() })
  : undefined;
if (!cursors && config.historyMode !== 'off') {
  logger.warn('CURSOR_TABLE_NAME is not set: history cursors last only as long as this instance', { historyMode: config.historyMode });
}
const poller = createPoller({
  config,
  ...(cursors ? { cursors } : {}),
  ...streamWriting(config.stream),
  quarantine: new SqsQuarantineSink({ client: createSqsClient(), queueUrl: config.quarantineQueueUrl }),
  logger,
  metrics,
});

/** The writer of the configured stream: a Kafka producer (TLS and MSK IAM), or the Kinesis client the default writer uses. */
function streamWriting(stream: ReadingStreamConfig): { writer: KafkaWriter } | { kinesis: ReturnType<typeof createKinesisClient> } {
  if (stream.kind === 'kinesis') return { kinesis: createKinesisClient() };
  const connection = kafkaClientOptions(stream.connection);
  return { writer: new KafkaWriter({ createProducer: () => createReadingsProducer(connection), topic: stream.connection.topic }) };
}

/** Runs one polling session per scheduled invocation, until shortly before the function's timeout. */
export const handler = async (_event: ScheduledEvent, context: Context): Promise<SessionSummary> => {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  return poller.runSession(() => context.getRemainingTimeInMillis());
};
