import { describe, expect, it } from 'vitest';
import { parseInstant, parseReportArguments, ReportUsageError } from '../../local/report/options.js';
import { chooseBucketSeconds } from '../../local/report/series-buckets.js';

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
    expect(parseReportArguments(base)).toEqual({
      from: Date.parse('2024-03-01T00:00:00Z'),
      to: Date.parse('2024-03-08T00:00:00Z'),
      dataDir: '.data',
      out: 'report.html',
    });
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
    expect(parseReportArguments(argv)).toEqual({
      from: Date.parse('2024-03-01T06:00:00Z'),
      to: Date.parse('2024-03-01T08:30:00Z'),
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
    [[...base, 'extra'], 'arguments', /Unexpected argument 'extra'/],
  ])('refuses %j, naming %s', (argv, argument, message) => {
    const error = usageError(argv);
    expect(error.argument).toBe(argument);
    expect(error.message.startsWith(`${argument}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('reads instants: a date is a UTC day, a date-time without offset is UTC', () => {
    expect(parseInstant('2024-02-29', '--from', 'start')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseInstant('2024-02-29', '--to', 'end')).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(parseInstant('2024-02-29T23:15', '--to', 'end')).toBe(Date.parse('2024-02-29T23:15:00Z'));
    expect(parseInstant('2024-02-29 23:15:30.250', '--to', 'end')).toBe(Date.parse('2024-02-29T23:15:30.250Z'));
    expect(parseInstant('2024-03-01T09:00:00-0330', '--from', 'start')).toBe(Date.parse('2024-03-01T12:30:00Z'));
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
