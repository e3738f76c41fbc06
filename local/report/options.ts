import { parseArgs } from 'node:util';
import { INSTRUMENT_TYPES, isInstrumentType, type InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { DEFAULT_SITE_TIME_ZONE, instantOfWallTime, localDayStart, nextDate, timeZoneProblem } from '../../lambdas/domain/site-time.js';

/**
 * The period as given, checked: `--from` and `--to` are read in the site's time zone, which
 * may come from the database, so they become instants with {@link resolvePeriod}.
 */
export interface PeriodArguments {
  readonly from: string;
  readonly to: string;
}

/** What `npm run report` was asked for, validated. */
export interface ReportOptions {
  readonly period: PeriodArguments;
  /** The site's IANA time zone, written to the database's report_settings; unset: the zone the database has. */
  readonly siteTimeZone?: string;
  /** Only instruments of this type. */
  readonly type?: InstrumentType;
  /** Only this instrument. */
  readonly instrumentId?: string;
  /** The data directory of `npm start`; the database is its `postgres` folder. */
  readonly dataDir: string;
  /** The HTML file to write. */
  readonly out: string;
  /** A directory to write the report's tables to as CSV files. */
  readonly csvDir?: string;
}

// Shaped like EnvelopeError (lambdas/domain/source-api.ts) on purpose: an error whose message leads with what is at fault.
/** A bad command line: the message names the argument at fault. */
export class ReportUsageError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
    this.name = 'ReportUsageError';
  }
}

export const DEFAULT_DATA_DIR = '.data';

export const REPORT_HELP = `usage: npm run report -- --from <date> --to <date> --out <file.html> [options]

Writes a self-contained HTML report of the local pipeline's batch store (the database
that \`npm start\` keeps in its data directory): time series of window means per
instrument type with the trigger levels, a plan view of the instruments coloured by
status, the trigger exceedance log, the daily summary with data completeness, and
the instruments that went silent. Stop \`npm start\` first: the embedded database
admits one process at a time.

Days and times are the site's: its time zone is report_settings.site_time_zone, which
\`npm start\` sets (default ${DEFAULT_SITE_TIME_ZONE}).

options:
  --from <date>        start of the period: YYYY-MM-DD (start of that site day) or an
                       ISO 8601 date-time (site time unless it gives an offset)
  --to <date>          end of the period: YYYY-MM-DD (end of that site day, inclusive) or
                       an ISO 8601 date-time (exclusive)
  --site-time-zone <IANA>
                       the site's time zone: written to the database's report_settings
                       and used for this report (default: the zone the database has)
  --out <file.html>    the HTML report to write
  --csv <dir>          also write the report's tables as CSV files into this directory
  --type <type>        only instruments of this type: ${INSTRUMENT_TYPES.join(', ')}
  --instrument <id>    only this instrument
  --data-dir <dir>     the data directory of npm start (default ${DEFAULT_DATA_DIR})
  -h, --help           this text`;

/** Parses and validates the command line; `'help'` when help was asked for. */
export function parseReportArguments(argv: readonly string[]): ReportOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        type: { type: 'string' },
        instrument: { type: 'string' },
        'data-dir': { type: 'string' },
        out: { type: 'string' },
        csv: { type: 'string' },
        'site-time-zone': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const message = (error as Error).message;
    const argument = /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? 'arguments';
    throw new ReportUsageError(argument, message);
  }
  if (values.help) return 'help';

  const text = (name: string): string | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new ReportUsageError(`--${name}`, 'needs a value');
    return value.trim();
  };
  const required = (name: string, what: string): string => {
    const value = text(name);
    if (value === undefined) throw new ReportUsageError(`--${name}`, `is required (${what})`);
    return value;
  };

  const siteTimeZone = text('site-time-zone');
  const problem = siteTimeZone === undefined ? undefined : timeZoneProblem(siteTimeZone);
  if (problem) throw new ReportUsageError('--site-time-zone', `${problem} (got "${siteTimeZone}")`);
  const period = {
    from: required('from', 'the start of the period, e.g. 2024-03-01'),
    to: required('to', 'the end of the period, e.g. 2024-03-07'),
  };
  // Checked now in the given zone, or in UTC until the database says which: the order of two
  // wall times is the order of their instants except within an hour repeated by a clock change.
  resolvePeriod(period, siteTimeZone ?? 'UTC');
  const type = text('type');
  if (type !== undefined && !isInstrumentType(type)) {
    throw new ReportUsageError('--type', `unknown instrument type "${type}"; known types: ${INSTRUMENT_TYPES.join(', ')}`);
  }
  const out = required('out', 'the HTML file to write, e.g. report.html');
  if (!/\.html?$/i.test(out)) throw new ReportUsageError('--out', `"${out}" should name an .html file`);
  const instrumentId = text('instrument');
  const csvDir = text('csv');
  return {
    period,
    ...(siteTimeZone !== undefined ? { siteTimeZone } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(instrumentId !== undefined ? { instrumentId } : {}),
    dataDir: text('data-dir') ?? DEFAULT_DATA_DIR,
    out,
    ...(csvDir !== undefined ? { csvDir } : {}),
  };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** The period's instants, epoch ms (`to` exclusive), reading its edges in `zone`; refuses a period that does not move forward. */
export function resolvePeriod(period: PeriodArguments, zone: string): { from: number; to: number } {
  const from = parseInstant(period.from, '--from', 'start', zone);
  const to = parseInstant(period.to, '--to', 'end', zone);
  if (from >= to) {
    throw new ReportUsageError('--from', `${new Date(from).toISOString()} is not before --to ${new Date(to).toISOString()}`);
  }
  return { from, to };
}

/**
 * An instant from a date or an ISO 8601 date-time. A date alone is a day of the site's
 * time zone `zone`: its start for the start of a period, the start of the next day for the
 * end (so a period's end date is included). A date-time without an offset is a wall time
 * in `zone` (one the clocks skip takes the offset before the change, one they show twice
 * is the later, as PostgreSQL reads them).
 */
export function parseInstant(value: string, argument: string, edge: 'start' | 'end', zone: string): number {
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = dateOnly.slice(1).map(Number) as [number, number, number];
    validDate(year, month, day, 0, 0, 0, value, argument);
    return localDayStart(edge === 'start' ? value : nextDate(value), zone);
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [year, month, day, hour, minute, second] = dateTime.slice(1, 7).map((part) => Number(part ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const millisecond = dateTime[7] ? Math.round(Number(dateTime[7]) * 1000) : 0;
    const utc = validDate(year, month, day, hour, minute, second, value, argument) + millisecond;
    if (dateTime[8] === undefined) return instantOfWallTime({ year, month, day, hour, minute, second, millisecond }, zone);
    return utc - offsetMinutes(dateTime[8]) * 60_000;
  }
  throw new ReportUsageError(
    argument,
    `cannot read "${value}" as a date: use YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-01T06:00:00Z`,
  );
}

function validDate(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  value: string,
  argument: string,
): number {
  const epoch = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(epoch);
  const exists =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  if (!exists) throw new ReportUsageError(argument, `"${value}" is not a real date or time`);
  return epoch;
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}
