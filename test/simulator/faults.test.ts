import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import type { FaultKind } from '../../lambdas/simulator/faults.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { READING_PATHS, SECOND, T0, allItems, isIsoUtcInstant, type AllBody, type Item } from './helpers.js';

const CANONICAL_NAMES: ReadonlySet<unknown> = new Set(INSTRUMENT_TYPES);
const CLEAN_REQUESTS = 40;

/** How to recognise each item fault from the outside, knowing only the source API contract. */
const ITEM_FAULT_DETECTORS: Record<string, (item: Item) => boolean> = {
  nullFields: (item) => Object.values(item).some((value) => value === null),
  emptyStrings: (item) => Object.values(item).some((value) => typeof value === 'string' && value.trim() === ''),
  malformedTimestamps: (item) => typeof item.timestamp === 'string' && item.timestamp.trim() !== '' && !isIsoUtcInstant(item.timestamp),
  nonNumericReadings: (item) => typeof item.reading === 'string' && item.reading.trim() !== '' && Number.isNaN(Number(item.reading)),
  legacyNames: (item) => typeof item.instrument === 'string' && !CANONICAL_NAMES.has(item.instrument) && item.instrument.includes(' '),
};

/** Items a response holds beyond one per instrument. */
function duplicatesIn(items: readonly Item[]): number {
  return items.length - new Set(items.map((item) => JSON.stringify(item))).size;
}

/** Fetches `params/all` at `count` instants and returns the bodies that parse. */
function allBodies(faults: Partial<Record<FaultKind, number>>, count: number, seed = 'faults'): AllBody[] {
  const simulator = createSimulator({ seed, faults });
  return Array.from(
    { length: count },
    (_, index) => JSON.parse(simulator.respond({ method: 'GET', path: 'params/all' }, T0 + index * 10 * SECOND).body) as AllBody,
  );
}

describe('item faults', () => {
  const rate = 0.1;

  for (const [kind, detect] of Object.entries(ITEM_FAULT_DETECTORS)) {
    it(`${kind} at rate ${rate} faults about that share of items`, () => {
      const items = allBodies({ [kind]: rate }, CLEAN_REQUESTS).flatMap(allItems);
      const share = items.filter(detect).length / items.length;
      expect(share).toBeGreaterThan(rate - 0.02);
      expect(share).toBeLessThan(rate + 0.02);
    });
  }

  it(`duplicateItems at rate ${rate} repeats about that share of items, each right after its original`, () => {
    const bodies = allBodies({ duplicateItems: rate }, CLEAN_REQUESTS);
    const served = bodies.flatMap(allItems);
    const instruments = bodies.reduce((sum, body) => sum + body.instruments, 0);
    const duplicates = bodies.reduce((sum, body) => sum + duplicatesIn(allItems(body)), 0);
    expect(served.length - instruments).toBe(duplicates);
    expect(duplicates / instruments).toBeGreaterThan(rate - 0.02);
    expect(duplicates / instruments).toBeLessThan(rate + 0.02);
    for (const body of bodies) {
      for (const { allKey } of READING_PATHS) {
        const envelope = body[allKey];
        expect(envelope.instruments).toBeLessThanOrEqual(envelope.items.length);
        envelope.items.forEach((item, index) => {
          const earlier = envelope.items.slice(0, index).find((other) => other.borehole_number === item.borehole_number);
          if (earlier !== undefined) expect(envelope.items[index - 1]).toEqual(item);
        });
      }
    }
  });

  it('legacyNames uses the old spaced name of each endpoint', () => {
    const body = allBodies({ legacyNames: 1 }, 1)[0]!;
    const namesBy = (key: (typeof READING_PATHS)[number]['allKey']) => new Set(body[key].items.map((item) => item.instrument));
    expect(namesBy('settlement_x_data')).toEqual(new Set(['settlement marker x']));
    expect(namesBy('settlement_y_data')).toEqual(new Set(['settlement marker y']));
    expect(namesBy('settlement_z_data')).toEqual(new Set(['settlement marker z']));
    expect(namesBy('standpipe_data')).toEqual(new Set(['water standpipe']));
    expect(namesBy('piezometer_data')).toEqual(new Set(['pore pressure']));
  });

  it('non-numeric readings are text a logger writes, not numbers in quotes', () => {
    const items = allBodies({ nonNumericReadings: 1 }, 1).flatMap(allItems);
    for (const item of items) {
      expect(typeof item.reading).toBe('string');
      expect(Number.isFinite(Number(item.reading))).toBe(false);
    }
  });

  it('leaves the other fields of a faulted item intact', () => {
    const items = allBodies({ malformedTimestamps: 0.2 }, 5).flatMap(allItems).filter(ITEM_FAULT_DETECTORS.malformedTimestamps!);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.borehole_number).toMatch(/^BH-\d{4}$/);
      expect(typeof item.reading).toBe('number');
    }
  });

  it('at rate 0 (the default) produce no faulty item at all', () => {
    const bodies = allBodies({}, CLEAN_REQUESTS);
    const items = bodies.flatMap(allItems);
    for (const [kind, detect] of Object.entries(ITEM_FAULT_DETECTORS)) expect(items.filter(detect), kind).toEqual([]);
    expect(bodies.reduce((sum, body) => sum + duplicatesIn(allItems(body)), 0)).toBe(0);
  });

  it('draw differently on each endpoint of the same response', () => {
    const body = allBodies({ nullFields: 0.5 }, 1)[0]!;
    const patterns = READING_PATHS.map(({ allKey }) =>
      body[allKey].items
        .slice(0, 40)
        .map((item) => ITEM_FAULT_DETECTORS.nullFields!(item))
        .join(),
    );
    expect(new Set(patterns).size).toBe(patterns.length);
  });
});

