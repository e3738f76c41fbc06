import { describe, expect, it } from 'vitest';
import { MEMORY_MS, parseCursor } from '../../lambdas/simulator/history.js';
import { availableAt, burstTimes, outageOfCycle } from '../../lambdas/simulator/loggers.js';
import type { SimulatedInstrument } from '../../lambdas/simulator/readings.js';
import { nearLevel } from '../../lambdas/simulator/series.js';
import { createSimulator, type Simulator } from '../../lambdas/simulator/simulator.js';
import { LOGGING, TYPE_MODELS } from '../../lambdas/simulator/type-models.js';
import { HOUR, MINUTE, READING_PATHS, SECOND, T0, type Item } from './helpers.js';

interface HistoryBody {
  instruments: number;
  units: string;
  timezone: string;
  next: string;
  more: boolean;
  items: Item[];
}

function history(simulator: Simulator, path: string, query: string, at: number): HistoryBody {
  const response = simulator.respond({ method: 'GET', path: `${path}?${query}` }, at);
  if (response.status !== 200) throw new Error(`GET ${path}?${query} answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as HistoryBody;
}

/** Every page from `since`, following `next` while `more`. */
function allPages(simulator: Simulator, path: string, since: number, at: number, limit: number): HistoryBody[] {
  const pages = [history(simulator, path, `since=${new Date(since).toISOString()}&limit=${limit}`, at)];
  while (pages[pages.length - 1]!.more) pages.push(history(simulator, path, `cursor=${pages[pages.length - 1]!.next}&limit=${limit}`, at));
  return pages;
}

const times = (items: readonly Item[]) => items.map((item) => Date.parse(item.timestamp as string));
const of = (items: readonly Item[], id: string) => items.filter((item) => item.borehole_number === id);

const simulator = createSimulator({ seed: 'history', instrumentsPerType: 12 });
const at = T0 + 5 * HOUR;
const path = 'params/pore_pressure';
const piezometers = simulator.instruments.piezometer;

/** The instrument's logging times in (from, to]: phase + k × interval. */
function expectedTimes(entry: SimulatedInstrument, from: number, to: number): number[] {
  const { phaseMs, intervalMs } = entry.logging;
  const out: number[] = [];
  for (let tick = Math.ceil((from - phaseMs) / intervalMs); phaseMs + tick * intervalMs <= to; tick++)
    out.push(phaseMs + tick * intervalMs);
  return out.filter((time) => time > from);
}

describe('logging intervals', () => {
  it('gives each instrument an interval from its type’s list, and most types more than one', () => {
    for (const { instrument } of READING_PATHS) {
      const intervals = simulator.instruments[instrument].map(({ logging }) => logging.intervalMs / SECOND);
      for (const interval of intervals) expect(TYPE_MODELS[instrument].loggingIntervalsSeconds).toContain(interval);
      expect(Math.min(...intervals), instrument).toBeLessThanOrEqual(instrument === 'strain_gauge' ? 60 : 900);
    }
    const big = createSimulator({ seed: 'history' });
    expect(new Set(big.instruments.strain_gauge.map(({ logging }) => logging.intervalMs)).size).toBeGreaterThan(3);
  });

  it('stamps each reading at its logging time: phase + k × interval, and a burst 2–4 readings a few seconds apart', () => {
    const since = at - 2 * HOUR;
    const items = allPages(simulator, path, since, at, 5000).flatMap((page) => page.items);
    for (const entry of piezometers) {
      const mine = times(of(items, entry.instrument.id));
      // Readings held back by an outage still have their own stamps; leave those loggers out here.
      if (entry.logging.outage !== null) continue;
      const ticks = expectedTimes(entry, since, at);
      const firstOfBursts = mine.filter((time) => (time - entry.logging.phaseMs) % entry.logging.intervalMs === 0);
      expect(firstOfBursts, entry.instrument.id).toEqual(ticks);
      for (const time of mine) {
        const sinceTick = (time - entry.logging.phaseMs) % entry.logging.intervalMs;
        // A re-read is at most 3 gaps of at most 4 s after its logging time.
        expect(sinceTick).toBeLessThanOrEqual(3 * LOGGING.burstGapSeconds.max * SECOND);
      }
      const rereads = mine.length - firstOfBursts.length;
      expect(rereads).toBeGreaterThan(0);
      expect(rereads).toBeLessThanOrEqual(3 * firstOfBursts.length);
    }
  });

  it('re-reads only on loggers logging every 30 s or slower', () => {
    const fast = createSimulator({ seed: 'history', instrumentsPerType: 40 }).instruments.strain_gauge.filter(
      ({ logging }) => logging.intervalMs < 30 * SECOND,
    );
    expect(fast.length).toBeGreaterThan(0);
    for (const { logging } of fast) expect(logging.bursts).toBe(false);
  });

  it('re-reads more often near or beyond a level', () => {
    const all = createSimulator({ seed: 'bursts' });
    let near = 0;
    let nearBursts = 0;
    let normal = 0;
    let normalBursts = 0;
    for (const entry of Object.values(all.instruments).flat()) {
      if (!entry.logging.bursts) continue;
      const firstTick = Math.floor((T0 - entry.logging.phaseMs) / entry.logging.intervalMs);
      for (let tick = firstTick; tick < firstTick + 200; tick++) {
        const time = entry.logging.phaseMs + tick * entry.logging.intervalMs;
        const size = burstTimes(entry.logging, entry.profile, tick).length;
        if (nearLevel(entry.profile, time)) {
          near++;
          if (size > 1) nearBursts++;
        } else {
          normal++;
          if (size > 1) normalBursts++;
        }
      }
    }
    expect(near).toBeGreaterThan(100);
    expect(normalBursts / normal).toBeGreaterThan(0.2);
    expect(normalBursts / normal).toBeLessThan(0.3);
    expect(nearBursts / near).toBeGreaterThan(0.65);
    expect(nearBursts / near).toBeLessThan(0.85);
  });
});

describe('history mode', () => {
  it('answers ?since= with the envelope plus next and more, which snapshot answers lack', () => {
    const body = history(simulator, path, `since=${new Date(at - MINUTE * 10).toISOString()}`, at);
    expect(Object.keys(body).sort()).toEqual(['instruments', 'items', 'more', 'next', 'timezone', 'units']);
    expect(body.instruments).toBe(12);
    expect(body.units).toBe('pressure (kPa)');
    expect(typeof body.next).toBe('string');
    const snapshot = JSON.parse(simulator.respond({ method: 'GET', path }, at).body) as Record<string, unknown>;
    expect(Object.keys(snapshot).sort()).toEqual(['instruments', 'items', 'timezone', 'units']);
  });

  it('serves readings after since (exclusive), oldest first, up to the request time', () => {
    const since = at - HOUR;
    const items = allPages(simulator, path, since, at, 5000).flatMap((page) => page.items);
    const stamps = times(items);
    expect(items.length).toBeGreaterThan(0);
    // Readings an outage held back come when it ends, after readings logged later; all others in time order.
    const onTime = items.filter((item) => {
      const entry = piezometers.find(({ instrument }) => instrument.id === item.borehole_number)!;
      const logged = Date.parse(item.timestamp as string);
      return availableAt(entry.logging, logged) === logged;
    });
    expect(times(onTime)).toEqual([...times(onTime)].sort((a, b) => a - b));
    for (const stamp of stamps) expect(stamp).toBeLessThanOrEqual(at);
    // Exclusive: asking from a reading's own stamp leaves it out.
    const first = onTime[0]!;
    const from = Date.parse(first.timestamp as string);
    const again = history(simulator, path, `since=${new Date(from).toISOString()}&limit=5000`, at).items;
    expect(of(again, first.borehole_number as string).map((item) => item.timestamp)).not.toContain(first.timestamp);
  });

  it('pages: small pages followed through next give exactly the readings of one large page', () => {
    const since = at - 30 * MINUTE;
    const large = allPages(simulator, path, since, at, 5000);
    expect(large).toHaveLength(1);
    const small = allPages(simulator, path, since, at, 7);
    expect(small.length).toBeGreaterThan(3);
    for (const page of small.slice(0, -1)) {
      expect(page.items).toHaveLength(7);
      expect(page.more).toBe(true);
    }
    expect(small[small.length - 1]!.more).toBe(false);
    expect(small.flatMap((page) => page.items)).toEqual(large[0]!.items);
  });

  it('resumes from the last next with what reached the API since, and nothing twice', () => {
    const first = allPages(simulator, path, at - HOUR, at, 5000);
    const later = at + 10 * MINUTE;
    const resumed = history(simulator, path, `cursor=${first[first.length - 1]!.next}&limit=5000`, later).items;
    const straight = allPages(simulator, path, at - HOUR, later, 5000).flatMap((page) => page.items);
    expect([...first.flatMap((page) => page.items), ...resumed]).toEqual(straight);
    expect(parseCursor(first[first.length - 1]!.next)).toEqual({ available: at });
  });

  it('reaches back 26 hours and no further', () => {
    const items = allPages(simulator, 'params/water_standpipe', at - 40 * HOUR, at, 5000).flatMap((page) => page.items);
    const oldest = Math.min(...times(items));
    expect(oldest).toBeGreaterThanOrEqual(at - MEMORY_MS);
    expect(oldest).toBeLessThan(at - MEMORY_MS + 15 * MINUTE);
  });

  it('is deterministic: the same request at the same time gives the same page, faults included', () => {
    const faulty = { duplicateItems: 0.05, nonNumericReadings: 0.05 };
    const query = { method: 'GET', path: `${path}?since=${new Date(at - HOUR).toISOString()}&limit=50` };
    expect(createSimulator({ seed: 'history', faults: faulty }).respond(query, at)).toEqual(
      createSimulator({ seed: 'history', faults: faulty }).respond(query, at),
    );
  });

  it.each([
    ['since=yesterday', /since "yesterday" is not an ISO-8601 instant/],
    ['cursor=abc', /cursor "abc" is not a cursor this API issued/],
    ['since=2025-03-01T00:00:00Z&cursor=v1.1', /not both/],
    ['since=2025-03-01T00:00:00Z&limit=0', /limit must be a whole number from 1 to 5000/],
    ['since=2025-03-01T00:00:00Z&limit=9999', /limit must be a whole number from 1 to 5000/],
    ['limit=10', /limit applies to history mode only/],
  ])('answers 400 naming the parameter for %s', (query, message) => {
    const response = simulator.respond({ method: 'GET', path: `${path}?${query}` }, at);
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body) as { error: string; message: string };
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(message);
  });

  it('leaves params/all in snapshot mode whatever the query', () => {
    const plain = simulator.respond({ method: 'GET', path: 'params/all' }, at);
    const asked = simulator.respond({ method: 'GET', path: 'params/all?since=2025-03-01T00:00:00Z' }, at);
    expect(asked.body).toBe(plain.body);
  });
});

describe('outages', () => {
  const big = createSimulator({ seed: 'outages' });
  const held = Object.values(big.instruments)
    .flat()
    .find(({ logging, instrument }) => logging.outage !== null && instrument.type === 'piezometer')!;
  const outagePlan = held.logging.outage!;
  // The first of this logger's outages after T0 that lasts at least 20 minutes.
  let cycle = Math.ceil((T0 - outagePlan.offsetMs) / outagePlan.cycleMs);
  while (outageOfCycle(outagePlan, cycle).end - outageOfCycle(outagePlan, cycle).start < 20 * MINUTE) cycle++;
  const outage = outageOfCycle(outagePlan, cycle);
  const endpoint = 'params/pore_pressure';
  const id = held.instrument.id;

  it('has some loggers, each serving one to four instruments, fail for minutes to hours', () => {
    const loggers = new Map<string, number>();
    for (const { logging } of Object.values(big.instruments).flat())
      loggers.set(logging.loggerId, (loggers.get(logging.loggerId) ?? 0) + 1);
    for (const count of loggers.values()) expect(count).toBeGreaterThanOrEqual(1);
    for (const count of loggers.values()) expect(count).toBeLessThanOrEqual(4);
    const failing = new Set(
      Object.values(big.instruments)
        .flat()
        .filter(({ logging }) => logging.outage !== null)
        .map(({ logging }) => logging.loggerId),
    );
    expect(failing.size).toBeGreaterThanOrEqual(5);
    expect(failing.size).toBeLessThan(loggers.size / 4);
    const lengths = Array.from({ length: 200 }, (_, index) => outageOfCycle(outagePlan, index)).map((span) => span.end - span.start);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(3 * HOUR);
    expect(Math.max(...lengths)).toBeGreaterThan(HOUR);
  });

  it('holds back what the logger logs during an outage and serves it, with its own stamps, once the outage ends', () => {
    const since = outage.start - 10 * MINUTE;
    const during = allPages(big, endpoint, since, outage.end - 1, 5000).flatMap((page) => page.items);
    const mineDuring = times(of(during, id));
    expect(mineDuring.every((time) => time < outage.start)).toBe(true);
    const cursor = allPages(big, endpoint, since, outage.end - 1, 5000).at(-1)!.next;
    const after = history(big, endpoint, `cursor=${cursor}&limit=5000`, outage.end + MINUTE).items;
    const late = times(of(after, id)).filter((time) => time < outage.end);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((time) => time >= outage.start)).toBe(true);
    // Nothing lost across the outage: the two requests hold exactly what one after it does.
    const straight = allPages(big, endpoint, since, outage.end + MINUTE, 5000).flatMap((page) => page.items);
    expect([...of(during, id), ...of(after, id)]).toEqual(of(straight, id));
  });

  it('shows the last reading before the outage in snapshot mode while it lasts', () => {
    const snapshot = (time: number) =>
      (JSON.parse(big.respond({ method: 'GET', path: endpoint }, time).body) as { items: Item[] }).items.find(
        (item) => item.borehole_number === id,
      )!;
    const stale = Date.parse(snapshot(outage.end - 1).timestamp as string);
    expect(stale).toBeLessThan(outage.start);
    expect(stale).toBeGreaterThan(outage.start - held.logging.intervalMs - 3 * LOGGING.burstGapSeconds.max * SECOND);
    expect(Date.parse(snapshot(outage.end).timestamp as string)).toBeGreaterThanOrEqual(outage.end - held.logging.intervalMs);
  });
});

describe('windows', () => {
  it('gives at least a tenth of 10-second windows more than one reading', () => {
    const site = createSimulator({ seed: 'geotech' });
    const counts = new Map<string, number>();
    for (const { path: readingPath } of READING_PATHS) {
      for (const item of allPages(site, readingPath, at - 10 * MINUTE, at, 5000).flatMap((page) => page.items)) {
        const key = `${String(item.borehole_number)}@${Math.floor(Date.parse(item.timestamp as string) / 10_000)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const several = [...counts.values()].filter((count) => count > 1).length;
    expect(several / counts.size).toBeGreaterThan(0.1);
  });
});
