import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeCsvTables } from './csv.js';
import { renderReportHtml } from './html/render-report.js';
import { openReportDatabase } from './local-database.js';
import type { ReportOptions } from './options.js';
import { loadReportData } from './queries.js';
import type { ReportData } from './report-data.js';

export interface ReportOutcome {
  /** Every file written, the HTML report first. */
  readonly files: readonly string[];
  readonly data: ReportData;
  /** Migrations applied to the database on the way (the views arrive with one). */
  readonly appliedMigrations: readonly string[];
}

/** Reads the local database, writes the HTML report and, if asked, the CSV tables. */
export async function runReport(options: ReportOptions): Promise<ReportOutcome> {
  const database = await openReportDatabase(options.dataDir);
  let data: ReportData;
  try {
    data = await loadReportData(database.db, {
      from: options.from,
      to: options.to,
      ...(options.type ? { type: options.type } : {}),
      ...(options.instrumentId ? { instrumentId: options.instrumentId } : {}),
    });
  } finally {
    await database.close();
  }
  const out = resolve(options.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, renderReportHtml(data));
  const csvFiles = options.csvDir ? await writeCsvTables(resolve(options.csvDir), data) : [];
  return { files: [out, ...csvFiles], data, appliedMigrations: database.appliedMigrations };
}
