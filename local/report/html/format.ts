import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../../../lambdas/domain/instrument-types.js';
import {
  formatUtcOffset,
  formatWallTime,
  localDayOf,
  localDaysTouched,
  localDayStart,
  nextDate,
  utcOffsetMinutes,
} from '../../../lambdas/domain/site-time.js';
import type { TriggerStatus } from '../../../lambdas/domain/trigger-levels.js';
import { escapeHtml } from './escape.js';

/** Decimal places a value of each type is shown with: a resolution engineers read these instruments to. */
const DECIMALS: Readonly<Record<InstrumentType, number>> = {
  water_standpipe: 3,
  piezometer: 2,
  settlement_marker: 2,
  extensometer: 2,
  strain_gauge: 1,
};

const numberFormats = new Map<number, Intl.NumberFormat>();

/** A number with a fixed count of decimals and thousands separators, e.g. `5,812,000.0`. */
export function formatNumber(value: number, decimals: number): string {
  let format = numberFormats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    numberFormats.set(decimals, format);
  }
  // Rounding can leave a negative zero, which Intl prints as "-0.00".
  const text = format.format(value);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

/** A value in its type's unit, at the type's resolution; an em dash when absent. */
export function formatValue(type: InstrumentType, value: number | null): string {
  return value === null ? '—' : formatNumber(value, DECIMALS[type]);
}

/** A fraction as a percentage with one decimal, e.g. `50.0 %`; an em dash when absent. */
export function formatPercent(fraction: number | null): string {
  return fraction === null ? '—' : `${formatNumber(fraction * 100, 1)} %`;
}

/** An instant on the clocks of `zone` (default UTC) as `YYYY-MM-DD HH:MM:SS`; an em dash when absent. */
export function formatTime(epochMs: number | null, zone = 'UTC'): string {
  return epochMs === null ? '—' : formatWallTime(epochMs, zone);
}

/**
 * An instant as a `<time>` element: the wall time in `zone`, with the UTC instant as its
 * `datetime` and tooltip (which tells the two 02:30s of a clock change apart); an em dash when absent.
 */
export function timeElement(epochMs: number | null, zone: string): string {
  if (epochMs === null) return '—';
  const utc = new Date(epochMs).toISOString().replace(/\.000Z$/, 'Z');
  const offset = formatUtcOffset(utcOffsetMinutes(epochMs, zone));
  return `<time datetime="${utc}" title="${escapeHtml(`${utc} (${offset})`)}">${escapeHtml(formatWallTime(epochMs, zone))}</time>`;
}

/**
 * A period in `zone`: whole site days as their dates, the end date included
 * (`2024-03-01 to 2024-03-07 (Australia/Melbourne)`), otherwise as wall times to the minute
 * (`2024-03-01 06:00 to 2024-03-01 18:00 Australia/Melbourne`).
 */
export function formatPeriod(from: number, to: number, zone = 'UTC'): string {
  const first = localDayOf(from, zone);
  const last = localDayOf(to - 1, zone);
  if (from === localDayStart(first, zone) && to === localDayStart(nextDate(last), zone)) {
    return first === last ? `${first} (${zone})` : `${first} to ${last} (${zone})`;
  }
  return `${formatTime(from, zone).slice(0, 16)} to ${formatTime(to, zone).slice(0, 16)} ${zone}`;
}

/** The zone with the offsets its clocks keep over a period, e.g. `Australia/Melbourne (UTC+11:00, then UTC+10:00)`. */
export function zoneLabel(zone: string, from: number, to: number): string {
  if (zone === 'UTC') return 'UTC';
  const instants = [...localDaysTouched(from, to, zone).map((day) => Math.max(from, day.start)), to - 1];
  const offsets: string[] = [];
  for (const t of instants) {
    const offset = formatUtcOffset(utcOffsetMinutes(t, zone));
    if (offsets.at(-1) !== offset) offsets.push(offset);
  }
  return `${zone} (${offsets.join(', then ')})`;
}

/** A duration in words of at most two units, e.g. `45 s`, `2 min 30 s`, `3 h 05 min`, `2 d 4 h`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60);
    return minutes === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${String(minutes).padStart(2, '0')} min`;
  }
  const hours = Math.floor((s % 86_400) / 3600);
  return hours === 0 ? `${Math.floor(s / 86_400)} d` : `${Math.floor(s / 86_400)} d ${hours} h`;
}

/** `Water standpipe`, `Strain gauge`… */
export function typeLabel(type: InstrumentType): string {
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `Water standpipes`, `Strain gauges`… */
export function typePluralLabel(type: InstrumentType): string {
  return `${typeLabel(type)}s`;
}

/** `pore water pressure, kPa` */
export function quantityLabel(type: InstrumentType): string {
  const spec = INSTRUMENT_TYPE_SPECS[type];
  return `${spec.measures}, ${spec.unit}`;
}

export const STATUS_LABELS: Readonly<Record<TriggerStatus | 'unevaluated', string>> = {
  normal: 'Normal',
  alert: 'Alert',
  alarm: 'Alarm',
  action: 'Action',
  unevaluated: 'Not evaluated',
};

/** The label of a status, or of none yet. */
export function statusLabel(status: TriggerStatus | null): string {
  return STATUS_LABELS[status ?? 'unevaluated'];
}
