import { describe, expect, it } from 'vitest';
import { EnvelopeError, itemsOfResponse } from '../../lambdas/domain/source-api.js';

const item = (id: string) => ({ borehole_number: id, instrument: 'piezometer', reading: 50, timestamp: '2022-04-15T22:01:29Z' });
const envelope = (units: string, ...ids: string[]) => ({ instruments: ids.length, units, timezone: 'UTC', items: ids.map(item) });

describe('itemsOfResponse', () => {
  it('returns the items of a single envelope', () => {
    expect(itemsOfResponse('params/pore_pressure', envelope('pressure (kPa)', 'BH-1', 'BH-2'))).toHaveLength(2);
  });

  it('flattens the five envelopes of params/all, with or without slashes', () => {
    const all = {
      instruments: 5,
      standpipe_data: envelope('water level (m)', 'A'),
      piezometer_data: envelope('pressure (kPa)', 'B'),
      settlement_x_data: envelope('displacement (mm)', 'C'),
      settlement_y_data: envelope('displacement (mm)', 'D'),
      settlement_z_data: envelope('displacement (mm)', 'E'),
    };
    for (const path of ['params/all', '/params/all/', 'params/all/']) {
      expect(itemsOfResponse(path, all).map((i) => (i as { borehole_number: string }).borehole_number)).toEqual(['A', 'B', 'C', 'D', 'E']);
    }
  });

  it('keeps bad items for item-level validation instead of failing the envelope', () => {
    expect(itemsOfResponse('params/settlement/x', { items: [null, 'x', item('A')] })).toHaveLength(3);
  });

  it.each([
    ['a list instead of an envelope', []],
    ['items missing', { instruments: 3 }],
    ['items not a list', { items: 'none' }],
    ['an error body', { detail: 'Internal Server Error' }],
  ])('names the path and the fault for %s', (_label, body) => {
    expect(() => itemsOfResponse('params/water_standpipe', body)).toThrow(EnvelopeError);
    expect(() => itemsOfResponse('params/water_standpipe', body)).toThrow(/^params\/water_standpipe: not a readings envelope/);
  });

  it('names the missing family of a combined envelope', () => {
    expect(() => itemsOfResponse('params/all', { standpipe_data: envelope('m') })).toThrow(/combined envelope \(piezometer_data/);
  });
});
