/**
 * ISO-8601 instants as the source API writes them: date, `T`, time, optional fraction
 * of a second (any number of digits; kept to the millisecond), and a `Z` or numeric
 * offset. A missing offset means UTC, the timezone every envelope declares.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds of an ISO-8601 instant, or null if the text is not one. */
export function parseIsoInstant(text: string): number | null {
  const match = ISO_INSTANT.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms);
  if (!calendarFieldsHold(local, Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second))) {
    return null;
  }
  return local - offsetMinutes(offset) * 60_000;
}

function calendarFieldsHold(epoch: number, ...[y, mo, d, h, mi, s]: number[]): boolean {
  const date = new Date(epoch);
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() + 1 === mo &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}
