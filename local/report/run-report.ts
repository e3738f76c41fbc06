import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeCsvTables } from './csv.js';
import { renderReportHtml } from './html/render-report.js';
import { openReportDatabase } from './local-database.js';
import { applySiteSettings } from '../../lambdas/db/site-settings.js';
import { resolvePeriod, type ReportOptions } from './options.js';
import { loadReportData, readSiteTimeZone } from './queries.js';
import type { ReportData } from './report-data.js';

export interface ReportOutcome {
  /** Every file written, the HTML report first. */
  readonly files: readonly string[];
  readonly data: ReportData;
  /** Migrations applied to the database on the way (the views arrive with one). */
  readonly appliedMigrations: readonly string[];
  /** Set when `--site-time-zone` changed the database's site time zone: the zone it had before. */
  readonly previousSiteTimeZone?: string;
}

/**
 * Reads the local database, writes the HTML report and, if asked, the CSV tables. With
 * `--site-time-zone` the zone is first written to the database's report_settings (as
 * `npm start -- --site-time-zone` does), so the views' days and the report agree.
 */
export async function runReport(options: ReportOptions): Promise<ReportOutcome> {
  const database = await openReportDatabase(options.dataDir);
  let data: ReportData;
  let previousSiteTimeZone: string | undefined;
  try {
    const before = await readSiteTimeZone(database.db);
    if (options.siteTimeZone !== undefined && (await applySiteSettings(database.db, { siteTimeZone: options.siteTimeZone }))) {
      previousSiteTimeZone = before;
    }
    const period = resolvePeriod(options.period, options.siteTimeZone ?? before);
    data = await loadReportData(database.db, {
      ...period,
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
  return {
    files: [out, ...csvFiles],
    data,
    appliedMigrations: database.appliedMigrations,
    ...(previousSiteTimeZone !== undefined ? { previousSiteTimeZone } : {}),
  };
}
