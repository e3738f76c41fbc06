import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRecordFault, readReadingRecord } from '../../lambdas/domain/reading-codec.js';
import type { Rejection } from '../../lambdas/domain/rejection.js';
import { DEFAULT_SOURCE_PATHS } from '../../lambdas/domain/source-api.js';
import type { HistoryMode, PollerConfig } from '../../lambdas/poller/config.js';
import { MemoryCursorStore, type CursorStore } from '../../lambdas/poller/cursor-store.js';
import { createPoller } from '../../lambdas/poller/poller.js';
import type { EndpointFailure } from '../../lambdas/poller/source-client.js';
import type { QuarantineSink } from '../../lambdas/shared/quarantine.js';
import { kinesisClientFor, type KinesisLocal } from '../../local/kinesis-local.js';
import { FileCursorStore } from '../../local/file-cursor-store.js';
import { startSimulatorServer, type RunningSimulator, type SimulatorServerOptions } from '../../local/simulator-server.js';
import { createActiveStream, readAllRecords, startTestKinesis } from '../support/kinesis.js';
import { envelope, startScriptedSource, type ScriptedSource } from './support/scripted-source.js';

let kinesis: KinesisLocal;
let streamCounter = 0;
const directory = mkdtempSync(join(tmpdir(), 'history-mode-'));
const clients: KinesisClient[] = [];
let simulator: RunningSimulator | undefined;
let scripted: ScriptedSource | undefined;

