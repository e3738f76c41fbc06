import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { HOUR, MINUTE, READING_PATHS, T0, getJson, isIsoUtcInstant, type AllBody, type Envelope } from './helpers.js';

const simulator = createSimulator({ seed: 'routing' });
const at = T0;

describe('reading endpoints', () => {
  for (const endpoint of READING_PATHS) {
    describe(endpoint.path, () => {
      it('serves the same envelope with and without a trailing slash (and with or without a leading one)', () => {
        const bodies = [endpoint.path, `${endpoint.path}/`, `/${endpoint.path}`, `/${endpoint.path}/`].map((path) =>
          simulator.respond({ method: 'GET', path }, at),
        );
        for (const response of bodies) {
          expect(response.status).toBe(200);
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          expect(response.body).toBe(bodies[0]!.body);
        }
      });

      it(`is an envelope of ${endpoint.instrument} items in '${endpoint.units}'`, () => {
        const envelope = getJson<Envelope>(simulator, `${endpoint.path}/`, at);
        expect(Object.keys(envelope).sort()).toEqual(['instruments', 'items', 'timezone', 'units']);
        expect(envelope.units).toBe(endpoint.units);
        expect(envelope.timezone).toBe('UTC');
        expect(envelope.instruments).toBe(envelope.items.length);
        for (const item of envelope.items) {
          expect(Object.keys(item).sort()).toEqual(
            ['borehole_number', 'easting', 'instrument', 'northing', 'reading', 'surface_level', 'timestamp'].sort(),
          );
          expect(item.instrument).toBe(endpoint.instrument);
          expect(item.borehole_number).toMatch(/^BH-\d{4}$/);
          for (const field of ['surface_level', 'northing', 'easting', 'reading']) expect(typeof item[field]).toBe('number');
          expect(isIsoUtcInstant(item.timestamp)).toBe(true);
          // Stamped at the logger's time: the latest reading, at most one logging interval (15 minutes) old,
          // or older while an outage (at most 3 hours) holds the logger's newer readings back.
          const logged = Date.parse(item.timestamp as string);
          expect(logged).toBeLessThanOrEqual(at);
          expect(logged).toBeGreaterThan(at - 15 * MINUTE - 3 * HOUR);
        }
      });
    });
  }

  it('ignores a query string', () => {
    const plain = simulator.respond({ method: 'GET', path: '/params/pore_pressure/' }, at);
    const withQuery = simulator.respond({ method: 'GET', path: '/params/pore_pressure/?format=json' }, at);
    expect(withQuery.body).toBe(plain.body);
  });

  it('answers HEAD like GET', () => {
    const head = simulator.respond({ method: 'HEAD', path: '/params/settlement/x' }, at);
    expect(head.status).toBe(200);
  });
});

describe('ping', () => {
  it.each(['ping', 'ping/', '/ping', '/ping/'])('%s answers pong', (path) => {
    const response = simulator.respond({ method: 'GET', path }, at);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ping: 'pong!' });
  });
});

describe('params/all', () => {
  it.each(['params/all', '/params/all/'])('%s carries the five envelopes and their total', (path) => {
    const body = getJson<AllBody>(simulator, path, at);
    expect(Object.keys(body).sort()).toEqual(['instruments', ...READING_PATHS.map((e) => e.allKey)].sort());
    const total = READING_PATHS.reduce((sum, e) => sum + body[e.allKey].instruments, 0);
    expect(body.instruments).toBe(total);
    expect(body.instruments).toBe(READING_PATHS.reduce((sum, e) => sum + body[e.allKey].items.length, 0));
  });

  it('holds exactly what each endpoint serves at the same instant', () => {
    const body = getJson<AllBody>(simulator, 'params/all', at);
    for (const endpoint of READING_PATHS) {
      expect(body[endpoint.allKey]).toEqual(getJson<Envelope>(simulator, endpoint.path, at));
    }
  });
});

describe('unknown requests', () => {
  it.each(['', '/', 'params', 'params/', 'params/unknown', 'params/settlement', 'params/settlement/w', 'ping/extra', 'PING'])(
    'GET "%s" is a 404 with a JSON error naming the path',
    (path) => {
      const response = simulator.respond({ method: 'GET', path }, at);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(response.body) as { error: string; message: string };
      expect(body.error).toBe('not_found');
      expect(body.message).toContain(`'/${path.replace(/^\//, '').replace(/\/$/, '')}'`);
      expect(response.items).toEqual([]);
    },
  );

  it('refuses methods other than GET and HEAD with 405 and an Allow header', () => {
    const response = simulator.respond({ method: 'POST', path: '/params/all' }, at);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(response.body)).toMatchObject({ error: 'method_not_allowed' });
  });
});

describe('served items', () => {
  it('are exactly the items in the body', () => {
    const response = simulator.respond({ method: 'GET', path: 'params/all' }, at);
    const body = JSON.parse(response.body) as AllBody;
    expect(response.items).toEqual(READING_PATHS.flatMap((e) => body[e.allKey].items));
  });

  it('are none for ping', () => {
    expect(simulator.respond({ method: 'GET', path: 'ping' }, at).items).toEqual([]);
  });
});