describe('response faults', () => {
  const requests = 1_000;
  const rate = 0.2;
  const paths = READING_PATHS.map((e) => e.path);

  function responses(faults: Partial<Record<FaultKind, number>>, slowDelayMs?: number) {
    const simulator = createSimulator({ seed: 'responses', instrumentsPerType: 3, faults, ...(slowDelayMs ? { slowDelayMs } : {}) });
    return Array.from({ length: requests }, (_, index) =>
      simulator.respond({ method: 'GET', path: `/${paths[index % paths.length]}/` }, T0 + index * 10 * SECOND),
    );
  }

  const parses = (body: string): boolean => {
    try {
      JSON.parse(body);
      return true;
    } catch {
      return false;
    }
  };

  it(`http5xx at rate ${rate} fails about that share of responses with a 5xx and a JSON error`, () => {
    const failed = responses({ http5xx: rate }).filter((response) => response.status >= 500);
    expect(failed.length / requests).toBeGreaterThan(rate - 0.05);
    expect(failed.length / requests).toBeLessThan(rate + 0.05);
    expect(new Set(failed.map((response) => response.status)).size).toBeGreaterThan(1);
    for (const response of failed) {
      expect(response.status).toBeLessThan(600);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'upstream_failure' });
      expect(response.items).toEqual([]);
    }
  });

  it(`invalidJson at rate ${rate} sends about that share of 200s whose body does not parse`, () => {
    const all = responses({ invalidJson: rate });
    const broken = all.filter((response) => !parses(response.body));
    expect(broken.length / requests).toBeGreaterThan(rate - 0.05);
    expect(broken.length / requests).toBeLessThan(rate + 0.05);
    for (const response of broken) {
      expect(response.status).toBe(200);
      expect(response.items).toEqual([]);
    }
  });

  it(`slowResponses at rate ${rate} holds about that share back by the configured delay`, () => {
    const slow = responses({ slowResponses: rate }, 1234).filter((response) => response.delayMs > 0);
    expect(slow.length / requests).toBeGreaterThan(rate - 0.05);
    expect(slow.length / requests).toBeLessThan(rate + 0.05);
    for (const response of slow) {
      expect(response.delayMs).toBe(1234);
      expect(response.status).toBe(200);
    }
  });

  it('at rate 0 (the default) every response is a prompt 200 with a valid body', () => {
    for (const response of responses({})) {
      expect(response.status).toBe(200);
      expect(response.delayMs).toBe(0);
      expect(parses(response.body)).toBe(true);
    }
  });

  it('never fault ping', () => {
    const simulator = createSimulator({ faults: { http5xx: 1, invalidJson: 1, slowResponses: 1, nullFields: 1 } });
    const response = simulator.respond({ method: 'GET', path: 'ping/' }, T0);
    expect(response).toMatchObject({ status: 200, delayMs: 0 });
    expect(JSON.parse(response.body)).toEqual({ ping: 'pong!' });
  });

  it('apply to params/all as one response', () => {
    const simulator = createSimulator({ seed: 'all', instrumentsPerType: 3, faults: { invalidJson: 1 } });
    const response = simulator.respond({ method: 'GET', path: 'params/all' }, T0);
    expect(parses(response.body)).toBe(false);
  });
});

describe('every fault at once', () => {
  it('still answers every request with a status, headers and a body', () => {
    const faults = Object.fromEntries(
      [
        'nullFields',
        'emptyStrings',
        'malformedTimestamps',
        'nonNumericReadings',
        'duplicateItems',
        'legacyNames',
        'http5xx',
        'invalidJson',
        'slowResponses',
      ].map((kind) => [kind, 0.3]),
    );
    const simulator = createSimulator({ seed: 'chaos', faults });
    for (let index = 0; index < 50; index++) {
      const response = simulator.respond({ method: 'GET', path: 'params/all' }, T0 + index * SECOND);
      expect([200, 500, 502, 503, 504]).toContain(response.status);
      expect(response.body.length).toBeGreaterThan(0);
    }
  });
});
