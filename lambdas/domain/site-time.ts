/**
 * The site's time zone and its days.
 *
 * Readings are stored with UTC instants; reports cut them into the site's local days
 * (`siteTimeZone`, an IANA name such as `Australia/Melbourne`). A local day runs from one
 * local midnight to the next, so it lasts 24 hours except on the days a daylight-saving
 * change falls on: in Melbourne the first Sunday of April (03:00 AEDT becomes 02:00 AEST)
 * lasts 25 hours and the first Sunday of October (02:00 AEST becomes 03:00 AEDT) lasts 23.
 * Where a zone skips midnight itself, the day starts at its first local instant.
 *
 * The same rule is in the report views (migration 0003_site_time_zone.sql); the tests
 * hold the two to the same answers.
 */

/** The site time zone when none is configured. */
export const DEFAULT_SITE_TIME_ZONE = 'Australia/Melbourne';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

let supportedZones: ReadonlySet<string> | undefined;

/** The IANA zone names this runtime knows, as `Intl.supportedValuesOf` lists them, and `UTC`. */
function knownZones(): ReadonlySet<string> {
  supportedZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return supportedZones;
}

/**
 * Why `name` is not a usable site time zone, or undefined when it is (the caller names the
 * setting and the value): a name of the IANA time zone database that the runtime's `Intl`
 * knows (`Intl.supportedValuesOf('timeZone')`, or an alias `Intl.DateTimeFormat` reads,
 * such as `Asia/Kolkata`), or `UTC`, spelled as the database spells it: PostgreSQL matches
 * the names of `pg_timezone_names` exactly, so `australia/melbourne` is refused with the
 * name it means.
 */
export function timeZoneProblem(name: string): string | undefined {
  if (knownZones().has(name)) return undefined;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  const caseVariant =
    [...knownZones()].find((zone) => zone.toLowerCase() === name.toLowerCase()) ??
    (resolved !== undefined && resolved.toLowerCase() === name.toLowerCase() ? resolved : undefined);
  const spelledAsTheDatabase = name.split('/').every((segment) => /^[A-Z]/.test(segment));
  if (resolved !== undefined && caseVariant === undefined && spelledAsTheDatabase) return undefined;
  const hint = caseVariant ? ` (did you mean ${caseVariant}?)` : '';
  return `must be an IANA time zone name such as ${DEFAULT_SITE_TIME_ZONE} or UTC${hint}`;
}

/** Throws a RangeError naming the zone when {@link timeZoneProblem} finds one. */
export function assertTimeZone(name: string): void {
  const problem = timeZoneProblem(name);
  if (problem) throw new RangeError(`site time zone ${problem} (got ${JSON.stringify(name)})`);
}

/** A local date and time of day, as a wall clock in the zone shows it. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    assertTimeZone(zone);
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formats.set(zone, format);
  }
  return format;
}

/** The wall time in `zone` at the instant `epochMs`. */
export function wallTimeAt(epochMs: number, zone: string): WallTime {
  if (!Number.isFinite(epochMs)) throw new RangeError(`not an instant: ${epochMs}`);
  const parts: Record<string, string> = {};
  for (const part of formatFor(zone).formatToParts(epochMs)) parts[part.type] = part.value;
  const yearOfEra = Number(parts.year);
  return {
    year: parts.era === 'BC' || parts.era === 'B' ? 1 - yearOfEra : yearOfEra,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((epochMs % 1000) + 1000) % 1000,
  };
}

