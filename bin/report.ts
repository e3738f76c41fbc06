/**
 * `npm run report`: an HTML (and CSV) report of the local pipeline's batch store. See `--help`.
 */
import { isAbsolute, relative } from 'node:path';
import { parseReportArguments, REPORT_HELP, ReportUsageError } from '../local/report/options.js';
import { runReport } from '../local/report/run-report.js';

// The local runtime runs on Node.js 20; the AWS SDK's notice about its future Node.js 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseReportArguments(argv);
  } catch (error) {
    if (error instanceof ReportUsageError) {
      console.error(`report: ${error.message}\n\n${REPORT_HELP}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(REPORT_HELP);
    return 0;
  }
  try {
    const outcome = await runReport(options);
    for (const migration of outcome.appliedMigrations) console.log(`applied migration ${migration}`);
    const { data } = outcome;
    if (outcome.previousSiteTimeZone !== undefined) {
      console.log(`site time zone set to ${data.settings.siteTimeZone} in report_settings (it was ${outcome.previousSiteTimeZone})`);
    }
    console.log(
      `report (site time ${data.settings.siteTimeZone}): ${data.instruments.length} instrument(s), ${data.series.size} with data in the period, ` +
        `${data.exceedances.length} status change(s), ${data.spikes.length} unconfirmed spike(s), ${data.corrections.length} late or withdrawn change(s), ` +
        `${data.daily.length} daily row(s), ${data.silent.length} silent`,
    );
    for (const file of outcome.files) console.log(`wrote ${displayPath(file)}`);
    return 0;
  } catch (error) {
    if (error instanceof ReportUsageError) {
      console.error(`report: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** A path relative to the working directory when inside it, else absolute. */
function displayPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : file;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('report failed:', error);
    process.exit(1);
  },
);
