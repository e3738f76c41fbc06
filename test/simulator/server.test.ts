import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulatorServer, type RunningSimulator, type ServeRecord } from '../../local/simulator-server.js';
import { READING_PATHS, SECOND, T0, allItems, type AllBody, type Envelope } from './helpers.js';

const running: RunningSimulator[] = [];

async function start(options: Parameters<typeof startSimulatorServer>[0]): Promise<RunningSimulator> {
  const simulator = await startSimulatorServer(options);
  running.push(simulator);
  return simulator;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((simulator) => simulator.close()));
});

/** A clock that moves ten seconds on every reading, as successive polls would. */
function steppingClock(): () => number {
  let now = T0;
  return () => (now += 10 * SECOND);
}

describe('simulator HTTP server', () => {
  it('listens on a free port when asked for port 0 and answers ping with and without the slash', async () => {
    const server = await start({ port: 0 });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    for (const path of ['/ping', '/ping/']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ ping: 'pong!' });
    }
  });

  it('serves every reading endpoint with and without the trailing slash', async () => {
    const server = await start({ port: 0, seed: 'http', now: () => T0 });
    for (const endpoint of READING_PATHS) {
      const [plain, slashed] = await Promise.all(
        [endpoint.path, `${endpoint.path}/`].map(async (path) => {
          const response = await fetch(`${server.url}/${path}`);
          expect(response.status).toBe(200);
          return (await response.json()) as Envelope;
        }),
      );
      expect(slashed).toEqual(plain);
      expect(plain!.units).toBe(endpoint.units);
      expect(plain!.items.every((item) => item.instrument === endpoint.instrument)).toBe(true);
    }
  });

  it('serves params/all and answers unknown paths with a JSON 404', async () => {
    const server = await start({ port: 0 });
    const all = (await (await fetch(`${server.url}/params/all/`)).json()) as AllBody;
    expect(all.instruments).toBe(allItems(all).length);
    const missing = await fetch(`${server.url}/params/rainfall`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('records every item it served, exactly as the client received it', async () => {
    const served: ServeRecord[] = [];
    const server = await start({
      port: 0,
      seed: 'recorded',
      now: steppingClock(),
      recordServed: true,
      onServe: (record) => served.push(record),
      faults: { duplicateItems: 0.05, nullFields: 0.05, http5xx: 0.2 },
    });
    const received: { status: number; items: unknown[] }[] = [];
    for (const path of ['/params/all', '/params/water_standpipe/', '/params/settlement/z', '/ping/', '/params/all/']) {
      for (let repeat = 0; repeat < 4; repeat++) {
        const response = await fetch(`${server.url}${path}`);
        const body = (await response.json()) as Record<string, unknown>;
        const items =
          response.status !== 200 || 'ping' in body
            ? []
            : 'items' in body
              ? (body as unknown as Envelope).items
              : allItems(body as AllBody);
        received.push({ status: response.status, items });
      }
    }
    expect(server.served).toHaveLength(received.length);
    expect(served).toEqual(server.served);
    expect(server.served.map(({ status, items }) => ({ status, items }))).toEqual(received);
    expect(server.served.some((record) => record.status >= 500)).toBe(true);
    expect(new Set(server.served.map((record) => record.at)).size).toBe(received.length);
  });

  it('keeps no log unless asked to', async () => {
    const server = await start({ port: 0 });
    await (await fetch(`${server.url}/params/all`)).text();
    expect(server.served).toEqual([]);
  });

  it('holds a slow response back and still delivers it intact', async () => {
    const server = await start({ port: 0, seed: 'slow', faults: { slowResponses: 1 }, slowDelayMs: 20, instrumentsPerType: 5 });
    const response = await fetch(`${server.url}/params/pore_pressure/`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Envelope).items).toHaveLength(5);
  });

  it('makes a client with a short timeout give up on a long-delayed response, and closes despite it', async () => {
    const server = await start({ port: 0, faults: { slowResponses: 1 }, slowDelayMs: 60_000, instrumentsPerType: 1 });
    await expect(fetch(`${server.url}/params/all`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await server.close();
    running.splice(running.indexOf(server), 1);
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });

  it('names the option to change when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startSimulatorServer({ port })).rejects.toThrow(
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use: choose another with the 'port' option`),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('rejects a port that is not one', async () => {
    await expect(startSimulatorServer({ port: 70_000 })).rejects.toThrow(/port must be a whole number from 0 to 65535/);
  });

  it('rejects bad simulator options before listening', async () => {
    await expect(startSimulatorServer({ port: 0, faults: { http5xx: 3 } })).rejects.toThrow(/faults\.http5xx/);
  });
});
