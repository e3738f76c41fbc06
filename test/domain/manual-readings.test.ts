import { describe, expect, it } from 'vitest';
import {
  checkManualReadings,
  MAX_NOTE_CHARACTERS,
  namedInstruments,
  rejectStoredDuplicates,
  rowsFromJson,
  type ManualReadingRow,
  type RegisteredInstrument,
} from '../../lambdas/domain/manual-readings.js';
import { CSV_FIELD_NAMES, parseManualReadingsCsv } from '../../lambdas/domain/manual-readings-csv.js';
import { readingIdentity } from '../../lambdas/domain/normalise-items.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');

const STANDPIPE: RegisteredInstrument = {
  instrumentId: 'BH-9037',
  type: 'water_standpipe',
  surfaceLevel: 85.4,
  northing: 5_814_941,
  easting: 323_796,
};
const MARKER: RegisteredInstrument = {
  instrumentId: 'SM-1204',
  type: 'settlement_marker',
  surfaceLevel: null,
  northing: null,
  easting: null,
};
const REGISTRY = new Map([STANDPIPE, MARKER].map((instrument) => [instrument.instrumentId, instrument]));
const OPTIONS = { author: 'engineer', now: NOW };

function row(fields: Partial<Omit<ManualReadingRow, 'row'>>, position = 1): ManualReadingRow {
  return { row: position, instrumentId: 'BH-9037', observedAt: '2026-11-21T22:30:00Z', value: 84.12, ...fields };
}

function rejectionOf(fields: Partial<Omit<ManualReadingRow, 'row'>>, options = OPTIONS) {
  const check = checkManualReadings([row(fields)], REGISTRY, options);
  expect(check.accepted).toEqual([]);
  expect(check.rejected).toHaveLength(1);
  return check.rejected[0]!;
}

