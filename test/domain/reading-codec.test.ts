import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPES, INSTRUMENT_TYPE_SPECS } from '../../lambdas/domain/instrument-types.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import { encodeReading, isRecordFault, poisonRecordRejection, readReadingRecord } from '../../lambdas/domain/reading-codec.js';

const origin = { source: 'shardId-000000000000/1', now: 0 };
const b64 = (text: string) => Buffer.from(text).toString('base64');

const readingArb: fc.Arbitrary<Reading> = fc.constantFrom(...INSTRUMENT_TYPES).chain((type) =>
  fc.record({
    instrumentId: fc.string({ minLength: 1, maxLength: 20 }),
    type: fc.constant(type),
    value: fc
      .integer({ min: INSTRUMENT_TYPE_SPECS[type].physicalRange.min * 1e6, max: INSTRUMENT_TYPE_SPECS[type].physicalRange.max * 1e6 })
      .map((m) => m / 1e6),
    observedAt: fc.integer({ min: 1, max: 4102444800000 }),
    surfaceLevel: fc.option(fc.double({ min: 0, max: 200, noNaN: true }), { nil: null }),
    northing: fc.option(fc.integer({ min: 5810000, max: 5816000 }), { nil: null }),
    easting: fc.option(fc.integer({ min: 316045, max: 325000 }), { nil: null }),
  }),
);

/** A reading entered by hand: source, author and (sometimes) a note. */
const manualReadingArb: fc.Arbitrary<Reading> = fc
  .tuple(readingArb, fc.string({ minLength: 1, maxLength: 30 }), fc.option(fc.string({ maxLength: 500 }), { nil: undefined }))
  .map(([reading, author, note]) => ({ ...reading, source: 'manual' as const, author, ...(note === undefined ? {} : { note }) }));

describe('reading record codec', () => {
  it('round-trips every valid reading', () => {
    fc.assert(
      fc.property(readingArb, (reading) => {
        expect(readReadingRecord(b64(encodeReading(reading)))).toEqual(reading);
      }),
    );
  });

  it('round-trips manual readings with their source, author and note', () => {
    fc.assert(
      fc.property(manualReadingArb, (reading) => {
        expect(readReadingRecord(b64(encodeReading(reading)))).toEqual(reading);
      }),
    );
  });

  it('writes nothing of a source for a polled reading, so polled records stay as they were', () => {
    const polled: Reading = {
      instrumentId: 'BH-1',
      type: 'piezometer',
      value: 5,
      observedAt: 1,
      surfaceLevel: null,
      northing: null,
      easting: null,
    };
    expect(JSON.parse(encodeReading(polled))).toEqual({ v: 1, id: 'BH-1', type: 'piezometer', value: 5, t: 1, sl: null, n: null, e: null });
    expect(JSON.parse(encodeReading({ ...polled, source: 'poll' }))).not.toHaveProperty('src');
    const manual = JSON.parse(encodeReading({ ...polled, source: 'manual', author: 'engineer', note: 'dipped' }));
    expect(manual).toMatchObject({ src: 'manual', by: 'engineer', note: 'dipped' });
  });

  it.each([
    ['an unknown source', JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, src: 'guess' }), /unknown source "guess"/],
    ['an author that is not text', JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, src: 'manual', by: 7 }), /author 7/],
    [
      'a note that is not text',
      JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, src: 'manual', by: 'e', note: {} }),
      /note \{\} is not a string/,
    ],
    [
      'a manual reading without its author',
      JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, src: 'manual' }),
      /names no author/,
    ],
    [
      'a polled reading with an author',
      JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, by: 'e' }),
      /polled reading has an author/,
    ],
    [
      'a polled reading with a note',
      JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5, t: 1, note: 'n' }),
      /polled reading has an author or a note/,
    ],
    ['not JSON', 'hello', /not JSON/],
    ['JSON but not an object', '42', /not a JSON object/],
    ['another version', JSON.stringify({ v: 2 }), /unsupported record version 2/],
    ['an unknown type', JSON.stringify({ v: 1, id: 'A', type: 'tiltmeter', value: 1, t: 1 }), /unknown type "tiltmeter"/],
    ['a value out of range', JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 99999, t: 1 }), /outside -100..3000/],
    ['a string value', JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: '5', t: 1 }), /not a finite number/],
    ['a missing time', JSON.stringify({ v: 1, id: 'A', type: 'piezometer', value: 5 }), /not epoch milliseconds/],
  ])('rejects a poison record that is %s, with its shard and sequence', (_label, payload, detail) => {
    const result = readReadingRecord(b64(payload));
    if (!isRecordFault(result)) throw new Error(`expected a fault for ${payload}`);
    const rejection = poisonRecordRejection(result, origin);
    expect(rejection.reason).toBe('undecodable_record');
    expect(rejection.detail).toMatch(detail);
    expect(rejection.raw).toBe(payload);
    expect(rejection.source).toBe(origin.source);
  });
});
