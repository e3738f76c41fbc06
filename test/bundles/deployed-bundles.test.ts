import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceCreateEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridToLatLon } from '../../lambdas/domain/coordinates.js';
import { bundledMigrations } from '../../lambdas/db/migration-set.js';
import { rejectionMessageBody, SQS_BATCH_LIMITS } from '../../lambdas/shared/quarantine.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { LAMBDA_ENTRIES, LAMBDA_NODE_TARGET } from '../../lib/constructs/lambda-bundling.js';
import { NODE_RUNTIME } from '../../lib/constructs/pipeline-function.js';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  startDataApiServer,
} from '../../local/data-api/index.js';
import { startSimulatorServer } from '../../local/simulator-server.js';
import { startLocalBatchDatabase } from '../support/batch-database.js';
import { BundledLambda, buildDeployedBundle, type DeployedBundle } from '../support/bundled-lambda.js';
import { readAllRecords, startTestKinesis } from '../support/kinesis.js';
import { sqsEvent } from '../support/sqs-events.js';
import { pollerEnvironment } from '../support/poller-environment.js';
import { piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

/**
 * The functions as deployed: each entry bundled as the stack bundles it (module substitutions
 * included), loaded in a process of its own outside the project, and run against the real
 * local services. Only the Lambda runtime is stood in for (test/support/lambda-host.mjs).
 */

const outDir = mkdtempSync(join(tmpdir(), 'deployed-bundles-'));
const bundles = new Map<string, DeployedBundle>();
const running: BundledLambda[] = [];

/** What Lambda sets for every function (region and the role's credentials), local values. */
const LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SESSION_TOKEN: 'local-session',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

async function start(name: string, environment: Record<string, string>): Promise<BundledLambda> {
  const lambda = await BundledLambda.start(bundles.get(name)!.file, { ...LAMBDA_ENVIRONMENT, ...environment });
  running.push(lambda);
  return lambda;
}

beforeAll(async () => {
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) bundles.set(name, await buildDeployedBundle(entry, outDir, name));
});
afterAll(async () => {
  await Promise.all(running.map((lambda) => lambda.stop()));
  rmSync(outDir, { recursive: true, force: true });
});

