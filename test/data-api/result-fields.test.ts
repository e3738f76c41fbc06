import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInType } from '../../local/data-api/postgres-types.js';
import { timestamptzToUtc, toField } from '../../local/data-api/result-fields.js';

const resolve = (oid: number) => builtInType(oid)!;

/** How PostgreSQL writes a timestamptz in ISO style for a session `offsetSeconds` east of UTC. */
function postgresText(epochMicros: bigint, offsetSeconds: number): string {
  const millis = Number((epochMicros - (((epochMicros % 1000n) + 1000n) % 1000n)) / 1000n);
  const local = new Date(millis + offsetSeconds * 1000).toISOString();
  const micros = String(((epochMicros % 1_000_000n) + 1_000_000n) % 1_000_000n)
    .padStart(6, '0')
    .replace(/0+$/, '');
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const [h, m, s] = [Math.floor(abs / 3600), Math.floor((abs % 3600) / 60), abs % 60].map((n) => String(n).padStart(2, '0'));
  const offset = s !== '00' ? `${h}:${m}:${s}` : m !== '00' ? `${h}:${m}` : h;
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${micros ? `.${micros}` : ''}${sign}${offset}`;
}

describe('result field conversion', () => {
  it('turns any timestamptz text, in any session offset, into the same instant in UTC', () => {
    // 1000-01-02 to 9999-12-30: four-digit years in every offset.
    const instants = fc.bigInt({ min: -30_610_137_600_000_000n, max: 253_402_128_000_000_000n });
    const offsets = fc.integer({ min: -15 * 3600, max: 15 * 3600 });
    fc.assert(
      fc.property(instants, offsets, (micros, offset) => {
        expect(timestamptzToUtc(postgresText(micros, offset))).toBe(postgresText(micros, 0).replace(/\+00$/, ''));
      }),
      { numRuns: 1000 },
    );
  });

  it('passes through timestamptz values that have no UTC form in that layout', () => {
    expect(timestamptzToUtc('infinity')).toBe('infinity');
    expect(timestamptzToUtc('0044-03-15 12:00:00+00 BC')).toBe('0044-03-15 12:00:00+00 BC');
  });

  it('reads PostgreSQL array literals, nested ones as arrayValues', () => {
    expect(toField('{{1,2},{3,NULL}}', resolve(1016), resolve)).toEqual({
      arrayValue: { arrayValues: [{ longValues: [1, 2] }, { longValues: [3, null] }] },
    });
    expect(toField('{}', resolve(1022), resolve)).toEqual({ arrayValue: { doubleValues: [] } });
    expect(toField('{"2024-01-01 10:00:00+10"}', resolve(1185), resolve)).toEqual({
      arrayValue: { stringValues: ['2024-01-01 00:00:00'] },
    });
  });

  it('reads bytea hex output as a blob', () => {
    expect(toField('\\x00ff10', resolve(17), resolve)).toEqual({ blobValue: Buffer.from([0, 255, 16]).toString('base64') });
  });
});