beforeAll(async () => {
  kinesis = await startTestKinesis({ streamName: 'history-base', shardCount: 1 });
});
afterEach(async () => {
  await simulator?.close();
  await scripted?.close();
  simulator = undefined;
  scripted = undefined;
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await kinesis?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const START = Date.parse('2026-03-02T01:00:00Z');
const MINUTE = 60_000;

/** Rejections kept in memory, in order. */
class MemoryQuarantine implements QuarantineSink {
  readonly rejections: Rejection[] = [];
  async put(rejections: readonly Rejection[]): Promise<void> {
    this.rejections.push(...rejections);
  }
}

async function newStream(): Promise<{ client: KinesisClient; streamName: string }> {
  streamCounter++;
  const streamName = `history-${streamCounter}`;
  await createActiveStream(kinesis.client, streamName, 1);
  const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
  clients.push(client);
  return { client, streamName };
}

function config(streamName: string, baseUrl: string, overrides: Partial<PollerConfig> = {}): PollerConfig {
  return {
    streamName,
    stream: { kind: 'kinesis' },
    sourceBaseUrl: baseUrl,
    sourcePaths: [...DEFAULT_SOURCE_PATHS],
    sourceAuth: { mode: 'none' },
    pollIntervalMs: 10_000,
    requestTimeoutMs: 2_000,
    requestMaxAttempts: 2,
    maxFutureSkewMs: 60_000,
    quarantineQueueUrl: undefined,
    historyMode: 'auto' as HistoryMode,
    // Ten minutes of every path on a first start, in pages of 25.
    initialLookback: { byPath: {}, otherSeconds: 600 },
    historyPageLimit: 25,
    cursorTableName: undefined,
    ...overrides,
  };
}

async function streamIdentities(client: KinesisClient, streamName: string): Promise<string[]> {
  return (await readAllRecords(client, streamName)).map((record) => {
    const decoded = readReadingRecord(record.data.toString('base64'));
    if (isRecordFault(decoded)) throw new Error(`undecodable record: ${decoded.fault}`);
    return `${decoded.instrumentId}@${new Date(decoded.observedAt).toISOString()}`;
  });
}

/** What the simulator's history holds for every default path from `since` to `at`, as identities, read in one large page each. */
function historyIdentities(running: RunningSimulator, since: number, at: number): string[] {
  return DEFAULT_SOURCE_PATHS.flatMap((path) => {
    const response = running.simulator.respond({ method: 'GET', path: `${path}?since=${new Date(since).toISOString()}&limit=5000` }, at);
    const body = JSON.parse(response.body) as { items: { borehole_number: string; timestamp: string }[]; more: boolean };
    expect(body.more).toBe(false);
    return body.items.map((item) => `${item.borehole_number}@${item.timestamp}`);
  });
}

function poller(
  options: SimulatorServerOptions & {
    client: KinesisClient;
    streamName: string;
    url: string;
    clock: { now: number };
    cursors: CursorStore;
    quarantine?: QuarantineSink;
    overrides?: Partial<PollerConfig>;
    failures?: EndpointFailure[];
  },
) {
  return createPoller({
    config: config(options.streamName, options.url, options.overrides),
    kinesis: options.client,
    quarantine: options.quarantine ?? new MemoryQuarantine(),
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => options.clock.now,
    sleep: async () => undefined,
    cursors: options.cursors,
    onEndpointFailures: (failures) => options.failures?.push(...failures),
  });
}

describe('history mode against the simulator and kinesis-local', () => {
  it('back-fills from now - lookback on a first start, page by page, each reading once', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({ seed: 'history-poll', instrumentsPerType: 6, now: () => clock.now, recordServed: true });
    const { client, streamName } = await newStream();
    const cursors = new MemoryCursorStore();
    const first = poller({ client, streamName, url: simulator.url, clock, cursors });
    const summary = await first.pollOnce();
    const expected = historyIdentities(simulator, START - 10 * MINUTE, START);
    expect(summary).toMatchObject({ readingsPolled: expected.length, readingsAccepted: expected.length, readingsRejected: 0 });
    expect((await streamIdentities(client, streamName)).sort()).toEqual([...expected].sort());
    // Several pages of 25 on the busy paths, each asked for with the cursor of the one before.
    const queries = simulator.served.map((record) => record.path);
    expect(queries.filter((path) => path.includes('since='))).toHaveLength(5);
    expect(queries.filter((path) => path.includes('cursor=')).length).toBeGreaterThan(3);
    for (const path of DEFAULT_SOURCE_PATHS) expect(cursors.cursors.get(path)).toBe(`v1.${START}`);
  });

  it('resumes from the saved cursor after a restart: neither loses nor repeats a reading', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({ seed: 'history-poll', instrumentsPerType: 6, now: () => clock.now });
    const { client, streamName } = await newStream();
    const cursors = new FileCursorStore(join(directory, `cursors-${streamCounter}.json`));
    await poller({ client, streamName, url: simulator.url, clock, cursors }).pollOnce();
    clock.now += 7 * MINUTE;
    // A new poller (a restart) on the same cursor file.
    const restarted = poller({ client, streamName, url: simulator.url, clock, cursors: new FileCursorStore(cursors.path) });
    const second = await restarted.pollOnce();
    expect(second.readingsRejected).toBe(0);
    const stored = await streamIdentities(client, streamName);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort()).toEqual(historyIdentities(simulator, START - 10 * MINUTE, clock.now).sort());
  });

  it('saves a page’s cursor only once its readings are on the stream or quarantined', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({
      seed: 'history-poll',
      instrumentsPerType: 6,
      now: () => clock.now,
      faults: { nonNumericReadings: 0.1, duplicateItems: 0.05 },
    });
    const { client, streamName } = await newStream();
    const quarantine = new MemoryQuarantine();
    const seenAtSave: { path: string; stored: number; quarantined: number }[] = [];
    let saved = 0;
    const cursors: CursorStore = {
      get: async () => undefined,
      put: async (path) => {
        saved++;
        seenAtSave.push({ path, stored: (await readAllRecords(client, streamName)).length, quarantined: quarantine.rejections.length });
      },
    };
    const summary = await poller({ client, streamName, url: simulator.url, clock, cursors, quarantine }).pollOnce();
    expect(summary.readingsAccepted + summary.readingsRejected).toBe(summary.readingsPolled);
    expect(summary.rejectedByReason.non_numeric_reading).toBeGreaterThan(0);
    expect(summary.rejectedByReason.duplicate_reading).toBeGreaterThan(0);
    expect(saved).toBeGreaterThan(5);
    // When the last cursor was saved, everything read was already in the stream or the quarantine.
    const last = seenAtSave[seenAtSave.length - 1]!;
    expect(last.stored + last.quarantined).toBe(summary.readingsPolled);
  });

  it('counts a cursor that cannot be saved as an endpoint failure and goes on from the cursor it holds', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({ seed: 'history-poll', instrumentsPerType: 3, now: () => clock.now });
    const { client, streamName } = await newStream();
    const failures: EndpointFailure[] = [];
    const cursors: CursorStore = {
      get: async () => undefined,
      put: async () => {
        throw new Error('table is being restored');
      },
    };
    const broken = poller({ client, streamName, url: simulator.url, clock, cursors, failures, overrides: { historyPageLimit: 5000 } });
    const first = await broken.pollOnce();
    expect(first.endpointFailures).toBe(5);
    expect(failures.map((failure) => failure.kind)).toEqual(Array(5).fill('cursor_store'));
    expect(failures[0]!.message).toMatch(/could not save the cursor after a page: table is being restored/);
    clock.now += MINUTE;
    await broken.pollOnce();
    const stored = await streamIdentities(client, streamName);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.sort()).toEqual(historyIdentities(simulator, START - 10 * MINUTE, clock.now).sort());
  });

  it('stops asking for pages once the poll interval has gone, and goes on at the next poll', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({ seed: 'history-poll', instrumentsPerType: 6, now: () => clock.now, recordServed: true });
    const { client, streamName } = await newStream();
    // Every reading of the clock moves it on by a second, so the 10 s budget is spent after a few pages.
    const ticking = {
      get now() {
        return (clock.now += 1_000);
      },
    };
    const slow = poller({ client, streamName, url: simulator.url, clock: ticking as { now: number }, cursors: new MemoryCursorStore() });
    await slow.pollOnce();
    const firstPages = simulator.served.length;
    expect(firstPages).toBeLessThan(5 * 4);
    await slow.pollOnce();
    expect(simulator.served.length).toBeGreaterThan(firstPages);
    const stored = await streamIdentities(client, streamName);
    expect(new Set(stored).size).toBe(stored.length);
  });
});

