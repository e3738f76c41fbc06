import { BadRequestException, DatabaseErrorException } from '@aws-sdk/client-rds-data';
import { beforeAll, expect, it } from 'vitest';
import { describeOnBackend, describeOnBothBackends, rejectionOf } from './endpoints.js';

describeOnBothBackends('Data API parameters and results through the SDK', (endpoint) => {
  beforeAll(async () => {
    await endpoint().execute(`CREATE TABLE samples (
      id bigint PRIMARY KEY, label text, reading double precision, amount numeric(12,4), observed_at timestamptz,
      active boolean, meta jsonb, tags text[], counts int8[], levels float8[], flags bool[], raw bytea, day date, ref uuid)`);
  });

  it('binds every parameter kind and returns each column as the Data API does', async () => {
    const inserted = await endpoint().execute(
      `INSERT INTO samples VALUES (:id, :label, :reading, :amount, :observed_at, :active, :meta::jsonb, :tags::text[],
        :counts::int8[], :levels::float8[], :flags::bool[], :raw, :day, :ref)`,
      [
        { name: 'id', value: { longValue: 1 } },
        { name: 'label', value: { stringValue: "it's a ; test" } },
        { name: 'reading', value: { doubleValue: -12.375 } },
        { name: 'amount', value: { stringValue: '1234.5' }, typeHint: 'DECIMAL' },
        { name: 'observed_at', value: { stringValue: '2024-05-06 07:08:09.123456' }, typeHint: 'TIMESTAMP' },
        { name: 'active', value: { booleanValue: true } },
        { name: 'meta', value: { stringValue: '{"site": "north", "depth": 3}' }, typeHint: 'JSON' },
        { name: 'tags', value: { stringValue: '{alpha,"with space",NULL}' } },
        { name: 'counts', value: { stringValue: '{1,2,9007199254740993}' } },
        { name: 'levels', value: { stringValue: '{0.5,-1.25}' } },
        { name: 'flags', value: { stringValue: '{t,f}' } },
        { name: 'raw', value: { blobValue: new Uint8Array([0, 1, 254, 255]) } },
        { name: 'day', value: { stringValue: '2024-02-29' }, typeHint: 'DATE' },
        { name: 'ref', value: { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }, typeHint: 'UUID' },
      ],
    );
    expect(inserted.numberOfRecordsUpdated).toBe(1);
    expect(inserted.records).toBeUndefined();

    const { records } = await endpoint().execute('SELECT * FROM samples WHERE id = :id', [{ name: 'id', value: { longValue: 1 } }]);
    expect(records).toHaveLength(1);
    const [id, label, reading, amount, observedAt, active, meta, tags, counts, levels, flags, raw, day, ref] = records![0]!;
    expect(id).toEqual({ longValue: 1 });
    expect(label).toEqual({ stringValue: "it's a ; test" });
    expect(reading).toEqual({ doubleValue: -12.375 });
    expect(amount).toEqual({ stringValue: '1234.5000' });
    expect(observedAt).toEqual({ stringValue: '2024-05-06 07:08:09.123456' });
    expect(active).toEqual({ booleanValue: true });
    expect(JSON.parse((meta as { stringValue: string }).stringValue)).toEqual({ site: 'north', depth: 3 });
    expect(tags).toEqual({ arrayValue: { stringValues: ['alpha', 'with space', null] } });
    expect(counts).toEqual({ arrayValue: { longValues: [1, 2, 9007199254740992] } });
    expect(levels).toEqual({ arrayValue: { doubleValues: [0.5, -1.25] } });
    expect(flags).toEqual({ arrayValue: { booleanValues: [true, false] } });
    expect(Array.from((raw as { blobValue: Uint8Array }).blobValue)).toEqual([0, 1, 254, 255]);
    expect(day).toEqual({ stringValue: '2024-02-29' });
    expect(ref).toEqual({ stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
  });

  it('returns timestamptz in UTC whatever offset it was written with', async () => {
    const { records } = await endpoint().execute(
      "SELECT '2024-01-01 09:30:00.5+10:30'::timestamptz AS a, '2023-12-31 23:00:00-02'::timestamptz AS b, '2024-03-01 00:00:00Z'::timestamptz AS c",
    );
    expect(records![0]).toEqual([
      { stringValue: '2023-12-31 23:00:00.5' },
      { stringValue: '2024-01-01 01:00:00' },
      { stringValue: '2024-03-01 00:00:00' },
    ]);
  });

  it('returns SQL NULL as isNull and binds a null of any column type', async () => {
    await endpoint().execute('INSERT INTO samples (id, label, observed_at, meta) VALUES (2, :label, :at, :meta)', [
      { name: 'label', value: { isNull: true } },
      { name: 'at', value: { isNull: true } },
      { name: 'meta', value: { isNull: true }, typeHint: 'JSON' },
    ]);
    const { records } = await endpoint().execute('SELECT label, observed_at, meta, tags FROM samples WHERE id = 2');
    expect(records![0]).toEqual([{ isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }]);
  });

  it('gives a string parameter the type varchar, so a timestamptz column needs a cast or a type hint, as on AWS', async () => {
    const error = await rejectionOf(
      endpoint().execute('INSERT INTO samples (id, observed_at) VALUES (3, :at)', [
        { name: 'at', value: { stringValue: '2024-01-01 00:00:00' } },
      ]),
    );
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect(error.message).toMatch(/is of type timestamp with time zone but expression is of type character varying[\s\S]*SQLState: 42804/);

    await endpoint().execute('INSERT INTO samples (id, observed_at) VALUES (3, :at::timestamptz)', [
      { name: 'at', value: { stringValue: '2024-01-01T10:00:00+10:00' } },
    ]);
    const { records } = await endpoint().execute('SELECT observed_at FROM samples WHERE id = 3');
    expect(records![0]).toEqual([{ stringValue: '2024-01-01 00:00:00' }]);
  });

  it('leaves :name alone inside string constants, quoted identifiers, comments and casts', async () => {
    const { records } = await endpoint().execute(
      `SELECT ':id' AS literal, $$ :id $$ AS dollar, :id::text AS cast_param, 7::int8 AS plain_cast, 1 AS ":id" -- :id in a comment
       /* :id in a block */`,
      [{ name: 'id', value: { longValue: 42 } }],
      { includeResultMetadata: true },
    );
    expect(records![0]).toEqual([
      { stringValue: ':id' },
      { stringValue: ' :id ' },
      { stringValue: '42' },
      { longValue: 7 },
      { longValue: 1 },
    ]);
  });

  it('uses one value for a name given several times', async () => {
    const { records } = await endpoint().execute('SELECT :n + 1, :n * 2', [{ name: 'n', value: { longValue: 20 } }]);
    expect(records![0]).toEqual([{ longValue: 21 }, { longValue: 40 }]);
  });

  it('counts updated records for DML and none for queries', async () => {
    await endpoint().execute("INSERT INTO samples (id, label) SELECT g, 'bulk' FROM generate_series(10, 14) AS g");
    expect((await endpoint().execute("UPDATE samples SET active = false WHERE label = 'bulk'")).numberOfRecordsUpdated).toBe(5);
    expect((await endpoint().execute("SELECT * FROM samples WHERE label = 'bulk'")).numberOfRecordsUpdated).toBe(0);
    expect((await endpoint().execute("DELETE FROM samples WHERE label = 'bulk' AND id > 12")).numberOfRecordsUpdated).toBe(2);
    const returning = await endpoint().execute("DELETE FROM samples WHERE label = 'bulk' RETURNING id");
    expect(returning.numberOfRecordsUpdated).toBe(3);
    expect(returning.records?.map((r) => r[0])).toEqual(expect.arrayContaining([{ longValue: 10 }, { longValue: 11 }, { longValue: 12 }]));
  });

  it('honours resultSetOptions for longs and decimals', async () => {
    const sql = 'SELECT 9007199254740993::int8 AS big, 12.50::numeric AS money, 40::numeric AS whole';
    expect((await endpoint().execute(sql)).records![0]).toEqual([
      { longValue: 9007199254740992 },
      { stringValue: '12.50' },
      { stringValue: '40' },
    ]);
    const tuned = await endpoint().execute(sql, [], {
      resultSetOptions: { longReturnType: 'STRING', decimalReturnType: 'DOUBLE_OR_LONG' },
    });
    expect(tuned.records![0]).toEqual([{ stringValue: '9007199254740993' }, { doubleValue: 12.5 }, { longValue: 40 }]);
  });

  it('carries non-finite doubles both ways', async () => {
    const { records } = await endpoint().execute("SELECT :x::float8, 'NaN'::float8, '-Infinity'::float8", [
      { name: 'x', value: { doubleValue: Infinity } },
    ]);
    expect(records![0]).toEqual([{ doubleValue: Infinity }, { doubleValue: NaN }, { doubleValue: -Infinity }]);
  });

  it('formats records as JSON on request', async () => {
    const output = await endpoint().execute(
      "SELECT 1::int8 AS id, 'x' AS label, NULL::text AS missing, true AS ok, 2.5::float8 AS reading, ARRAY[1,2] AS list, '2024-01-02 03:04:05+00'::timestamptz AS at",
      [],
      { formatRecordsAs: 'JSON' },
    );
    expect(output.records).toBeUndefined();
    expect(JSON.parse(output.formattedRecords!)).toEqual([
      { id: 1, label: 'x', missing: null, ok: true, reading: 2.5, list: [1, 2], at: '2024-01-02 03:04:05' },
    ]);
  });

  it('describes columns when includeResultMetadata is set', async () => {
    const { columnMetadata } = await endpoint().execute('SELECT id, label, amount, observed_at, tags FROM samples WHERE false', [], {
      includeResultMetadata: true,
    });
    expect(columnMetadata?.map((c) => [c.name, c.typeName, c.type])).toEqual([
      ['id', 'int8', -5],
      ['label', 'text', 12],
      ['amount', 'numeric', 2],
      ['observed_at', 'timestamptz', 93],
      ['tags', '_text', 2003],
    ]);
    expect(columnMetadata?.[2]).toMatchObject({ precision: 12, scale: 4, isSigned: true });
    expect(columnMetadata?.[4]).toMatchObject({ arrayBaseColumnType: 12 });
  });

  it('returns user-defined types (enums) as strings', async () => {
    await endpoint().execute("CREATE TYPE level AS ENUM ('normal', 'alert')");
    const { records, columnMetadata } = await endpoint().execute("SELECT 'alert'::level, ARRAY['normal','alert']::level[]", [], {
      includeResultMetadata: true,
    });
    expect(records![0]).toEqual([{ stringValue: 'alert' }, { arrayValue: { stringValues: ['normal', 'alert'] } }]);
    expect(columnMetadata?.map((c) => c.typeName)).toEqual(['level', '_level']);
  });

  it('refuses array parameters, as the service does', async () => {
    const error = await rejectionOf(
      endpoint().execute('SELECT * FROM unnest(:ids::text[])', [{ name: 'ids', value: { arrayValue: { stringValues: ['a', 'b'] } } }]),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toBe('Array parameters are not supported.');
  });

  it('reports a parameter the statement names but the call does not give', async () => {
    const error = await rejectionOf(endpoint().execute('SELECT :given, :missing', [{ name: 'given', value: { longValue: 1 } }]));
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toContain(':missing');
  });

  it('refuses a TIMESTAMP type hint whose value is not in the documented format', async () => {
    const error = await rejectionOf(
      endpoint().execute('SELECT :at', [{ name: 'at', value: { stringValue: '2024-01-01T00:00:00Z' }, typeHint: 'TIMESTAMP' }]),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toContain('YYYY-MM-DD HH:MM:SS[.FFF]');
  });

  it('runs one statement per call', async () => {
    const error = await rejectionOf(endpoint().execute('SELECT 1; SELECT 2'));
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect(error.message).toContain('SQLState: 42601');
  });
});

describeOnBackend(
  'PGlite',
  'Data API options beyond the defaults',
  (endpoint) => {
    it('binds arrayValue members as PostgreSQL arrays when array parameters are allowed', async () => {
      const { records } = await endpoint().execute('SELECT ids, n FROM unnest(:ids, :ns) AS u(ids, n) ORDER BY n', [
        { name: 'ids', value: { arrayValue: { stringValues: ['a', 'b'] } } },
        { name: 'ns', value: { arrayValue: { longValues: [2, 1] } } },
      ]);
      expect(records).toEqual([
        [{ stringValue: 'b' }, { longValue: 1 }],
        [{ stringValue: 'a' }, { longValue: 2 }],
      ]);
    });

    it('refuses a result larger than the response size limit', async () => {
      const error = await rejectionOf(endpoint().execute("SELECT repeat('x', 8192)"));
      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toContain('response size limit');
      await expect(endpoint().execute("SELECT repeat('x', 100)")).resolves.toBeDefined();
    });
  },
  { allowArrayParameters: true, maxResponseBytes: 4096 },
);
