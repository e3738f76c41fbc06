import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SITE_TIME_ZONE,
  formatSiteInstant,
  formatUtcOffset,
  formatWallTime,
  instantOfWallTime,
  localDay,
  localDayAt,
  localDayOf,
  localDaysTouched,
  nextDate,
  timeZoneProblem,
  utcOffsetMinutes,
} from '../../lambdas/domain/site-time.js';

const MELBOURNE = 'Australia/Melbourne';
const at = (iso: string) => Date.parse(iso);

/**
 * Melbourne is AEST (UTC+10) in winter and AEDT (UTC+11) in summer. In 2026 daylight saving
 * ends on Sunday 5 April (the first Sunday of April: 1 April is a Wednesday) at 03:00 AEDT =
 * 2026-04-04T16:00Z, when clocks go back to 02:00 AEST; it starts on Sunday 4 October (1
 * October is a Thursday) at 02:00 AEST = 2026-10-03T16:00Z, when clocks go forward to 03:00 AEDT.
 */
describe('site time: Melbourne across the daylight-saving changes of 2026', () => {
  it('defaults to Melbourne', () => {
    expect(DEFAULT_SITE_TIME_ZONE).toBe(MELBOURNE);
  });

  it('puts a reading at 2026-04-04T14:30Z on the local day 2026-04-05 (01:30 AEDT)', () => {
    expect(localDayOf(at('2026-04-04T14:30:00Z'), MELBOURNE)).toBe('2026-04-05');
    expect(formatWallTime(at('2026-04-04T14:30:00Z'), MELBOURNE)).toBe('2026-04-05 01:30:00');
    // The same instant is still 4 April in UTC.
    expect(localDayOf(at('2026-04-04T14:30:00Z'), 'UTC')).toBe('2026-04-04');
  });

  it('makes 2026-04-05 a 25-hour day: from 00:00 AEDT to 00:00 AEST the next day', () => {
    expect(localDay('2026-04-05', MELBOURNE)).toEqual({
      day: '2026-04-05',
      start: at('2026-04-04T13:00:00Z'),
      end: at('2026-04-05T14:00:00Z'),
      hours: 25,
    });
    expect(localDay('2026-04-04', MELBOURNE)).toEqual({
      day: '2026-04-04',
      start: at('2026-04-03T13:00:00Z'),
      end: at('2026-04-04T13:00:00Z'),
      hours: 24,
    });
    expect(localDay('2026-04-06', MELBOURNE).hours).toBe(24);
  });

  it('makes 2026-10-04 a 23-hour day: from 00:00 AEST to 00:00 AEDT the next day', () => {
    expect(localDay('2026-10-04', MELBOURNE)).toEqual({
      day: '2026-10-04',
      start: at('2026-10-03T14:00:00Z'),
      end: at('2026-10-04T13:00:00Z'),
      hours: 23,
    });
    expect(localDay('2026-10-03', MELBOURNE).hours).toBe(24);
  });

  it('cuts days exactly at local midnight, to the millisecond', () => {
    expect(localDayOf(at('2026-04-04T12:59:59.999Z'), MELBOURNE)).toBe('2026-04-04');
    expect(localDayOf(at('2026-04-04T13:00:00.000Z'), MELBOURNE)).toBe('2026-04-05');
    // After the change the day ends at 14:00Z (midnight AEST), an hour later than it began.
    expect(localDayOf(at('2026-04-05T13:59:59.999Z'), MELBOURNE)).toBe('2026-04-05');
    expect(localDayOf(at('2026-04-05T14:00:00.000Z'), MELBOURNE)).toBe('2026-04-06');
    expect(localDayOf(at('2026-10-04T12:59:59.999Z'), MELBOURNE)).toBe('2026-10-04');
    expect(localDayOf(at('2026-10-04T13:00:00.000Z'), MELBOURNE)).toBe('2026-10-05');
  });

  it('changes the offset at the instant the clocks change', () => {
    expect(utcOffsetMinutes(at('2026-04-04T15:59:59Z'), MELBOURNE)).toBe(660);
    expect(utcOffsetMinutes(at('2026-04-04T16:00:00Z'), MELBOURNE)).toBe(600);
    expect(utcOffsetMinutes(at('2026-10-03T15:59:59Z'), MELBOURNE)).toBe(600);
    expect(utcOffsetMinutes(at('2026-10-03T16:00:00Z'), MELBOURNE)).toBe(660);
    // 02:30 happens twice on 5 April: 15:30Z (AEDT) and 16:30Z (AEST).
    expect(formatWallTime(at('2026-04-04T15:30:00Z'), MELBOURNE)).toBe('2026-04-05 02:30:00');
    expect(formatWallTime(at('2026-04-04T16:30:00Z'), MELBOURNE)).toBe('2026-04-05 02:30:00');
    expect([formatUtcOffset(660), formatUtcOffset(600), formatUtcOffset(0), formatUtcOffset(-210)]).toEqual([
      'UTC+11:00',
      'UTC+10:00',
      'UTC',
      'UTC-03:30',
    ]);
  });

  it('writes an instant as ISO 8601 on the site clock with its offset, so the twice-lived 02:30 is told apart', () => {
    expect(formatSiteInstant(at('2026-04-04T15:30:00Z'), MELBOURNE)).toBe('2026-04-05T02:30:00+11:00');
    expect(formatSiteInstant(at('2026-04-04T16:30:00Z'), MELBOURNE)).toBe('2026-04-05T02:30:00+10:00');
    expect(Date.parse(formatSiteInstant(at('2026-04-04T16:30:00Z'), MELBOURNE))).toBe(at('2026-04-04T16:30:00Z'));
    expect(formatSiteInstant(at('2026-01-01T00:00:00Z'), 'UTC')).toBe('2026-01-01T00:00:00Z');
    expect(formatSiteInstant(at('2026-01-01T00:00:00Z'), 'America/St_Johns')).toBe('2025-12-31T20:30:00-03:30');
  });

  it('reads wall times as PostgreSQL does: a repeated time is the later, a skipped one takes the offset before the change', () => {
    const wall = (day: number, month: number, hour: number, minute: number) => ({ year: 2026, month, day, hour, minute, second: 0 });
    expect(instantOfWallTime(wall(5, 4, 2, 30), MELBOURNE)).toBe(at('2026-04-04T16:30:00Z'));
    expect(instantOfWallTime(wall(4, 10, 2, 30), MELBOURNE)).toBe(at('2026-10-03T16:30:00Z'));
    expect(instantOfWallTime(wall(5, 4, 0, 0), MELBOURNE)).toBe(at('2026-04-04T13:00:00Z'));
    expect(instantOfWallTime(wall(6, 4, 9, 15), MELBOURNE)).toBe(at('2026-04-05T23:15:00Z'));
  });

  it('lists the local days a period touches, each with its own length', () => {
    const days = localDaysTouched(at('2026-04-04T20:00:00Z'), at('2026-04-06T01:00:00Z'), MELBOURNE);
    expect(days.map((d) => [d.day, new Date(d.start).toISOString(), d.hours])).toEqual([
      ['2026-04-05', '2026-04-04T13:00:00.000Z', 25],
      ['2026-04-06', '2026-04-05T14:00:00.000Z', 24],
    ]);
    expect(localDaysTouched(at('2026-04-05T14:00:00Z'), at('2026-04-05T14:00:00Z'), MELBOURNE)).toEqual([]);
    expect(localDayAt(at('2026-10-04T12:00:00Z'), MELBOURNE).day).toBe('2026-10-04');
  });
});

