import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../../../lambdas/domain/instrument-types.js';
import type { TriggerStatus } from '../../../lambdas/domain/trigger-levels.js';

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

/** An instant in UTC as `YYYY-MM-DD HH:MM:SS`; an em dash when absent. */
export function formatTime(epochMs: number | null): string {
  return epochMs === null ? '—' : new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

const DAY_MS = 86_400_000;

/**
 * A period: whole UTC days as their dates, the end date included (`2024-03-01 to
 * 2024-03-07 (UTC)`), otherwise as instants to the minute (`2024-03-01 06:00 to
 * 2024-03-01 18:00 UTC`).
 */
export function formatPeriod(from: number, to: number): string {
  if (from % DAY_MS === 0 && to % DAY_MS === 0) {
    const first = formatTime(from).slice(0, 10);
    const last = formatTime(to - DAY_MS).slice(0, 10);
    return first === last ? `${first} (UTC)` : `${first} to ${last} (UTC)`;
  }
  return `${formatTime(from).slice(0, 16)} to ${formatTime(to).slice(0, 16)} UTC`;
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
