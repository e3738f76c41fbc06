import { parameterName, scanSql, SqlSyntaxError } from '../../lambdas/db/data-api-sql.js';
import { badRequest } from './errors.js';
import type { FieldInput, SqlParameterInput, TypeHint, WireArrayValueInput } from './requests.js';

/**
 * Rewrites `:name` parameters to PostgreSQL's positional `$n`, leaving alone
 * anything that only looks like one: text in string constants, dollar-quoted
 * bodies, quoted identifiers and comments, and `::type` casts. A name used twice
 * gets the same position. `placeholder` renders each occurrence.
 */
export function translateNamedParameters(
  sql: string,
  placeholder: (name: string, position: number) => string = (_name, position) => `$${position}`,
): { text: string; names: string[] } {
  const names: string[] = [];
  let text = '';
  for (const token of scanSql(sql)) {
    if (token.kind !== 'parameter') {
      text += token.text;
      continue;
    }
    const name = parameterName(token);
    let index = names.indexOf(name);
    if (index === -1) index = names.push(name) - 1;
    text += placeholder(name, index + 1);
  }
  return { text, names };
}

/** A statement ready for the engine: positional SQL and its values. */
export interface BoundStatement {
  readonly text: string;
  readonly values: unknown[];
}

export interface BindOptions {
  /**
   * Accept `arrayValue` parameters. The service refuses them ("Array parameters are
   * not supported."), so this is off by default: code that passes here passes there.
   */
  readonly allowArrayParameters?: boolean;
}

/**
 * Binds the Data API's typed parameters to a statement. Each value is given the type
 * the service gives it (stringValue → varchar, longValue → int8, doubleValue → float8,
 * booleanValue → bool, blobValue → bytea, a typeHint → that type; a null has no type),
 * so SQL that needs an explicit cast on AWS needs it here too.
 */
export function bindParameters(sql: string, parameters: readonly SqlParameterInput[] = [], options: BindOptions = {}): BoundStatement {
  const bound = new Map<string, { value: unknown; cast: string | undefined }>();
  for (const parameter of parameters) {
    if (bound.has(parameter.name)) throw badRequest(`Parameter ${parameter.name} is given more than once`);
    bound.set(parameter.name, bindValue(parameter, options));
  }
  const values: unknown[] = [];
  let translated: { text: string; names: string[] };
  try {
    translated = translateNamedParameters(sql, (name, position) => {
      const parameter = bound.get(name);
      if (!parameter) throw badRequest(`No value specified for parameter :${name}`);
      values[position - 1] = parameter.value;
      return parameter.cast === undefined ? `$${position}` : `($${position}::${parameter.cast})`;
    });
  } catch (error) {
    if (error instanceof SqlSyntaxError) throw badRequest(`Cannot parse the SQL statement: ${error.message}`);
    throw error;
  }
  return { text: translated.text, values };
}

const TYPE_HINT_CASTS: Record<TypeHint, string> = {
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  DECIMAL: 'numeric',
  JSON: 'json',
  UUID: 'uuid',
};

/** The formats the service documents for its date and time type hints. */
const TYPE_HINT_FORMATS: Partial<Record<TypeHint, { pattern: RegExp; format: string }>> = {
  DATE: { pattern: /^\d{4}-\d{1,2}-\d{1,2}$/, format: 'YYYY-MM-DD' },
  TIME: { pattern: /^\d{1,2}:\d{2}:\d{2}(\.\d{1,9})?$/, format: 'HH:MM:SS[.FFF]' },
  TIMESTAMP: { pattern: /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}(\.\d{1,9})?$/, format: 'YYYY-MM-DD HH:MM:SS[.FFF]' },
};

function bindValue({ name, value, typeHint }: SqlParameterInput, options: BindOptions): { value: unknown; cast: string | undefined } {
  const members = (Object.keys(value) as Array<keyof FieldInput>).filter((k) => value[k] !== undefined);
  if (members.length !== 1) {
    throw badRequest(`Parameter ${name} must set exactly one value member; it sets ${members.length === 0 ? 'none' : members.join(', ')}`);
  }
  if (typeHint && value.stringValue === undefined && value.isNull === undefined) {
    throw badRequest(`Parameter ${name}: typeHint ${typeHint} applies to stringValue parameters only`);
  }
  if (value.isNull !== undefined) {
    if (!value.isNull) throw badRequest(`Parameter ${name}: isNull must be true when given`);
    return { value: null, cast: typeHint ? TYPE_HINT_CASTS[typeHint] : undefined };
  }
  if (value.stringValue !== undefined) {
    if (!typeHint) return { value: value.stringValue, cast: 'varchar' };
    const format = TYPE_HINT_FORMATS[typeHint];
    if (format && !format.pattern.test(value.stringValue)) {
      throw badRequest(`Parameter ${name}: '${value.stringValue}' is not a ${typeHint}; the accepted format is ${format.format}`);
    }
    return { value: value.stringValue, cast: TYPE_HINT_CASTS[typeHint] };
  }
  if (value.longValue !== undefined) return { value: value.longValue, cast: 'int8' };
  if (value.doubleValue !== undefined) return { value: String(value.doubleValue), cast: 'float8' };
  if (value.booleanValue !== undefined) return { value: value.booleanValue, cast: 'bool' };
  if (value.blobValue !== undefined) return { value: Buffer.from(value.blobValue, 'base64'), cast: 'bytea' };
  if (!options.allowArrayParameters) throw badRequest('Array parameters are not supported.');
  return bindArray(name, value.arrayValue!);
}

function bindArray(name: string, array: WireArrayValueInput): { value: unknown; cast: string } {
  const { values, elementType } = arrayContents(name, array);
  return { value: values, cast: `${elementType}[]` };
}

function arrayContents(name: string, array: WireArrayValueInput): { values: unknown[]; elementType: string } {
  const members = (Object.keys(array) as Array<keyof WireArrayValueInput>).filter((k) => array[k] !== undefined);
  if (members.length !== 1) throw badRequest(`Parameter ${name}: an arrayValue must set exactly one member`);
  if (array.stringValues) return { values: array.stringValues, elementType: 'varchar' };
  if (array.longValues) return { values: array.longValues, elementType: 'int8' };
  if (array.doubleValues) return { values: array.doubleValues.map((v) => (v === null ? null : String(v))), elementType: 'float8' };
  if (array.booleanValues) return { values: array.booleanValues, elementType: 'bool' };
  const nested = array.arrayValues!.map((inner) => arrayContents(name, inner));
  return { values: nested.map((n) => n.values), elementType: nested[0]?.elementType ?? 'varchar' };
}
