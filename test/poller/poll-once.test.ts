import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRecordFault, readReadingRecord } from '../../lambdas/domain/reading-codec.js';
import { REJECTION_REASONS, type Rejection } from '../../lambdas/domain/rejection.js';
import { DEFAULT_SOURCE_PATHS } from '../../lambdas/domain/source-api.js';
import { parseIsoInstant } from '../../lambdas/domain/timestamps.js';
import { DEFAULT_INITIAL_LOOKBACK, type PollerConfig } from '../../lambdas/poller/config.js';
import type { PollSummary } from '../../lambdas/poller/poll-once.js';
import { createPoller } from '../../lambdas/poller/poller.js';
import { latestAvailableTime } from '../../lambdas/simulator/loggers.js';
import { JsonlQuarantineSink } from '../../lambdas/shared/quarantine.js';
import { kinesisClientFor, type KinesisLocal } from '../../local/kinesis-local.js';
import { startSimulatorServer, type RunningSimulator, type SimulatorServerOptions } from '../../local/simulator-server.js';
import { createActiveStream, injectPutRecordsFailures, readAllRecords, startTestKinesis } from '../support/kinesis.js';

let kinesis: KinesisLocal;
let streamCounter = 0;
const directory = mkdtempSync(join(tmpdir(), 'poll-once-'));
const clients: KinesisClient[] = [];
let simulator: RunningSimulator | undefined;

beforeAll(async () => {
  kinesis = await startTestKinesis({ streamName: 'poll-base', shardCount: 1 });
});
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await kinesis?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const START = Date.parse('2026-03-02T01:00:00Z');

/** A poller wired to a fresh stream, a JSONL quarantine and a simulator whose clock the test moves. */
async function setUp(simulatorOptions: SimulatorServerOptions) {
  streamCounter++;
  const streamName = `poll-${streamCounter}`;
  await createActiveStream(kinesis.client, streamName, 2);
  const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
  clients.push(client);
  const clock = { now: START };
  simulator = await startSimulatorServer({
    seed: 'poll-once',
    instrumentsPerType: 8,
    recordServed: true,
    now: () => clock.now,
    ...simulatorOptions,
  });
  const quarantinePath = join(directory, `${streamName}.jsonl`);
  const config: PollerConfig = {
    streamName,
    stream: { kind: 'kinesis' },
    sourceBaseUrl: simulator.url,
    sourcePaths: [...DEFAULT_SOURCE_PATHS],
    sourceAuth: { mode: 'none' },
    pollIntervalMs: 10_000,
    requestTimeoutMs: 2_000,
    requestMaxAttempts: 3,
    maxFutureSkewMs: 60_000,
    quarantineQueueUrl: undefined,
    historyMode: 'off',
    initialLookback: DEFAULT_INITIAL_LOOKBACK,
    historyPageLimit: 2_000,
    cursorTableName: undefined,
  };
  const poller = createPoller({
    config,
    kinesis: client,
    quarantine: new JsonlQuarantineSink(quarantinePath),
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => clock.now,
    sleep: async () => undefined,
    putMaxAttempts: 3,
  });
  const quarantined = (): Rejection[] =>
    existsSync(quarantinePath)
      ? readFileSync(quarantinePath, 'utf8')
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Rejection)
      : [];
  const stream = async () =>
    (await readAllRecords(client, streamName)).map((record) => {
      const decoded = readReadingRecord(record.data.toString('base64'));
      if (isRecordFault(decoded)) throw new Error(`undecodable record ${record.data.toString()}: ${decoded.fault}`);
      return { partitionKey: record.partitionKey, reading: decoded };
    });
  return { poller, client, clock, simulator, quarantined, stream };
}

function expectBalanced(summary: PollSummary): void {
  expect(summary.readingsAccepted + summary.readingsRejected).toBe(summary.readingsPolled);
  expect(Object.values(summary.rejectedByReason).reduce((a, b) => a + b, 0)).toBe(summary.readingsRejected);
  expect(summary.recordsPut).toBe(summary.readingsAccepted);
}

function sum(summaries: PollSummary[], key: 'readingsPolled' | 'readingsAccepted' | 'readingsRejected' | 'endpointFailures'): number {
  return summaries.reduce((total, s) => total + s[key], 0);
}

