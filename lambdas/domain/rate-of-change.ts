/**
 * The rate of change of an instrument's window means over a trailing period, in unit per
 * day, from a bounded set of samples carried from window to window.
 *
 * A window's mean is kept as a sample when it is at least 1/48 of the period after the
 * last one kept, and samples older than the period are dropped, so at most 49 are held.
 * The rate at a window is its mean minus the mean of the oldest sample still inside the
 * period, over the time between their starts. It is not judged (null) until the samples
 * cover at least half the period, so a short history cannot pass noise off as a rate.
 *
 * Worked example (period 24 h): samples at 00:00 (-2.0 mm) … 20:00; a window at 20:00
 * with mean -4.5 mm, oldest sample inside the period 00:00 at -2.0 mm: the rate is
 * (-4.5 - -2.0) / (20 / 24) = -3 mm/day.
 */

export type RateSample = readonly [windowStart: number, mean: number];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Samples are kept at least this fraction of the period apart. */
const SAMPLE_SPACING = 1 / 48;
/** Fraction of the period the samples must cover before a rate is judged. */
const MINIMUM_COVERAGE = 1 / 2;

export interface RateStep {
  readonly samples: readonly RateSample[];
  /** Unit per day, or null while the history is shorter than half the period. */
  readonly rate: number | null;
}

/** Advances the samples by one window and gives the rate at it. */
export function advanceRate(samples: readonly RateSample[], windowStart: number, mean: number, periodHours: number): RateStep {
  const periodMs = periodHours * HOUR_MS;
  const inside = samples.filter(([t]) => t >= windowStart - periodMs && t < windowStart);
  const oldest = inside[0];
  const rate =
    oldest && windowStart - oldest[0] >= periodMs * MINIMUM_COVERAGE ? ((mean - oldest[1]) * DAY_MS) / (windowStart - oldest[0]) : null;
  const last = inside[inside.length - 1];
  const kept = !last || windowStart - last[0] >= periodMs * SAMPLE_SPACING ? [...inside, [windowStart, mean] as const] : inside;
  return { samples: kept, rate };
}