describe('site time: other zones', () => {
  it('starts a day on its first local instant where the zone skips midnight (Santiago, 6 September 2026)', () => {
    // Chile goes from 00:00 -04 to 01:00 -03 on the first Sunday on or after 2 September, at 04:00Z.
    expect(localDay('2026-09-06', 'America/Santiago')).toEqual({
      day: '2026-09-06',
      start: at('2026-09-06T04:00:00Z'),
      end: at('2026-09-07T03:00:00Z'),
      hours: 23,
    });
    expect(localDay('2026-09-05', 'America/Santiago').end).toBe(at('2026-09-06T04:00:00Z'));
  });

  it('keeps UTC days as they are', () => {
    expect(localDay('2024-02-29', 'UTC')).toEqual({
      day: '2024-02-29',
      start: at('2024-02-29T00:00:00Z'),
      end: at('2024-03-01T00:00:00Z'),
      hours: 24,
    });
    expect(nextDate('2024-12-31')).toBe('2025-01-01');
  });

  it('accepts IANA names as written and UTC, and refuses anything else naming the value', () => {
    expect(timeZoneProblem(MELBOURNE)).toBeUndefined();
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('Australia/Perth')).toBeUndefined();
    // An alias the runtime reads under another canonical name (ICU calls it Asia/Calcutta) is still a database name.
    expect(timeZoneProblem('Asia/Kolkata')).toBeUndefined();
    expect(timeZoneProblem('asia/kolkata')).toMatch(/^must be an IANA time zone name/);
    expect(timeZoneProblem('Mars/Olympus_Mons')).toBe('must be an IANA time zone name such as Australia/Melbourne or UTC');
    expect(timeZoneProblem('australia/melbourne')).toBe(
      'must be an IANA time zone name such as Australia/Melbourne or UTC (did you mean Australia/Melbourne?)',
    );
    expect(timeZoneProblem('')).toBe('must be an IANA time zone name such as Australia/Melbourne or UTC');
    expect(() => localDay('2026-04-05', 'Mars/Olympus_Mons')).toThrow(
      'site time zone must be an IANA time zone name such as Australia/Melbourne or UTC (got "Mars/Olympus_Mons")',
    );
    expect(() => localDay('2026-02-30', MELBOURNE)).toThrow(/not a real date: 2026-02-30/);
  });
});