describe('manual readings', () => {
  it('become canonical readings built from the registry entry, with source manual, the author and the note', () => {
    const check = checkManualReadings(
      [
        row({ value: '84.1234567', note: '  dipped after rain  ', observedAt: '2026-11-22T09:30:00+11:00' }),
        row({ instrumentId: ' SM-1204 ', value: -3.4 }, 2),
      ],
      REGISTRY,
      OPTIONS,
    );
    expect(check.rejected).toEqual([]);
    expect(check.accepted).toEqual([
      {
        row: 1,
        reading: {
          instrumentId: 'BH-9037',
          type: 'water_standpipe',
          value: 84.123457,
          observedAt: Date.parse('2026-11-21T22:30:00Z'),
          surfaceLevel: 85.4,
          northing: 5_814_941,
          easting: 323_796,
          source: 'manual',
          author: 'engineer',
          note: 'dipped after rain',
        },
      },
      {
        row: 2,
        reading: {
          instrumentId: 'SM-1204',
          type: 'settlement_marker',
          value: -3.4,
          observedAt: Date.parse('2026-11-21T22:30:00Z'),
          surfaceLevel: null,
          northing: null,
          easting: null,
          source: 'manual',
          author: 'engineer',
        },
      },
    ]);
  });

  it('rejects an instrument the registry does not hold, naming it', () => {
    expect(rejectionOf({ instrumentId: 'BH-0000' })).toEqual({
      row: 1,
      instrumentId: 'BH-0000',
      reason: 'unknown_instrument',
      field: 'instrumentId',
      detail: expect.stringMatching(/^BH-0000 is not in the instrument registry/),
    });
  });

  it.each([
    ['no instrument', { instrumentId: undefined }, 'missing_field', 'instrumentId', /instrumentId is missing/],
    ['a blank instrument', { instrumentId: '  ' }, 'empty_field', 'instrumentId', /instrumentId is empty/],
    ['a numeric instrument', { instrumentId: 42 }, 'malformed_item', 'instrumentId', /is a number, not text/],
    ['no value', { value: null }, 'missing_field', 'value', /^value is missing/],
    ['an empty value', { value: '' }, 'empty_field', 'value', /^value is empty/],
    ['a value that is not a number', { value: 'dry' }, 'non_numeric_reading', 'value', /^value "dry" is not a number/],
    [
      'a value outside the physical range',
      { value: 5000 },
      'out_of_range',
      'value',
      /^value 5000 m is outside -100..1000 for water_standpipe/,
    ],
    ['no time', { observedAt: undefined }, 'missing_field', 'observedAt', /^observedAt is missing/],
    [
      'a time that is no instant',
      { observedAt: '22/11/2026 9:30' },
      'invalid_timestamp',
      'observedAt',
      /^observedAt "22\/11\/2026 9:30" is not an ISO-8601/,
    ],
    ['a time without a zone', { observedAt: '2026-11-21T09:30:00' }, 'invalid_timestamp', 'observedAt', /has no time zone: end it with Z/],
    [
      'a time in the future',
      { observedAt: '2026-11-22T00:05:00Z' },
      'future_timestamp',
      'observedAt',
      /^observedAt 2026-11-22T00:05:00Z is 300000 ms ahead/,
    ],
    ['a note that is not text', { note: 12 }, 'malformed_item', 'note', /note is a number, not text/],
    ['a note too long', { note: 'x'.repeat(MAX_NOTE_CHARACTERS + 1) }, 'note_too_long', 'note', /has 501 characters \(limit 500\)/],
  ])('rejects %s with its reason, field and detail', (_label, fields, reason, field, detail) => {
    const rejection = rejectionOf(fields);
    expect(rejection.reason).toBe(reason);
    expect(rejection.field).toBe(field);
    expect(rejection.detail).toMatch(detail);
    expect(rejection.row).toBe(1);
  });

  it('keeps a note of exactly the limit, and treats a blank note as none', () => {
    const check = checkManualReadings(
      [row({ note: 'é'.repeat(MAX_NOTE_CHARACTERS) }), row({ note: '   ', observedAt: '2026-11-21T22:40:00Z' }, 2)],
      REGISTRY,
      {
        ...OPTIONS,
        now: NOW,
      },
    );
    expect(check.rejected).toEqual([]);
    expect(check.accepted[0]?.reading.note).toHaveLength(MAX_NOTE_CHARACTERS);
    expect(check.accepted[1]?.reading).not.toHaveProperty('note');
  });

  it('names the fields as the CSV does when the upload is a CSV', () => {
    const rejection = rejectionOf({ value: 'dry' }, { ...OPTIONS, fields: CSV_FIELD_NAMES } as typeof OPTIONS);
    expect(rejection).toMatchObject({ field: 'value', detail: 'value "dry" is not a number' });
    const time = checkManualReadings([row({ observedAt: 'soon' })], REGISTRY, { ...OPTIONS, fields: CSV_FIELD_NAMES }).rejected[0];
    expect(time).toMatchObject({ field: 'observed_at', detail: expect.stringMatching(/^observed_at "soon"/) });
  });

  it('honours the clock skew it is given, as the poller does', () => {
    const ahead = { observedAt: '2026-11-22T00:04:00Z' };
    expect(checkManualReadings([row(ahead)], REGISTRY, { ...OPTIONS, maxFutureSkewMs: 5 * 60_000 }).accepted).toHaveLength(1);
    expect(rejectionOf(ahead).reason).toBe('future_timestamp');
  });

  it('rejects a second row with the same instrument and time, naming the first', () => {
    const same = '2026-11-21T22:30:00Z';
    const check = checkManualReadings(
      [
        row({ observedAt: same }, 1),
        row({ observedAt: '2026-11-22T09:30:00+11:00', value: 84.5 }, 2),
        row({ instrumentId: 'SM-1204', observedAt: same, value: 1 }, 3),
      ],
      REGISTRY,
      OPTIONS,
    );
    expect(check.accepted.map((entry) => entry.row)).toEqual([1, 3]);
    expect(check.rejected).toEqual([
      {
        row: 2,
        instrumentId: 'BH-9037',
        reason: 'duplicate_time',
        field: 'observedAt',
        detail: 'row 1 already has a reading of BH-9037 at 2026-11-21T22:30:00.000Z',
      },
    ]);
  });

  it('rejects rows whose instrument and time a stored reading already has, keeping rows in order', () => {
    const check = checkManualReadings(
      [row({ value: 'x' }, 1), row({}, 2), row({ instrumentId: 'SM-1204', value: 1 }, 3), row({ instrumentId: 'nope' }, 4)],
      REGISTRY,
      OPTIONS,
    );
    const stored = new Set([readingIdentity({ instrumentId: 'BH-9037', observedAt: Date.parse('2026-11-21T22:30:00Z') })]);
    const after = rejectStoredDuplicates(check, stored);
    expect(after.accepted.map((entry) => entry.row)).toEqual([3]);
    expect(after.rejected.map((rejection) => [rejection.row, rejection.reason])).toEqual([
      [1, 'non_numeric_reading'],
      [2, 'duplicate_time'],
      [4, 'unknown_instrument'],
    ]);
    expect(after.rejected[1]?.detail).toBe('BH-9037 already has a stored reading at 2026-11-21T22:30:00.000Z');
  });

  it('lists each named instrument once, trimmed, for the registry lookup', () => {
    expect(
      namedInstruments([
        row({}),
        row({ instrumentId: ' BH-9037 ' }),
        row({ instrumentId: 'X' }),
        row({ instrumentId: 3 }),
        row({ instrumentId: '' }),
      ]),
    ).toEqual(['BH-9037', 'X']);
  });
});