describe('a source without history mode', () => {
  const snapshotItem = (at: string) => ({
    borehole_number: 'BH-1001',
    instrument: 'water_standpipe',
    surface_level: 80,
    northing: 5_812_000,
    easting: 320_000,
    reading: 74.5,
    timestamp: at,
  });

  it('is read in snapshot mode when it ignores since (auto), and asked without a query from then on', async () => {
    scripted = await startScriptedSource({
      'params/water_standpipe': (n) => ({ status: 200, body: envelope([snapshotItem(new Date(START + n * 10_000).toISOString())]) }),
    });
    const { client, streamName } = await newStream();
    const clock = { now: START + 30_000 };
    const snapshotPoller = poller({
      client,
      streamName,
      url: scripted.url,
      clock,
      cursors: new MemoryCursorStore(),
      overrides: { sourcePaths: ['params/water_standpipe'] },
    });
    const first = await snapshotPoller.pollOnce();
    const second = await snapshotPoller.pollOnce();
    expect(first).toMatchObject({ readingsPolled: 1, readingsAccepted: 1, endpointFailures: 0 });
    expect(second).toMatchObject({ readingsPolled: 1, readingsAccepted: 1, endpointFailures: 0 });
    expect(scripted.requests.map((request) => request.path)).toEqual(['params/water_standpipe', 'params/water_standpipe']);
    expect(await streamIdentities(client, streamName)).toHaveLength(2);
  });

  it('is an endpoint failure naming the setting when history mode is on', async () => {
    scripted = await startScriptedSource({ 'params/water_standpipe': () => ({ status: 200, body: envelope([]) }) });
    const { client, streamName } = await newStream();
    const failures: EndpointFailure[] = [];
    const strict = poller({
      client,
      streamName,
      url: scripted.url,
      clock: { now: START },
      cursors: new MemoryCursorStore(),
      failures,
      overrides: { sourcePaths: ['params/water_standpipe'], historyMode: 'on' },
    });
    expect(await strict.pollOnce()).toMatchObject({ endpointFailures: 1, readingsPolled: 0 });
    expect(failures[0]).toMatchObject({ kind: 'invalid_envelope', message: expect.stringMatching(/SOURCE_HISTORY_MODE=on/) });
  });

  it('is never asked for history when history mode is off', async () => {
    const clock = { now: START };
    simulator = await startSimulatorServer({ seed: 'history-poll', instrumentsPerType: 2, now: () => clock.now, recordServed: true });
    const { client, streamName } = await newStream();
    const off = poller({
      client,
      streamName,
      url: simulator.url,
      clock,
      cursors: new MemoryCursorStore(),
      overrides: { historyMode: 'off' },
    });
    expect(await off.pollOnce()).toMatchObject({ readingsPolled: 10, readingsAccepted: 10 });
    expect(simulator.served.every((record) => !record.path.includes('?'))).toBe(true);
  });
});
