import { parse as parseArrayLiteral } from 'postgres-array';
import { precisionAndScale, type PostgresType } from './postgres-types.js';
import type { WireArrayValue, WireColumnMetadata, WireDouble, WireField } from './wire.js';

/** The request's `resultSetOptions`. */
export interface ResultSetOptions {
  /** STRING (default): numeric as stringValue. DOUBLE_OR_LONG: as longValue when integral, else doubleValue. */
  readonly decimalReturnType?: 'STRING' | 'DOUBLE_OR_LONG';
  /** LONG (default): integers as longValue. STRING: as stringValue, for values beyond 2^53. */
  readonly longReturnType?: 'LONG' | 'STRING';
}

/** A result column as the engine describes it. */
export interface ResultColumn {
  readonly name: string;
  readonly type: PostgresType;
  readonly typeModifier: number;
}

/** Resolves the element type of an array type. */
export type TypeResolver = (oid: number) => PostgresType;

/**
 * Converts one value, in PostgreSQL's text output format, to the Field the Data API
 * returns for it: integers as longValue, float4/float8 as doubleValue, numeric as
 * stringValue (or per `decimalReturnType`), bool as booleanValue, bytea as blobValue,
 * timestamptz as a UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]' string, arrays as arrayValue,
 * and everything else (text, json, uuid, date, time, timestamp, enums…) as stringValue.
 */
export function toField(text: string | null, type: PostgresType, resolve: TypeResolver, options: ResultSetOptions = {}): WireField {
  if (text === null) return { isNull: true };
  switch (type.kind) {
    case 'long':
      return options.longReturnType === 'STRING' ? { stringValue: text } : { longValue: Number(text) };
    case 'double':
      return { doubleValue: toWireDouble(text) };
    case 'decimal':
      return decimalField(text, options);
    case 'boolean':
      return { booleanValue: text === 't' || text === 'true' };
    case 'blob':
      return { blobValue: byteaToBuffer(text).toString('base64') };
    case 'timestamptz':
      return { stringValue: timestamptzToUtc(text) };
    case 'array':
      return { arrayValue: toArrayValue(parseArrayLiteral(text) as NestedText[], resolve(type.elementOid ?? 25), resolve, options) };
    case 'string':
      return { stringValue: text };
  }
}

/** The value as plain JSON, for `formatRecordsAs: 'JSON'`. */
export function toJsonValue(field: WireField): unknown {
  if ('isNull' in field) return null;
  if ('booleanValue' in field) return field.booleanValue;
  if ('longValue' in field) return field.longValue;
  if ('doubleValue' in field) return field.doubleValue;
  if ('stringValue' in field) return field.stringValue;
  if ('blobValue' in field) return field.blobValue;
  return arrayToJson(field.arrayValue);
}

/** Column metadata as the service reports it (`includeResultMetadata: true`). */
export function toColumnMetadata(column: ResultColumn, resolve: TypeResolver): WireColumnMetadata {
  const { type } = column;
  const { precision, scale } = precisionAndScale(type, column.typeModifier);
  const numeric = type.kind === 'long' || type.kind === 'double' || type.kind === 'decimal';
  return {
    name: column.name,
    label: column.name,
    type: type.jdbcType,
    typeName: type.name,
    schemaName: '',
    tableName: '',
    isAutoIncrement: false,
    isSigned: numeric,
    isCurrency: type.name === 'money',
    isCaseSensitive: type.kind === 'string' || type.kind === 'array',
    nullable: 2,
    precision,
    scale,
    arrayBaseColumnType: type.kind === 'array' && type.elementOid !== undefined ? resolve(type.elementOid).jdbcType : 0,
  };
}

function decimalField(text: string, options: ResultSetOptions): WireField {
  if (options.decimalReturnType !== 'DOUBLE_OR_LONG') return { stringValue: text };
  if (/^-?\d+$/.test(text)) return { longValue: Number(text) };
  return { doubleValue: toWireDouble(text) };
}

function toWireDouble(text: string): WireDouble {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  return Number(text);
}

type NestedText = string | null | NestedText[];

function toArrayValue(
  items: readonly NestedText[],
  element: PostgresType,
  resolve: TypeResolver,
  options: ResultSetOptions,
): WireArrayValue {
  if (items.some(Array.isArray)) {
    return { arrayValues: items.map((item) => toArrayValue(Array.isArray(item) ? item : [item], element, resolve, options)) };
  }
  const scalars = items as ReadonlyArray<string | null>;
  const fields = scalars.map((text) => (text === null ? null : toField(text, element, resolve, options)));
  const pick = <T>(read: (field: WireField) => T | undefined) => fields.map((f) => (f === null ? null : (read(f) ?? null)));
  const first = fields.find((f) => f !== null);
  const kind = first ? Object.keys(first)[0] : defaultMember(element, options);
  switch (kind) {
    case 'booleanValue':
      return { booleanValues: pick((f) => ('booleanValue' in f ? f.booleanValue : undefined)) };
    case 'longValue':
      return { longValues: pick((f) => ('longValue' in f ? f.longValue : undefined)) };
    case 'doubleValue':
      return { doubleValues: pick((f) => ('doubleValue' in f ? f.doubleValue : 'longValue' in f ? f.longValue : undefined)) };
    default:
      return { stringValues: pick((f) => ('stringValue' in f ? f.stringValue : 'blobValue' in f ? f.blobValue : undefined)) };
  }
}

function defaultMember(element: PostgresType, options: ResultSetOptions): string {
  if (element.kind === 'boolean') return 'booleanValue';
  if (element.kind === 'long') return options.longReturnType === 'STRING' ? 'stringValue' : 'longValue';
  if (element.kind === 'double') return 'doubleValue';
  return 'stringValue';
}

function arrayToJson(array: WireArrayValue): unknown[] {
  return array.arrayValues?.map(arrayToJson) ?? array.booleanValues ?? array.longValues ?? array.doubleValues ?? array.stringValues ?? [];
}

function byteaToBuffer(text: string): Buffer {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'binary');
}

const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/**
 * PostgreSQL's ISO text output of a timestamptz, in whatever session time zone,
 * as the UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]' the service returns. Values without a
 * UTC equivalent in that form (infinity, BC dates) are returned as PostgreSQL wrote them.
 */
export function timestamptzToUtc(text: string): string {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours, offsetMinutes = '0', offsetSeconds = '0'] = m;
  const instant = new Date(0);
  instant.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  instant.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const offset = (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds)) * (sign === '-' ? -1 : 1);
  const utc = new Date(instant.getTime() - offset * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())} ` +
    `${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}`
  );
}
