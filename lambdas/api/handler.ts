import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { AlarmStore } from '../alarms/alarm-store.js';
import { DataApiDatabase } from '../db/sql-client.js';
import { createKinesisClient } from '../shared/kinesis-client.js';
import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { readApiConfig } from './api-config.js';
import { createApiHandler } from './api-handler.js';
import { readApiServices } from './read-api.js';

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

export const handler = createApiHandler({
  alarms: new AlarmStore(database),
  readings: readApiServices({ db: database, kinesis: createKinesisClient(), config: config.readings }),
  policy: config.policy,
  siteTimeZone: config.siteTimeZone,
  logger: createLogger(SERVICE_NAMES.alarmApi),
});
