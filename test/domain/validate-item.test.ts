import { describe, expect, it } from 'vitest';
import { REJECTION_REASONS, type RejectionReason } from '../../lambdas/domain/rejection.js';
import { validateItem, type ItemValidationOptions } from '../../lambdas/domain/validate-item.js';
import { normaliseItems } from '../../lambdas/domain/normalise-items.js';

const NOW = Date.parse('2022-04-15T22:05:00Z');
const options = { source: 'params/water_standpipe', now: NOW };
const good = {
  borehole_number: 'BH-9037',
  instrument: 'water_standpipe',
  surface_level: 85.4,
  northing: 5814941,
  easting: 323796,
  reading: 86.25,
  timestamp: '2022-04-15T22:01:29.078Z',
};

function reasonFor(item: unknown, opts: ItemValidationOptions = options): RejectionReason | 'accepted' {
  const result = validateItem(item, opts);
  return result.ok ? 'accepted' : result.rejection.reason;
}

describe('validateItem', () => {
  it('turns a well-formed item into a canonical reading', () => {
    const result = validateItem(good, options);
    expect(result).toEqual({
      ok: true,
      value: {
        instrumentId: 'BH-9037',
        type: 'water_standpipe',
        value: 86.25,
        observedAt: Date.parse('2022-04-15T22:01:29.078Z'),
        surfaceLevel: 85.4,
        northing: 5814941,
        easting: 323796,
      },
    });
  });

  it.each([
    ['settlement marker x', 'settlement_marker'],
    ['Settlement Marker Y', 'extensometer'],
    ['settlement-marker-z', 'strain_gauge'],
    ['pore pressure', 'piezometer'],
    ['strain_gauge', 'strain_gauge'],
  ])('accepts the instrument name %j as %s', (name, type) => {
    const result = validateItem({ ...good, instrument: name, reading: 5 }, options);
    expect(result.ok && result.value.type).toBe(type);
  });

  it('accepts timestamps without milliseconds, with microseconds, with offsets, and without a zone as UTC', () => {
    const at = (timestamp: string) => {
      const result = validateItem({ ...good, timestamp }, options);
      return result.ok ? result.value.observedAt : result.rejection.reason;
    };
    expect(at('2022-04-15T22:01:29Z')).toBe(Date.parse('2022-04-15T22:01:29Z'));
    expect(at('2022-04-15T22:01:29.078123Z')).toBe(Date.parse('2022-04-15T22:01:29.078Z'));
    expect(at('2022-04-16T08:01:29.078+10:00')).toBe(Date.parse('2022-04-15T22:01:29.078Z'));
    expect(at('2022-04-15T22:01:29.078')).toBe(Date.parse('2022-04-15T22:01:29.078Z'));
  });

  it('accepts a reading sent as numeric text', () => {
    const result = validateItem({ ...good, reading: ' 86.25 ' }, options);
    expect(result.ok && result.value.value).toBe(86.25);
  });

  it('keeps unusable position metadata as null rather than rejecting the reading', () => {
    const result = validateItem({ ...good, northing: 'n/a', easting: null, surface_level: undefined }, options);
    expect(result.ok && [result.value.northing, result.value.easting, result.value.surfaceLevel]).toEqual([null, null, null]);
  });

  const cases: Array<[RejectionReason, unknown, string?]> = [
    ['malformed_item', 'BH-1'],
    ['malformed_item', [good]],
    ['malformed_item', null],
    ['missing_field', { ...good, reading: null }, 'reading'],
    ['missing_field', { ...good, borehole_number: undefined }, 'borehole_number'],
    ['empty_field', { ...good, timestamp: '' }, 'timestamp'],
    ['empty_field', { ...good, instrument: '   ' }, 'instrument'],
    ['unknown_type', { ...good, instrument: 'inclinometer' }, 'instrument'],
    ['non_numeric_reading', { ...good, reading: 'n/a' }, 'reading'],
    ['non_numeric_reading', { ...good, reading: true }, 'reading'],
    ['non_finite_reading', { ...good, reading: Number.POSITIVE_INFINITY }, 'reading'],
    ['out_of_range', { ...good, reading: 5000 }, 'reading'],
    ['out_of_range', { ...good, instrument: 'strain_gauge', reading: -10000.5 }, 'reading'],
    ['invalid_timestamp', { ...good, timestamp: '15/04/2022 22:01' }, 'timestamp'],
    ['invalid_timestamp', { ...good, timestamp: '2022-02-30T10:00:00Z' }, 'timestamp'],
    ['invalid_timestamp', { ...good, timestamp: 1650060089078 }, 'timestamp'],
    ['future_timestamp', { ...good, timestamp: '2022-04-15T22:07:00Z' }, 'timestamp'],
  ];

  it.each(cases)('rejects with %s: %j', (reason, item, field) => {
    const result = validateItem(item, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.reason).toBe(reason);
    expect(result.rejection.field).toBe(field);
    expect(result.rejection.raw).toBe(item);
    expect(result.rejection.source).toBe('params/water_standpipe');
    expect(result.rejection.detail.length).toBeGreaterThan(5);
  });

  it('honours a configured clock skew', () => {
    const item = { ...good, timestamp: '2022-04-15T22:07:00Z' };
    expect(reasonFor(item, { ...options, maxFutureSkewMs: 5 * 60_000 })).toBe('accepted');
    expect(reasonFor(item, { ...options, maxFutureSkewMs: 60_000 })).toBe('future_timestamp');
  });

  it('covers every validation reason the poller can emit', () => {
    const emitted = new Set(cases.map(([reason]) => reason));
    const pollerReasons = REJECTION_REASONS.filter(
      (r) =>
        ![
          'duplicate_reading',
          'undecodable_record',
          'put_failed',
          'index_rejected',
          'unknown_instrument',
          'duplicate_time',
          'note_too_long',
        ].includes(r),
    );
    expect([...emitted].sort()).toEqual([...pollerReasons].sort());
  });
});

describe('normaliseItems', () => {
  it('accepts each reading once and rejects repeats of the same instrument and time as duplicates', () => {
    const other = { ...good, borehole_number: 'BH-1000' };
    const result = normaliseItems([good, other, { ...good }, { ...good, reading: 'x' }], options);
    expect(result.accepted.map((r) => r.instrumentId)).toEqual(['BH-9037', 'BH-1000']);
    expect(result.rejected.map((r) => r.reason)).toEqual(['duplicate_reading', 'non_numeric_reading']);
  });

  it('accounts for every item: accepted plus rejected equals seen', () => {
    const items = [good, null, { ...good, reading: 1e9 }, { ...good }, { ...good, borehole_number: 'BH-2' }];
    const result = normaliseItems(items, options);
    expect(result.accepted.length + result.rejected.length).toBe(items.length);
  });
});
