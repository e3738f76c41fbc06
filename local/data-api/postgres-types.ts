/**
 * What the Data API needs to know about PostgreSQL types: which Field member a
 * value of the type comes back in, and the JDBC type code and precision the
 * service reports in column metadata (it reads results through the PostgreSQL JDBC
 * driver, so its metadata follows that driver's conventions).
 */

/** How a value of a type is carried in a Data API Field. */
export type ValueKind = 'long' | 'double' | 'decimal' | 'boolean' | 'string' | 'blob' | 'timestamptz' | 'array';

export interface PostgresType {
  readonly oid: number;
  readonly name: string;
  readonly kind: ValueKind;
  /** java.sql.Types code. */
  readonly jdbcType: number;
  /** Display precision when the type modifier does not give one. */
  readonly precision: number;
  /** For an array type, its element type's oid. */
  readonly elementOid?: number;
}

export const JDBC = {
  BIT: -7,
  SMALLINT: 5,
  INTEGER: 4,
  BIGINT: -5,
  REAL: 7,
  DOUBLE: 8,
  NUMERIC: 2,
  CHAR: 1,
  VARCHAR: 12,
  DATE: 91,
  TIME: 92,
  TIMESTAMP: 93,
  BINARY: -2,
  OTHER: 1111,
  ARRAY: 2003,
} as const;

const UNBOUNDED = 2147483647;

// A data table (PostgreSQL's catalogue as the Data API reports it), alike row to row on purpose.
const BASE_TYPES: readonly PostgresType[] = [
  { oid: 16, name: 'bool', kind: 'boolean', jdbcType: JDBC.BIT, precision: 1 },
  { oid: 17, name: 'bytea', kind: 'blob', jdbcType: JDBC.BINARY, precision: UNBOUNDED },
  { oid: 18, name: 'char', kind: 'string', jdbcType: JDBC.CHAR, precision: 1 },
  { oid: 19, name: 'name', kind: 'string', jdbcType: JDBC.VARCHAR, precision: 63 },
  { oid: 20, name: 'int8', kind: 'long', jdbcType: JDBC.BIGINT, precision: 19 },
  { oid: 21, name: 'int2', kind: 'long', jdbcType: JDBC.SMALLINT, precision: 5 },
  { oid: 23, name: 'int4', kind: 'long', jdbcType: JDBC.INTEGER, precision: 10 },
  { oid: 25, name: 'text', kind: 'string', jdbcType: JDBC.VARCHAR, precision: UNBOUNDED },
  { oid: 26, name: 'oid', kind: 'long', jdbcType: JDBC.BIGINT, precision: 10 },
  { oid: 114, name: 'json', kind: 'string', jdbcType: JDBC.OTHER, precision: UNBOUNDED },
  { oid: 700, name: 'float4', kind: 'double', jdbcType: JDBC.REAL, precision: 8 },
  { oid: 701, name: 'float8', kind: 'double', jdbcType: JDBC.DOUBLE, precision: 17 },
  { oid: 790, name: 'money', kind: 'string', jdbcType: JDBC.DOUBLE, precision: 17 },
  { oid: 1042, name: 'bpchar', kind: 'string', jdbcType: JDBC.CHAR, precision: UNBOUNDED },
  { oid: 1043, name: 'varchar', kind: 'string', jdbcType: JDBC.VARCHAR, precision: UNBOUNDED },
  { oid: 1082, name: 'date', kind: 'string', jdbcType: JDBC.DATE, precision: 13 },
  { oid: 1083, name: 'time', kind: 'string', jdbcType: JDBC.TIME, precision: 15 },
  { oid: 1114, name: 'timestamp', kind: 'string', jdbcType: JDBC.TIMESTAMP, precision: 29 },
  { oid: 1184, name: 'timestamptz', kind: 'timestamptz', jdbcType: JDBC.TIMESTAMP, precision: 35 },
  { oid: 1186, name: 'interval', kind: 'string', jdbcType: JDBC.OTHER, precision: 49 },
  { oid: 1266, name: 'timetz', kind: 'string', jdbcType: JDBC.TIME, precision: 21 },
  { oid: 1700, name: 'numeric', kind: 'decimal', jdbcType: JDBC.NUMERIC, precision: 0 },
  { oid: 2950, name: 'uuid', kind: 'string', jdbcType: JDBC.OTHER, precision: 36 },
  { oid: 3802, name: 'jsonb', kind: 'string', jdbcType: JDBC.OTHER, precision: UNBOUNDED },
];

/** Array type oid → element type oid, for the built-in element types above. */
const ARRAY_TYPES: ReadonlyArray<readonly [number, number]> = [
  [1000, 16],
  [1001, 17],
  [1002, 18],
  [1003, 19],
  [1016, 20],
  [1005, 21],
  [1007, 23],
  [1009, 25],
  [1028, 26],
  [199, 114],
  [1021, 700],
  [1022, 701],
  [791, 790],
  [1014, 1042],
  [1015, 1043],
  [1182, 1082],
  [1183, 1083],
  [1115, 1114],
  [1185, 1184],
  [1187, 1186],
  [1270, 1266],
  [1231, 1700],
  [2951, 2950],
  [3807, 3802],
];

const KNOWN = new Map<number, PostgresType>(BASE_TYPES.map((t) => [t.oid, t]));
for (const [oid, elementOid] of ARRAY_TYPES) {
  const element = KNOWN.get(elementOid)!;
  KNOWN.set(oid, { oid, name: `_${element.name}`, kind: 'array', jdbcType: JDBC.ARRAY, precision: UNBOUNDED, elementOid });
}

/** A built-in type by oid, or undefined for types the catalog must be asked about. */
export function builtInType(oid: number): PostgresType | undefined {
  return KNOWN.get(oid);
}

/** A row of pg_type, as far as needed to describe a type the table above lacks. */
export interface CatalogType {
  readonly oid: number;
  readonly name: string;
  /** pg_type.typelem for array types (typcategory 'A'), else 0. */
  readonly elementOid: number;
}

/**
 * Describes a type from the catalog: user-defined types (enums, domains, composites)
 * come back as strings, as the service returns them; arrays of them as arrays.
 */
export function typeFromCatalog(row: CatalogType): PostgresType {
  if (row.elementOid !== 0) {
    return { oid: row.oid, name: row.name, kind: 'array', jdbcType: JDBC.ARRAY, precision: UNBOUNDED, elementOid: row.elementOid };
  }
  return { oid: row.oid, name: row.name, kind: 'string', jdbcType: JDBC.OTHER, precision: UNBOUNDED };
}

/** Precision and scale of a column, from its type modifier where the type has one. */
export function precisionAndScale(type: PostgresType, typeModifier: number): { precision: number; scale: number } {
  if (type.name === 'numeric') {
    if (typeModifier < 4) return { precision: 0, scale: 0 };
    const packed = typeModifier - 4;
    return { precision: (packed >> 16) & 0xffff, scale: packed & 0xffff };
  }
  if ((type.name === 'varchar' || type.name === 'bpchar') && typeModifier >= 4) {
    return { precision: typeModifier - 4, scale: 0 };
  }
  if ((type.name === 'timestamp' || type.name === 'timestamptz' || type.name === 'time') && typeModifier >= 0) {
    return { precision: type.precision, scale: typeModifier };
  }
  const defaultScale =
    type.name === 'float4'
      ? 8
      : type.name === 'float8'
        ? 17
        : type.kind === 'timestamptz' || type.name === 'timestamp' || type.name === 'time'
          ? 6
          : 0;
  return { precision: type.precision, scale: defaultScale };
}