/** The zone's offset from UTC at `epochMs`, in minutes (+600 for AEST, +660 for AEDT). */
export function utcOffsetMinutes(epochMs: number, zone: string): number {
  const wall = wallTimeAt(epochMs, zone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  return Math.round((wallAsUtc - epochMs) / 60_000);
}

/** The local day (`YYYY-MM-DD`) in `zone` of the instant `epochMs`. */
export function localDayOf(epochMs: number, zone: string): string {
  const wall = wallTimeAt(epochMs, zone);
  return isoDate(wall.year, wall.month, wall.day);
}

/** One local day of the site: its date and the UTC instants it starts and ends at (end exclusive). */
export interface LocalDay {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  /** Epoch ms of the day's first instant. */
  readonly start: number;
  /** Epoch ms of the next day's first instant. */
  readonly end: number;
  /** `end - start` in hours: 24, or 23 / 25 on a daylight-saving change. */
  readonly hours: number;
}

/** The local day `day` (`YYYY-MM-DD`) in `zone`. */
export function localDay(day: string, zone: string): LocalDay {
  const start = localDayStart(day, zone);
  const end = localDayStart(nextDate(day), zone);
  return { day, start, end, hours: (end - start) / HOUR_MS };
}

/** The local day in `zone` that holds the instant `epochMs`. */
export function localDayAt(epochMs: number, zone: string): LocalDay {
  return localDay(localDayOf(epochMs, zone), zone);
}

/** Every local day in `zone` that the period `[from, to)` touches, in order. */
export function localDaysTouched(from: number, to: number, zone: string): LocalDay[] {
  if (!(from < to)) return [];
  const days: LocalDay[] = [];
  let day = localDayAt(from, zone);
  while (day.start < to) {
    days.push(day);
    day = localDay(nextDate(day.day), zone);
  }
  return days;
}

/**
 * The first instant of the local day `day` in `zone`: local midnight, or, where the zone
 * skips midnight, the first local instant of that date.
 */
export function localDayStart(day: string, zone: string): number {
  const match = LOCAL_DATE.exec(day);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const [year, month, date] = match.slice(1).map(Number) as [number, number, number];
  const midnight = Date.UTC(year, month - 1, date);
  if (isoDate(...utcDateParts(midnight)) !== day) throw new RangeError(`not a real date: ${day}`);
  // No zone is more than 14 h from UTC: the day starts within 15 h of midnight UTC.
  // The local date only moves forward with time, so the start is found by bisection.
  let low = midnight - 15 * HOUR_MS;
  let high = midnight + 15 * HOUR_MS;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (localDayOf(mid, zone) >= day) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The instant of a local wall time in `zone`. A wall time the zone skips (the hour lost
 * when clocks go forward) is read with the offset before the change, and a wall time it
 * shows twice (the hour repeated when clocks go back) is the later of the two, as
 * PostgreSQL reads `timestamp AT TIME ZONE`.
 */
export function instantOfWallTime(wall: Omit<WallTime, 'millisecond'> & { readonly millisecond?: number }, zone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond ?? 0);
  const before = utcOffsetMinutes(asUtc - DAY_MS / 2, zone);
  const after = utcOffsetMinutes(asUtc + DAY_MS / 2, zone);
  const withAfter = asUtc - after * 60_000;
  const withBefore = asUtc - before * 60_000;
  const matches = (candidate: number) => {
    const back = wallTimeAt(candidate, zone);
    return Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute, back.second, back.millisecond) === asUtc;
  };
  if (matches(withAfter)) return withAfter;
  if (matches(withBefore)) return withBefore;
  return withBefore;
}

/** An instant as `YYYY-MM-DD HH:MM:SS` on the wall clock of `zone`. */
export function formatWallTime(epochMs: number, zone: string): string {
  const w = wallTimeAt(epochMs, zone);
  return `${isoDate(w.year, w.month, w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/**
 * An instant as ISO 8601 on the wall clock of `zone`, with the zone's offset then:
 * `2026-11-22T19:30:40+11:00` (`Z` where the offset is zero). The same instant as
 * `toISOString()`, read as the site reads it.
 */
export function formatSiteInstant(epochMs: number, zone: string): string {
  const w = wallTimeAt(epochMs, zone);
  const offset = utcOffsetMinutes(epochMs, zone);
  const abs = Math.abs(offset);
  const suffix = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${isoDate(w.year, w.month, w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${suffix}`;
}

/** A UTC offset in minutes as `UTC+10:00`, `UTC-03:30`, `UTC`. */
export function formatUtcOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The date after `day` (`YYYY-MM-DD`). */
export function nextDate(day: string): string {
  const match = LOCAL_DATE.exec(day);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const [year, month, date] = match.slice(1).map(Number) as [number, number, number];
  return isoDate(...utcDateParts(Date.UTC(year, month - 1, date + 1)));
}

function utcDateParts(epochMs: number): [number, number, number] {
  const d = new Date(epochMs);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
