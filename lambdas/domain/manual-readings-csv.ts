import { CsvError, parse } from 'csv-parse/sync';
import { MAX_MANUAL_READINGS, type ManualReadingFieldNames, type ManualReadingRow, type ManualRowRejection } from './manual-readings.js';

/**
 * Manual readings as CSV (RFC 4180: comma-separated, fields with commas, quotes or line
 * breaks in double quotes), one reading a row under the header
 * `instrument_id,observed_at,value,note`:
 *
 * ```csv
 * instrument_id,observed_at,value,note
 * BH-9037,2026-11-22T08:30:00+11:00,84.12,"dipped after rain, cap replaced"
 * SM-1204,2026-11-22T08:45:00Z,-3.4,
 * ```
 *
 * The columns may come in any order and `note` may be left out; names are matched without
 * regard to case or surrounding spaces, and a byte order mark is ignored.
 */

/** The CSV's column names, in the order the header lists them by default. */
export const CSV_FIELD_NAMES: ManualReadingFieldNames = {
  instrumentId: 'instrument_id',
  observedAt: 'observed_at',
  value: 'value',
  note: 'note',
};

export const CSV_HEADER = [CSV_FIELD_NAMES.instrumentId, CSV_FIELD_NAMES.observedAt, CSV_FIELD_NAMES.value, CSV_FIELD_NAMES.note].join(',');

const REQUIRED = [CSV_FIELD_NAMES.instrumentId, CSV_FIELD_NAMES.observedAt, CSV_FIELD_NAMES.value];
const KNOWN: ReadonlySet<string> = new Set([...REQUIRED, CSV_FIELD_NAMES.note]);

/**
 * The rows of a CSV upload, and the rows that are not readings (a different number of
 * fields than the header), or why the file as a whole cannot be read: no header, a column
 * missing or unknown, a syntax error (an unclosed quote), or more than `maxRows` rows.
 */
export type CsvReadingsParse =
  | { readonly ok: true; readonly rows: readonly ManualReadingRow[]; readonly rejected: readonly ManualRowRejection[] }
  | { readonly ok: false; readonly problem: 'unreadable' | 'too-many-rows'; readonly detail: string };

export function parseManualReadingsCsv(text: string, maxRows: number = MAX_MANUAL_READINGS): CsvReadingsParse {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, problem: 'unreadable', detail: `the CSV does not parse: ${error.message}` };
    throw error;
  }
  const [header, ...data] = records;
  if (header === undefined)
    return { ok: false, problem: 'unreadable', detail: `the CSV is empty: its first line must be the header ${CSV_HEADER}` };
  const columns = header.map((name) => name.trim().toLowerCase());
  const problem = headerProblem(columns);
  if (problem) return { ok: false, problem: 'unreadable', detail: problem };
  if (data.length > maxRows)
    return { ok: false, problem: 'too-many-rows', detail: `the CSV has ${data.length} readings; send at most ${maxRows} in one upload` };

  const at = (name: string) => columns.indexOf(name);
  const [id, time, value, note] = [
    at(CSV_FIELD_NAMES.instrumentId),
    at(CSV_FIELD_NAMES.observedAt),
    at(CSV_FIELD_NAMES.value),
    at(CSV_FIELD_NAMES.note),
  ];
  const rows: ManualReadingRow[] = [];
  const rejected: ManualRowRejection[] = [];
  data.forEach((fields, index) => {
    const row = index + 1;
    if (fields.length !== columns.length) {
      const named = fields[id]?.trim();
      rejected.push({
        row,
        instrumentId: named ? named : null,
        reason: 'malformed_item',
        field: null,
        detail: `row has ${fields.length} fields, the header ${columns.length} (${columns.join(',')}); quote a field that holds a comma`,
      });
      return;
    }
    rows.push({
      row,
      instrumentId: fields[id],
      observedAt: fields[time],
      value: fields[value],
      note: note === -1 ? undefined : fields[note],
    });
  });
  return { ok: true, rows, rejected };
}

function headerProblem(columns: readonly string[]): string | undefined {
  const unknown = columns.filter((name) => !KNOWN.has(name));
  if (unknown.length > 0)
    return `the header has unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => JSON.stringify(name)).join(', ')}: expected ${CSV_HEADER}`;
  const repeated = columns.filter((name, index) => columns.indexOf(name) !== index);
  if (repeated.length > 0) return `the header names ${[...new Set(repeated)].join(', ')} more than once`;
  const missing = REQUIRED.filter((name) => !columns.includes(name));
  if (missing.length > 0) return `the header lacks ${missing.join(', ')}: expected ${CSV_HEADER}`;
  return undefined;
}
