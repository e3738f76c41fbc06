import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KinesisLocal } from '../../local/kinesis-local.js';
import { startSimulatorServer, type RunningSimulator } from '../../local/simulator-server.js';
import { readAllRecords, startTestKinesis } from '../support/kinesis.js';
import { pollerEnvironment } from '../support/poller-environment.js';

let kinesis: KinesisLocal;
let simulator: RunningSimulator;

beforeAll(async () => {
  kinesis = await startTestKinesis({ streamName: 'handler-readings', shardCount: 2 });
  simulator = await startSimulatorServer({ seed: 'handler', instrumentsPerType: 3 });
});
afterAll(async () => {
  await simulator?.close();
  await kinesis?.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

/** The parts of a Lambda context the handler uses, with a real deadline `ms` from now (the Lambda runtime cannot run here). */
function lambdaContext(ms: number): Context {
  const deadline = Date.now() + ms;
  return { functionName: 'poller', awsRequestId: 'req-1', getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

function stubLambdaEnvironment(overrides: Record<string, string> = {}): void {
  const env: Record<string, string> = {
    ...pollerEnvironment(kinesis, simulator),
    AWS_ACCESS_KEY_ID: kinesis.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: kinesis.credentials.secretAccessKey,
    POWERTOOLS_SERVICE_NAME: 'poller',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...overrides,
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}

describe('poller Lambda handler', () => {
  it('polls the source and puts to the stream the SDK finds through AWS_ENDPOINT_URL_KINESIS, stopping before the timeout', async () => {
    // Snapshot mode: one answer per path, three instruments each (history mode is tested in history-mode.test.ts).
    stubLambdaEnvironment({ SOURCE_HISTORY_MODE: 'off' });
    const { handler } = await import('../../lambdas/poller/handler.js');
    // 11 s left: room for one poll (7 s budget + 3 s margin), not for a second 10 s later.
    const session = await handler({} as ScheduledEvent, lambdaContext(11_000));
    expect(session.polls).toBe(1);
    expect(session.totals).toMatchObject({ readingsPolled: 15, readingsAccepted: 15, readingsRejected: 0, endpointFailures: 0 });
    const records = await readAllRecords(kinesis.client, kinesis.streamName);
    expect(records).toHaveLength(15);
  });

  it('fails at init with an error naming the missing variable', async () => {
    stubLambdaEnvironment({ STREAM_NAME: '' });
    await expect(import('../../lambdas/poller/handler.js')).rejects.toThrow(/STREAM_NAME: is required/);
  });

  it('requires a quarantine queue', async () => {
    stubLambdaEnvironment({ QUARANTINE_QUEUE_URL: '' });
    await expect(import('../../lambdas/poller/handler.js')).rejects.toThrow(/QUARANTINE_QUEUE_URL: is required/);
  });
});
