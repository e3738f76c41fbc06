import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DataApiDatabase } from '../db/sql-client.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { AuroraBatchStore } from './aurora-store.js';
import { createQuarantineRecorderHandler, parseQuarantineRecorderEnvironment } from './quarantine-recorder.js';

/** The store's averaging window plays no part in storing rejections; any valid length will do. */
const WINDOW_SECONDS_UNUSED = 10;

const target = parseQuarantineRecorderEnvironment(process.env);
const recorder = createQuarantineRecorderHandler({
  store: new AuroraBatchStore(new DataApiDatabase(new RDSDataClient({}), target), WINDOW_SECONDS_UNUSED),
  logger: createLogger(SERVICE_NAMES.quarantineRecorder),
  metrics: createMetrics(SERVICE_NAMES.quarantineRecorder),
});

/** Consumer of the SQS quarantine queue: every rejection into `quarantined_readings`, with partial batch responses. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => recorder(event);