describe('deployed bundles', () => {
  it('leave out the SDK credential chain beyond the environment, the event-stream codec and proj4', () => {
    const leftOut =
      /@aws-sdk\/credential-provider-node\/|@aws-sdk\/nested-clients\/|@smithy\/core\/dist-es\/submodules\/event-streams\/|node_modules\/proj4\//;
    for (const [name, bundle] of bundles) {
      expect(
        bundle.inputs.filter((input) => leftOut.test(input)),
        name,
      ).toEqual([]);
    }
    for (const name of ['poller', 'batch-processor', 'realtime-processor', 'quarantine-recorder', 'db-migrate']) {
      expect(bundles.get(name)!.inputs, name).toContain('lambdas/shared/lambda-credentials.ts');
    }
  });

  it('target the Node.js version of the functions’ runtime', () => {
    expect(NODE_RUNTIME.name).toBe(`nodejs${LAMBDA_NODE_TARGET.replace('node', '')}.x`);
  });

  it('keep licence notices in a file beside the code', () => {
    expect(readFileSync(join(outDir, 'poller.mjs.LEGAL.txt'), 'utf8')).toMatch(/license/i);
  });

  it('poller: polls the simulator and puts every reading to Kinesis (kinesis-local)', async () => {
    const kinesis = await startTestKinesis({ streamName: 'bundled-poller', shardCount: 2 });
    const simulator = await startSimulatorServer({ seed: 'bundled-poller', instrumentsPerType: 3 });
    try {
      const poller = await start('poller', pollerEnvironment(kinesis, simulator));
      // 11 s left: room for one poll (7 s budget + 3 s margin), not for a second.
      const session = await poller.invoke<{ polls: number; totals: Record<string, number> }>({}, 11_000);
      expect(session.polls).toBe(1);
      // History mode (the simulator has it): the first poll back-fills from now - lookback, 12 h 10 min for settlement markers.
      const { readingsPolled, readingsAccepted, readingsRejected } = session.totals;
      expect(readingsPolled).toBeGreaterThan(15 * 5);
      expect(readingsAccepted).toBe(readingsPolled);
      expect(readingsRejected).toBe(0);
      const records = await readAllRecords(kinesis.client, kinesis.streamName);
      expect(records).toHaveLength(readingsAccepted!);
      const markerIds = new Set(simulator.simulator.fleet.settlement_marker.map((instrument) => instrument.id));
      const oldestMarker = Math.min(
        ...records
          .map((record) => JSON.parse(record.data.toString()) as { id: string; t: number })
          .filter((reading) => markerIds.has(reading.id))
          .map((reading) => reading.t),
      );
      expect(Date.now() - oldestMarker).toBeGreaterThan(12 * 3_600_000);
    } finally {
      await simulator.close();
      await kinesis.stop();
    }
  });

  it("migrations: bring an empty database up to date through the Data API and write the site's time zone, then find nothing to do", async () => {
    const embedded = await openEmbeddedDatabase();
    const server = await startDataApiServer({ backend: pgliteBackend(embedded), port: 0 });
    try {
      const migrate = await start('db-migrate', {
        DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
        DB_SECRET_ARN: LOCAL_SECRET_ARN,
        DB_NAME: LOCAL_DATABASE,
        AWS_ENDPOINT_URL_RDS_DATA: server.url,
      });
      const create = {
        RequestType: 'Create',
        ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
        ResponseURL: 'http://127.0.0.1:9/response',
        StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/test/1',
        RequestId: 'request-1',
        LogicalResourceId: 'Schema',
        ResourceType: 'Custom::SchemaMigrations',
        ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider', SiteTimeZone: 'Australia/Adelaide' },
      } satisfies CloudFormationCustomResourceCreateEvent;
      const first = await migrate.invoke<{ Data: { AppliedCount: string } }>(create);
      expect(first.Data.AppliedCount).toBe(String(bundledMigrations().length));
      const again = await migrate.invoke<{ Data: { AppliedCount: string } }>(create);
      expect(again.Data.AppliedCount).toBe('0');
      const tables = await embedded.pglite.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('instruments', 'window_aggregates')",
      );
      expect(tables.rows[0]?.n).toBe(2);
      expect((await embedded.pglite.query('SELECT site_time_zone FROM report_settings')).rows).toEqual([
        { site_time_zone: 'Australia/Adelaide' },
      ]);
    } finally {
      await server.close();
      await embedded.close();
    }
  });

  it('batch processor: folds a Lambda window and writes its exact aggregates and the instrument position', async () => {
    const database = await startLocalBatchDatabase('pglite');
    try {
      const processor = await start('batch-processor', {
        DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
        DB_SECRET_ARN: LOCAL_SECRET_ARN,
        DB_NAME: LOCAL_DATABASE,
        AWS_ENDPOINT_URL_RDS_DATA: database.endpoint(),
        WINDOW_SECONDS: '10',
      });
      const windowStart = Date.parse('2026-01-01T00:00:00Z');
      const values = [101.1, 102.2, 103.4];
      const records = values.map((value, i) => streamRecord(piezometerReading('BH-1001', windowStart + 1_000 + i * 2_000, value), i + 1));
      const folded = await processor.invoke<TumblingWindowResponse>(windowEvent(records, {}, false));
      expect(folded.batchItemFailures).toEqual([]);
      const final = await processor.invoke<TumblingWindowResponse>(windowEvent([], folded.state, true));
      expect(final.batchItemFailures).toEqual([]);

      const [window] = await database.rows<{ reading_count: number; mean: number }>(
        "SELECT reading_count, mean FROM window_aggregates WHERE instrument_id = 'BH-1001'",
      );
      expect(window).toEqual({ reading_count: 3, mean: 102.23333333333333 });
      const [instrument] = await database.rows<{ latitude: number; longitude: number }>(
        "SELECT latitude, longitude FROM instruments WHERE instrument_id = 'BH-1001'",
      );
      const { easting, northing } = piezometerReading('BH-1001', 0, 0);
      expect(instrument).toEqual(gridToLatLon(easting!, northing!));
    } finally {
      await database.close();
    }
  });

  it('quarantine recorder: writes a rejection from an SQS event (the shape Lambda sends) to quarantined_readings once', async () => {
    const database = await startLocalBatchDatabase('pglite');
    try {
      const recorder = await start('quarantine-recorder', {
        DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
        DB_SECRET_ARN: LOCAL_SECRET_ARN,
        DB_NAME: LOCAL_DATABASE,
        AWS_ENDPOINT_URL_RDS_DATA: database.endpoint(),
      });
      const body = rejectionMessageBody(
        {
          reason: 'out_of_range',
          detail: 'reading 9e9 is outside 0..1000',
          field: 'reading',
          raw: { id: 'BH-1' },
          source: '/api/piezometers',
          rejectedAt: Date.parse('2026-01-01T00:00:00Z'),
        },
        SQS_BATCH_LIMITS.maxBytes,
      );
      const event = sqsEvent([
        { messageId: 'm-1', body },
        { messageId: 'm-2', body },
      ]);
      expect(await recorder.invoke<SQSBatchResponse>(event)).toEqual({ batchItemFailures: [] });
      expect(await recorder.invoke<SQSBatchResponse>(event)).toEqual({ batchItemFailures: [] });
      expect(await database.rows('SELECT reason, field, source, raw FROM quarantined_readings')).toEqual([
        { reason: 'out_of_range', field: 'reading', source: '/api/piezometers', raw: '{"id":"BH-1"}' },
      ]);
    } finally {
      await database.close();
    }
  });

  it('quarantine recorder: fails at init, naming the variables, when the Data API target is not configured', async () => {
    await expect(start('quarantine-recorder', {})).rejects.toThrow(/DB_CLUSTER_ARN[\s\S]*DB_SECRET_ARN/);
  });
});
