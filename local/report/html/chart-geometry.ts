import { instantOfWallTime, localDaysTouched, wallTimeAt } from '../../../lambdas/domain/site-time.js';
import type { AbsoluteLevel } from '../levels.js';

/**
 * The scales of a time-series chart of an instrument, shared by the HTML report's charts
 * and the site console's: the value axis around the data and the trigger levels, the
 * status zones between levels, and a time axis on the site's clocks. Pure functions; no markup.
 */

type LevelName = AbsoluteLevel['name'];

/**
 * The data's range (`dataLow`..`dataHigh`), widened to the baseline, the first level of each
 * band, and each further level once the data reach the one before it, with 5 % to spare;
 * `[0, 1]` when there are no data.
 */
export function valueDomainAround(
  dataLow: number,
  dataHigh: number,
  baseline: number | null,
  levels: readonly Pick<AbsoluteLevel, 'direction' | 'value'>[],
): [number, number] {
  if (!(dataLow <= dataHigh)) return [0, 1];
  let low = dataLow;
  let high = dataHigh;
  const include = (value: number) => {
    low = Math.min(low, value);
    high = Math.max(high, value);
  };
  if (baseline !== null) include(baseline);
  for (const direction of ['rise', 'fall'] as const) {
    const band = levels.filter((l) => l.direction === direction);
    // The first level always; each further one once the data reach the level before it.
    band.forEach((level, i) => {
      const previous = band[i - 1];
      if (!previous || (direction === 'rise' ? dataHigh >= previous.value : dataLow <= previous.value)) include(level.value);
    });
  }
  const span = high - low;
  const pad = span > 0 ? span * 0.05 : Math.max(Math.abs(high) * 0.01, 1);
  return [low - pad, high + pad];
}

/**
 * The zone from each level to the next (the last one open-ended), coloured by the status
 * it means: above a rise band's levels, below a fall band's; clipped to the axis.
 */
export function levelZones(
  levels: readonly AbsoluteLevel[],
  low: number,
  high: number,
): Array<{ status: LevelName; from: number; to: number }> {
  const zones: Array<{ status: LevelName; from: number; to: number }> = [];
  for (const direction of ['rise', 'fall'] as const) {
    const band = levels.filter((l) => l.direction === direction);
    band.forEach((level, i) => {
      const next = band[i + 1]?.value ?? (direction === 'rise' ? Infinity : -Infinity);
      zones.push({ status: level.name, from: Math.min(level.value, next), to: Math.max(level.value, next) });
    });
  }
  return zones.map((z) => ({ status: z.status, from: Math.max(low, z.from), to: Math.min(high, z.to) })).filter((z) => z.to > z.from);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `02 Mar` at the zone's midnight, else `HH:MM`, or `HH:MM:SS` off the minute, on the clocks of `zone`. */
export function timeTickLabel(tick: Date, zone: string): string {
  const wall = wallTimeAt(tick.getTime(), zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (wall.hour === 0 && wall.minute === 0 && wall.second === 0) return `${pad(wall.day)} ${MONTHS[wall.month - 1]}`;
  const time = `${pad(wall.hour)}:${pad(wall.minute)}`;
  return wall.second === 0 ? time : `${time}:${pad(wall.second)}`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The time axis' ticks on the clocks of `zone`: d3 picks the step for UTC; steps of an hour
 * or more are laid again on the zone's whole hours and midnights (so a day's tick is the
 * site's midnight, also on a 23- or 25-hour day). Shorter steps keep d3's ticks.
 */
export function siteTimeTicks(utcTicks: readonly Date[], from: number, to: number, zone: string): Date[] {
  const step = utcTicks.length >= 2 ? utcTicks[1]!.getTime() - utcTicks[0]!.getTime() : 0;
  if (zone === 'UTC' || step < HOUR_MS) return [...utcTicks];
  const days = localDaysTouched(from, to + 1, zone);
  const ticks: number[] = [];
  if (step >= DAY_MS) {
    const everyDays = Math.max(1, Math.round(step / DAY_MS));
    days.forEach((day, i) => {
      if (i % everyDays === 0) ticks.push(day.start);
    });
  } else {
    const everyHours = Math.max(1, Math.round(step / HOUR_MS));
    for (const day of days) {
      const [year, month, date] = day.day.split('-').map(Number) as [number, number, number];
      for (let hour = 0; hour < 24; hour += everyHours) {
        const at = hour === 0 ? day.start : instantOfWallTime({ year, month, day: date, hour, minute: 0, second: 0 }, zone);
        if (at >= day.start && at < day.end) ticks.push(at);
      }
    }
  }
  return [...new Set(ticks)].filter((t) => t >= from && t <= to).map((t) => new Date(t));
}
