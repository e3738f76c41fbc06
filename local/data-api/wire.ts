/**
 * The Data API's JSON shapes as they travel over the wire (REST-JSON): blobs as
 * base64 strings, non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
 */

export type WireDouble = number | 'NaN' | 'Infinity' | '-Infinity';

export interface WireArrayValue {
  booleanValues?: Array<boolean | null>;
  longValues?: Array<number | null>;
  doubleValues?: Array<WireDouble | null>;
  stringValues?: Array<string | null>;
  arrayValues?: WireArrayValue[];
}

export type WireField =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: WireDouble }
  | { stringValue: string }
  | { blobValue: string }
  | { arrayValue: WireArrayValue };

export interface WireColumnMetadata {
  name: string;
  type: number;
  typeName: string;
  label: string;
  schemaName: string;
  tableName: string;
  isAutoIncrement: boolean;
  isSigned: boolean;
  isCurrency: boolean;
  isCaseSensitive: boolean;
  nullable: number;
  precision: number;
  scale: number;
  arrayBaseColumnType: number;
}

export interface WireExecuteStatementResponse {
  records?: WireField[][];
  columnMetadata?: WireColumnMetadata[];
  numberOfRecordsUpdated: number;
  generatedFields: WireField[];
  formattedRecords?: string;
}

export interface WireBatchExecuteStatementResponse {
  updateResults: Array<{ generatedFields: WireField[] }>;
}