describe('manual readings CSV', () => {
  it('reads quoted fields, line breaks in notes, a byte order mark, any column order and header case', () => {
    const text =
      '\uFEFFValue, Instrument_ID ,observed_at,NOTE\r\n84.12,BH-9037,2026-11-21T22:30:00Z,"dipped, after rain\nsecond line"\r\n\r\n-3.4,SM-1204,2026-11-21T22:45:00Z,\r\n';
    const parsed = parseManualReadingsCsv(text);
    expect(parsed).toEqual({
      ok: true,
      rows: [
        { row: 1, instrumentId: 'BH-9037', observedAt: '2026-11-21T22:30:00Z', value: '84.12', note: 'dipped, after rain\nsecond line' },
        { row: 2, instrumentId: 'SM-1204', observedAt: '2026-11-21T22:45:00Z', value: '-3.4', note: '' },
      ],
      rejected: [],
    });
  });

  it('takes a file without the note column', () => {
    const parsed = parseManualReadingsCsv('instrument_id,observed_at,value\nBH-9037,2026-11-21T22:30:00Z,84\n');
    expect(parsed.ok && parsed.rows).toEqual([
      { row: 1, instrumentId: 'BH-9037', observedAt: '2026-11-21T22:30:00Z', value: '84', note: undefined },
    ]);
  });

  it('reports a row with a different number of fields as malformed and reads the rest', () => {
    const parsed = parseManualReadingsCsv(
      'instrument_id,observed_at,value,note\nBH-9037,2026-11-21T22:30:00Z,84,dipped, after rain\nBH-9037,2026-11-21T22:40:00Z,84.1,\nSM-1204,2026-11-21T22:45:00Z\n',
    );
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(parsed.rows.map((r) => r.row)).toEqual([2]);
    expect(parsed.rejected).toEqual([
      {
        row: 1,
        instrumentId: 'BH-9037',
        reason: 'malformed_item',
        field: null,
        detail: 'row has 5 fields, the header 4 (instrument_id,observed_at,value,note); quote a field that holds a comma',
      },
      expect.objectContaining({ row: 3, instrumentId: 'SM-1204', reason: 'malformed_item' }),
    ]);
  });

  it.each([
    ['an empty file', '', /the CSV is empty: its first line must be the header instrument_id,observed_at,value,note/],
    [
      'no header',
      'BH-9037,2026-11-21T22:30:00Z,84,\n',
      /unknown columns "bh-9037", "2026-11-21t22:30:00z", "84", "": expected instrument_id,observed_at,value,note/,
    ],
    ['an unknown column', 'instrument_id,observed_at,value,depth\n', /unknown column "depth"/],
    ['a missing column', 'instrument_id,value\n', /the header lacks observed_at/],
    ['a repeated column', 'instrument_id,observed_at,value,value\n', /names value more than once/],
    [
      'an unclosed quote',
      'instrument_id,observed_at,value,note\nBH-9037,2026-11-21T22:30:00Z,84,"dipped\n',
      /the CSV does not parse: .*quote/i,
    ],
  ])('refuses %s as a whole, saying why', (_label, text, detail) => {
    const parsed = parseManualReadingsCsv(text);
    expect(parsed).toEqual({ ok: false, problem: 'unreadable', detail: expect.stringMatching(detail) });
  });

  it('refuses more rows than the limit', () => {
    const text = [
      'instrument_id,observed_at,value',
      'A,2026-01-01T00:00:00Z,1',
      'A,2026-01-01T00:00:01Z,1',
      'A,2026-01-01T00:00:02Z,1',
    ].join('\n');
    expect(parseManualReadingsCsv(text, 2)).toEqual({
      ok: false,
      problem: 'too-many-rows',
      detail: 'the CSV has 3 readings; send at most 2 in one upload',
    });
    expect(parseManualReadingsCsv(text, 3).ok).toBe(true);
  });
});

describe('manual readings JSON', () => {
  it('takes objects with the four fields and rejects other elements row by row', () => {
    const parsed = rowsFromJson([
      { instrumentId: 'BH-9037', observedAt: '2026-11-21T22:30:00Z', value: 84, note: 'n' },
      'BH-9037,84',
      null,
      { instrumentId: ' BH-9037 ', observedAt: '2026-11-21T22:30:00Z', value: 84, depth: 3 },
      { instrumentId: 'SM-1204', value: 1 },
    ]);
    expect(parsed.rows).toEqual([
      { row: 1, instrumentId: 'BH-9037', observedAt: '2026-11-21T22:30:00Z', value: 84, note: 'n' },
      { row: 5, instrumentId: 'SM-1204', observedAt: undefined, value: 1, note: undefined },
    ]);
    expect(parsed.rejected).toEqual([
      { row: 2, instrumentId: null, reason: 'malformed_item', field: null, detail: 'the reading is a string, not an object' },
      { row: 3, instrumentId: null, reason: 'malformed_item', field: null, detail: 'the reading is null, not an object' },
      {
        row: 4,
        instrumentId: 'BH-9037',
        reason: 'malformed_item',
        field: 'depth',
        detail: 'unknown field depth; a reading has instrumentId, observedAt, value and note',
      },
    ]);
    expect(checkManualReadings(parsed.rows, REGISTRY, OPTIONS).rejected).toEqual([
      expect.objectContaining({ row: 5, reason: 'missing_field', field: 'observedAt' }),
    ]);
  });
});
