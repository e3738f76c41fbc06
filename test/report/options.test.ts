import { describe, expect, it } from 'vitest';
import { parseInstant, parseReportArguments, ReportUsageError, resolvePeriod } from '../../local/report/options.js';
import { chooseBucketSeconds } from '../../local/report/series-buckets.js';

/** A period's instants as ISO text, its edges read in `zone`. */
function resolved(from: string, to: string, zone: string): string[] {
  const period = resolvePeriod({ from, to }, zone);
  return [new Date(period.from).toISOString(), new Date(period.to).toISOString()];
}

const base = ['--from', '2024-03-01', '--to', '2024-03-07', '--out', 'report.html'];

function usageError(argv: string[]): ReportUsageError {
  try {
    parseReportArguments(argv);
  } catch (error) {
    if (error instanceof ReportUsageError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('report arguments', () => {
  it('reads a whole-day period with the end date included, and the defaults', () => {
    const options = parseReportArguments(base);
    expect(options).toEqual({ period: { from: '2024-03-01', to: '2024-03-07' }, dataDir: '.data', out: 'report.html' });
    // The days are the site's: in UTC, and in Melbourne (AEDT, UTC+11, in March 2024).
    expect(resolved('2024-03-01', '2024-03-07', 'UTC')).toEqual(['2024-03-01T00:00:00.000Z', '2024-03-08T00:00:00.000Z']);
    expect(resolved('2024-03-01', '2024-03-07', 'Australia/Melbourne')).toEqual(['2024-02-29T13:00:00.000Z', '2024-03-07T13:00:00.000Z']);
  });

  it('reads the period in the site time zone across a clock change: 5 April 2026 in Melbourne is 25 hours', () => {
    expect(resolved('2026-04-05', '2026-04-05', 'Australia/Melbourne')).toEqual(['2026-04-04T13:00:00.000Z', '2026-04-05T14:00:00.000Z']);
    // Wall times without an offset are site time; one with an offset is that instant.
    expect(resolved('2026-04-05T01:30', '2026-04-05T12:00+10:00', 'Australia/Melbourne')).toEqual([
      '2026-04-04T14:30:00.000Z',
      '2026-04-05T02:00:00.000Z',
    ]);
  });

  it('reads every option', () => {
    const argv = [
      '--from',
      '2024-03-01T06:00:00Z',
      '--to',
      '2024-03-01T18:30+10:00',
      '--type',
      'piezometer',
      '--instrument',
      'PZ-01',
      '--data-dir',
      'site-data',
      '--out',
      'out/r.html',
      '--csv',
      'out/csv',
    ];
    expect(parseReportArguments([...argv, '--site-time-zone', 'Australia/Perth'])).toEqual({
      period: { from: '2024-03-01T06:00:00Z', to: '2024-03-01T18:30+10:00' },
      siteTimeZone: 'Australia/Perth',
      type: 'piezometer',
      instrumentId: 'PZ-01',
      dataDir: 'site-data',
      out: 'out/r.html',
      csvDir: 'out/csv',
    });
  });

  it('asks for help', () => {
    expect(parseReportArguments(['--help'])).toBe('help');
    expect(parseReportArguments(['-h'])).toBe('help');
  });

  it.each([
    [['--to', '2024-03-07', '--out', 'r.html'], '--from', /is required/],
    [['--from', '2024-03-01', '--out', 'r.html'], '--to', /is required/],
    [['--from', '2024-03-01', '--to', '2024-03-07'], '--out', /is required/],
    [
      [...base, '--type', 'inclinometer'],
      '--type',
      /unknown instrument type "inclinometer"; known types: water_standpipe, piezometer, settlement_marker, extensometer, strain_gauge/,
    ],
    [
      ['--from', '2024-03-08', '--to', '2024-03-01', '--out', 'r.html'],
      '--from',
      /2024-03-08T00:00:00.000Z is not before --to 2024-03-02T00:00:00.000Z/,
    ],
    [['--from', '2024-03-01T12:00Z', '--to', '2024-03-01T12:00Z', '--out', 'r.html'], '--from', /is not before --to/],
    [['--from', 'yesterday', '--to', '2024-03-07', '--out', 'r.html'], '--from', /cannot read "yesterday" as a date/],
    [['--from', '2024-03-01', '--to', '07/03/2024', '--out', 'r.html'], '--to', /cannot read "07\/03\/2024" as a date/],
    [['--from', '2024-02-30', '--to', '2024-03-07', '--out', 'r.html'], '--from', /"2024-02-30" is not a real date or time/],
    [['--from', '2024-03-01T25:00Z', '--to', '2024-03-07', '--out', 'r.html'], '--from', /not a real date or time/],
    [['--from', '2024-03-01', '--to', '2024-03-07', '--out', 'report.pdf'], '--out', /should name an \.html file/],
    [[...base, '--instrument', '  '], '--instrument', /needs a value/],
    [[...base, '--colour', 'red'], '--colour', /Unknown option '--colour'/],
    [
      [...base, '--site-time-zone', 'Melbourne'],
      '--site-time-zone',
      /must be an IANA time zone name such as Australia\/Melbourne or UTC \(got "Melbourne"\)/,
    ],
    [[...base, 'extra'], 'arguments', /Unexpected argument 'extra'/],
  ])('refuses %j, naming %s', (argv, argument, message) => {
    const error = usageError(argv);
    expect(error.argument).toBe(argument);
    expect(error.message.startsWith(`${argument}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('reads instants in the site zone: a date is a site day, a date-time without offset is site time', () => {
    expect(parseInstant('2024-02-29', '--from', 'start', 'UTC')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseInstant('2024-02-29', '--to', 'end', 'UTC')).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(parseInstant('2024-02-29T23:15', '--to', 'end', 'UTC')).toBe(Date.parse('2024-02-29T23:15:00Z'));
    expect(parseInstant('2024-02-29 23:15:30.250', '--to', 'end', 'UTC')).toBe(Date.parse('2024-02-29T23:15:30.250Z'));
    expect(parseInstant('2024-03-01T09:00:00-0330', '--from', 'start', 'UTC')).toBe(Date.parse('2024-03-01T12:30:00Z'));
    expect(parseInstant('2024-03-01T09:00:00-0330', '--from', 'start', 'Australia/Melbourne')).toBe(Date.parse('2024-03-01T12:30:00Z'));
    // 4 October 2026 in Melbourne: 02:30 is skipped (read at the offset before, +10:00), the day is 23 hours.
    expect(parseInstant('2026-10-04T02:30', '--from', 'start', 'Australia/Melbourne')).toBe(Date.parse('2026-10-03T16:30:00Z'));
    expect(parseInstant('2026-10-04', '--to', 'end', 'Australia/Melbourne')).toBe(Date.parse('2026-10-04T13:00:00Z'));
    // 5 April 2026: 02:30 comes twice, the later (+10:00) is taken, as PostgreSQL does.
    expect(parseInstant('2026-04-05T02:30', '--from', 'start', 'Australia/Melbourne')).toBe(Date.parse('2026-04-04T16:30:00Z'));
  });
});

describe('series buckets', () => {
  it('keeps one window per point while the period is short enough', () => {
    // 1 h of 10 s windows is 360 points: within 400.
    expect(chooseBucketSeconds(3600, 10, 400)).toBe(10);
  });

  it('picks a round bucket of whole windows for longer periods', () => {
    // A day over 400 points wants 216 s: the next round length is 300 s (5 min).
    expect(chooseBucketSeconds(86_400, 10, 400)).toBe(300);
    // A week wants 1512 s: 1800 s (30 min).
    expect(chooseBucketSeconds(7 * 86_400, 10, 400)).toBe(1800);
  });

  it('falls back to whole windows when no round length is a multiple of the window', () => {
    // 7 s windows: 216 s wanted; 217 s is the next whole number of windows.
    expect(chooseBucketSeconds(86_400, 7, 400)).toBe(217);
  });

  it('refuses meaningless input', () => {
    expect(() => chooseBucketSeconds(0, 10)).toThrow(RangeError);
    expect(() => chooseBucketSeconds(3600, 0)).toThrow(RangeError);
  });
});
