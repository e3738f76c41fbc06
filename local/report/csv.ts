import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ReportData } from './report-data.js';
import { columnsFor, reportTables, type CsvValue, type ReportTable } from './tables.js';

/**
 * A table as RFC 4180 CSV: a header row of column keys, CRLF line ends, fields quoted
 * when they hold a comma, a quote or a line break (quotes doubled). Absent values are
 * empty fields; numbers keep full precision; times are ISO 8601 UTC.
 */
export function tableToCsv<Row>(table: ReportTable<Row>): string {
  const columns = columnsFor(table, 'csv');
  const header = columns.map((column) => column.key);
  const records = table.rows.map((row) => columns.map((column) => csvField(column.csv(row))));
  // The library quotes fields holding the record delimiter (CRLF), not a lone CR or LF: name those too.
  return stringify([header, ...records], { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

function csvField(value: CsvValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

/** Writes each of the report's tables to its CSV file in `directory` (created if missing); returns the paths written. */
export async function writeCsvTables(directory: string, data: ReportData): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const tables = reportTables(data);
  const written: string[] = [];
  const all = [
    tables.exceedances,
    tables.daily,
    tables.silent,
    tables.instruments,
    tables.baselines,
    tables.spikes,
    tables.corrections,
  ] as ReadonlyArray<ReportTable<unknown>>;
  for (const table of all) {
    const path = join(directory, table.fileName);
    await writeFile(path, tableToCsv(table));
    written.push(path);
  }
  return written;
}