describe('pollOnce against the simulator and kinesis-local', () => {
  it('accounts for every item served under faults: each is in the stream once or quarantined with a reason', async () => {
    const { poller, clock, simulator, quarantined, stream } = await setUp({
      faults: {
        nullFields: 0.08,
        emptyStrings: 0.08,
        malformedTimestamps: 0.08,
        nonNumericReadings: 0.08,
        duplicateItems: 0.08,
        legacyNames: 0.1,
        http5xx: 0.2,
        invalidJson: 0.1,
        slowResponses: 0.2,
      },
      slowDelayMs: 20,
    });
    const summaries: PollSummary[] = [];
    for (let poll = 0; poll < 4; poll++) {
      summaries.push(await poller.pollOnce());
      clock.now += 10_000;
    }
    summaries.forEach(expectBalanced);

    const servedItems = simulator.served.filter((s) => s.status === 200).flatMap((s) => s.items);
    const rejections = quarantined();
    const records = await stream();
    expect(sum(summaries, 'readingsPolled')).toBe(servedItems.length);
    expect(records).toHaveLength(sum(summaries, 'readingsAccepted'));
    expect(rejections).toHaveLength(sum(summaries, 'readingsRejected'));
    expect(records.length + rejections.length).toBe(servedItems.length);

    // The stream holds each reading once, keyed by instrument, and each was served.
    const identity = (id: string, at: number) => `${id}@${at}`;
    const streamIdentities = records.map((r) => identity(r.reading.instrumentId, r.reading.observedAt));
    expect(new Set(streamIdentities).size).toBe(records.length);
    for (const record of records) expect(record.partitionKey).toBe(record.reading.instrumentId);
    const servedIdentities = new Set(
      servedItems.map((item) => identity(String(item.borehole_number).trim(), parseIsoInstant(String(item.timestamp)) ?? NaN)),
    );
    for (const id of streamIdentities) expect(servedIdentities.has(id)).toBe(true);

    // Every rejection has a known reason, detail and source, and holds an item that was served.
    const servedJson = new Set(servedItems.map((item) => JSON.stringify(item)));
    for (const rejection of rejections) {
      expect(REJECTION_REASONS).toContain(rejection.reason);
      expect(rejection.detail.length).toBeGreaterThan(0);
      expect(DEFAULT_SOURCE_PATHS as readonly string[]).toContain(rejection.source);
      expect(servedJson.has(JSON.stringify(rejection.raw))).toBe(true);
    }
    const quarantinedByReason: Record<string, number> = {};
    for (const r of rejections) quarantinedByReason[r.reason] = (quarantinedByReason[r.reason] ?? 0) + 1;
    const summedByReason: Record<string, number> = {};
    for (const s of summaries)
      for (const [reason, n] of Object.entries(s.rejectedByReason)) summedByReason[reason] = (summedByReason[reason] ?? 0) + n;
    expect(quarantinedByReason).toEqual(summedByReason);
    for (const reason of ['missing_field', 'empty_field', 'invalid_timestamp', 'non_numeric_reading', 'duplicate_reading']) {
      expect(quarantinedByReason[reason], reason).toBeGreaterThan(0);
    }
    // Legacy instrument names are not faults: those items are accepted under their canonical type.
    expect(servedItems.some((item) => typeof item.instrument === 'string' && item.instrument.includes(' '))).toBe(true);
  });

  it('rejects as duplicates the readings a later poll of the session serves again', async () => {
    const { poller, clock, quarantined, stream, simulator } = await setUp({});
    const first = await poller.pollOnce();
    expect(first).toMatchObject({ readingsPolled: 40, readingsAccepted: 40, readingsRejected: 0, endpointFailures: 0 });
    const second = await poller.pollOnce();
    expect(second).toMatchObject({
      readingsPolled: 40,
      readingsAccepted: 0,
      readingsRejected: 40,
      rejectedByReason: { duplicate_reading: 40 },
    });
    // A quarter of an hour later every logger has logged again (the slowest log every 15 minutes),
    // except those an outage holds back: their latest reading is the one already put.
    clock.now += 15 * 60_000;
    const fresh = Object.values(simulator.simulator.instruments)
      .flat()
      .filter(
        ({ logging, profile }) => latestAvailableTime(logging, profile, clock.now) !== latestAvailableTime(logging, profile, START),
      ).length;
    expect(fresh).toBeGreaterThan(30);
    const third = await poller.pollOnce();
    expect(third).toMatchObject({ readingsAccepted: fresh, readingsRejected: 40 - fresh });
    expect(await stream()).toHaveLength(40 + fresh);
    expect(quarantined().every((r) => r.reason === 'duplicate_reading')).toBe(true);
  });

  it('quarantines as put_failed the readings Kinesis refuses on every attempt, and serves them a second chance', async () => {
    const { poller, client, clock, quarantined, stream } = await setUp({ instrumentsPerType: 4 });
    const refused = new Set<string>();
    const calls = injectPutRecordsFailures(client, (entry) => refused.has(entry.PartitionKey ?? ''));
    const firstIds = simulatorIds();
    refused.add(firstIds[0]!).add(firstIds[5]!);

    const summary = await poller.pollOnce();
    expectBalanced(summary);
    expect(summary).toMatchObject({ readingsPolled: 20, readingsAccepted: 18, readingsRejected: 2, rejectedByReason: { put_failed: 2 } });
    // One call per path (5); the two paths holding a refused reading send it twice more.
    expect(calls).toHaveLength(5 + 2 * 2);
    const failed = quarantined();
    expect(failed.map((r) => (r.raw as { instrumentId: string }).instrumentId).sort()).toEqual([...refused].sort());
    for (const rejection of failed) {
      expect(rejection.reason).toBe('put_failed');
      expect(rejection.detail).toMatch(/3 time\(s\).*ProvisionedThroughputExceededException/);
    }
    const stored = await stream();
    expect(stored).toHaveLength(18);
    expect(stored.some((r) => refused.has(r.reading.instrumentId))).toBe(false);

    // Not remembered as put, so the same readings served again are accepted, not called duplicates.
    refused.clear();
    const retry = await poller.pollOnce();
    expect(retry).toMatchObject({ readingsAccepted: 2, readingsRejected: 18, rejectedByReason: { duplicate_reading: 18 } });
    expect(await stream()).toHaveLength(20);
    void clock;
  });

  it('counts endpoints that fail and still puts what the others served', async () => {
    const { poller, simulator } = await setUp({ faults: { invalidJson: 0.5 } });
    const summary = await poller.pollOnce();
    const failedPaths = new Set(simulator.served.filter((s) => s.status === 200 && s.items.length === 0).map((s) => s.path));
    expect(summary.endpointFailures).toBe(failedPaths.size);
    expect(summary.readingsPolled).toBe(8 * (5 - failedPaths.size));
    expect(summary.readingsAccepted).toBe(summary.readingsPolled);
  });
});

/** Instrument ids of the running simulator's fleet, across all types. */
function simulatorIds(): string[] {
  const fleet = simulator?.simulator.fleet ?? {};
  return Object.values(fleet).flatMap((instruments) => (instruments as { id: string }[]).map((instrument) => instrument.id));
}
