import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { AlarmStore } from '../alarms/alarm-store.js';
import { DataApiDatabase } from '../db/sql-client.js';
import { createKinesisClient } from '../shared/kinesis-client.js';
import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { readApiConfig } from './api-config.js';
import { createApiHandler } from './api-handler.js';
import { readApiServices, UPLOAD_PUT_ATTEMPTS, type ReadApiConfig } from './read-api.js';
import { kafkaClientOptions } from '../kafka/connection.js';
import { createReadingsProducer, KafkaWriter } from '../poller/kafka-writer.js';

/**
 * The alarm API function behind the HTTP API's JWT authorizer: alarms, acknowledgements and
 * response plans in Aurora through the Data API, and the read API (instruments, windows,
 * readings, registry edits, manual readings onto the reading stream). The environment is read once, here: a
 * missing or malformed variable fails the function's init with a ConfigError naming it.
 */
const config = readApiConfig(process.env);
const database = new DataApiDatabase(new RDSDataClient({}), {
  resourceArn: config.clusterArn,
  secretArn: config.secretArn,
  database: config.database,
});

/** Where manual readings go: the Kafka topic through an idempotent producer (TLS and MSK IAM), or the Kinesis stream. */
function manualReadingStream(readings: ReadApiConfig): { writer: KafkaWriter } | { kinesis: ReturnType<typeof createKinesisClient> } {
  if (readings.stream?.kind !== 'kafka') return { kinesis: createKinesisClient() };
  const connection = kafkaClientOptions(readings.stream.connection);
  return {
    writer: new KafkaWriter({
      createProducer: () => createReadingsProducer(connection, 'geotech-alarm-api'),
      topic: readings.streamName,
      maxAttempts: UPLOAD_PUT_ATTEMPTS,
    }),
  };
}

export const handler = createApiHandler({
  alarms: new AlarmStore(database),
  readings: readApiServices({ db: database, ...manualReadingStream(config.readings), config: config.readings }),
  policy: config.policy,
  siteTimeZone: config.siteTimeZone,
  logger: createLogger(SERVICE_NAMES.alarmApi),
});
