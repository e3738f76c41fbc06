import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataApiError } from '../../local/data-api/errors.js';
import { bindParameters, translateNamedParameters } from '../../local/data-api/named-parameters.js';

/** A piece of SQL text and what translation must turn it into. */
interface Fragment {
  readonly sql: string;
  /** Parameter name, for a parameter fragment. */
  readonly parameter?: string;
  /** Text after the parameter (a cast), for a parameter fragment. */
  readonly suffix?: string;
}

const names = fc.constantFrom('a', 'id', 'x1', 'long_name', 'observed_at');
const types = fc.constantFrom('text', 'int8', 'timestamptz', 'jsonb', 'text[]', 'numeric(10,2)');
/** Characters that make scanners stumble. Delimited decoys pad their content with spaces so it cannot fuse with a delimiter. */
const tricky = fc.string({ unit: fc.constantFrom(':', 'a', 'id', ' ', ';', "'", '"', '$', '\\', '-', '/', '*', '\n', 'E', '::', 'x1') });

const removeAll = (text: string, ...needles: string[]) => {
  let out = text;
  while (needles.some((n) => out.includes(n))) for (const n of needles) out = out.split(n).join('');
  return out;
};

const decoy: fc.Arbitrary<Fragment> = fc.oneof(
  tricky.map((t) => ({ sql: `'${t.replace(/'/g, "''")}'` })),
  tricky.map((t) => ({ sql: `E'${t.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` })),
  tricky.map((t) => ({ sql: `$$ ${removeAll(t, '$$')} $$` })),
  tricky.map((t) => ({ sql: `$q$ ${removeAll(t, '$q$')} $q$` })),
  tricky.map((t) => ({ sql: `"${t.replace(/"/g, '""')}"` })),
  tricky.map((t) => ({ sql: `--${t.replace(/[\r\n]/g, '')}\n` })),
  tricky.map((t) => ({ sql: `/* ${removeAll(t, '*/', '/*')} */` })),
  types.map((t) => ({ sql: `7::${t}` })),
  fc.constantFrom('SELECT', 'FROM t', 'WHERE', '=', '+', '(', ')', ',', 'arr[1:2]', '$1').map((sql) => ({ sql })),
);

const parameter: fc.Arbitrary<Fragment> = fc.oneof(
  names.map((name) => ({ sql: `:${name}`, parameter: name, suffix: '' })),
  fc.tuple(names, types).map(([name, type]) => ({ sql: `:${name}::${type}`, parameter: name, suffix: `::${type}` })),
);

describe('named parameter translation', () => {
  it('replaces exactly the :name parameters, numbering names by first use, and leaves all else byte for byte', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(decoy, parameter), { maxLength: 25 }), (fragments) => {
        const order: string[] = [];
        const expected = fragments
          .map((f) => {
            if (f.parameter === undefined) return f.sql;
            if (!order.includes(f.parameter)) order.push(f.parameter);
            return `$${order.indexOf(f.parameter) + 1}${f.suffix}`;
          })
          .join(' ');
        const translated = translateNamedParameters(fragments.map((f) => f.sql).join(' '));
        expect(translated.text).toBe(expected);
        expect(translated.names).toEqual(order);
      }),
      { numRuns: 500 },
    );
  });

  it('gives each value the type the Data API gives it', () => {
    const bound = bindParameters('SELECT :s, :l, :d, :b, :n, :t, :j, :blob', [
      { name: 's', value: { stringValue: 'text' } },
      { name: 'l', value: { longValue: 5 } },
      { name: 'd', value: { doubleValue: 0.5 } },
      { name: 'b', value: { booleanValue: false } },
      { name: 'n', value: { isNull: true } },
      { name: 't', value: { stringValue: '2024-01-02 03:04:05.678' }, typeHint: 'TIMESTAMP' },
      { name: 'j', value: { stringValue: '{}' }, typeHint: 'JSON' },
      { name: 'blob', value: { blobValue: Buffer.from([1, 2]).toString('base64') } },
    ]);
    expect(bound.text).toBe('SELECT ($1::varchar), ($2::int8), ($3::float8), ($4::bool), $5, ($6::timestamp), ($7::json), ($8::bytea)');
    expect(bound.values).toEqual(['text', 5, '0.5', false, null, '2024-01-02 03:04:05.678', '{}', Buffer.from([1, 2])]);
  });

  it('keeps a subscript or a cast after a parameter applying to the parameter', () => {
    expect(bindParameters('SELECT :a[1], :a::int', [{ name: 'a', value: { stringValue: '{1}' } }]).text).toBe(
      'SELECT ($1::varchar)[1], ($1::varchar)::int',
    );
  });

  it.each([
    [
      [
        { name: 'a', value: { longValue: 1 } },
        { name: 'a', value: { longValue: 2 } },
      ],
      'more than once',
    ],
    [[{ name: 'a', value: { longValue: 1, stringValue: 'x' } }], 'exactly one value member'],
    [[{ name: 'a', value: {} }], 'exactly one value member'],
    [[{ name: 'a', value: { longValue: 1 }, typeHint: 'DECIMAL' as const }], 'stringValue parameters only'],
    [[{ name: 'a', value: { stringValue: 'tomorrow' }, typeHint: 'DATE' as const }], 'YYYY-MM-DD'],
    [[{ name: 'a', value: { isNull: false } }], 'isNull must be true'],
  ])('refuses bad parameters with a BadRequestException saying why (%#)', (parameters, message) => {
    let error: unknown;
    try {
      bindParameters('SELECT :a', parameters);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataApiError);
    expect((error as DataApiError).type).toBe('BadRequestException');
    expect((error as DataApiError).message).toContain(message);
  });

  it('refuses SQL it cannot scan, saying where', () => {
    expect(() => bindParameters("SELECT 'unterminated", [])).toThrow(/unterminated string constant at line 1, column 8/);
  });
});
