import { levelsInValueTerms, type TriggerRule } from '../../../../lambdas/domain/trigger-rules.js';
import type { AbsoluteLevel } from '../../../../local/report/levels.js';
import { chooseBucketSeconds } from '../../../../local/report/series-buckets.js';
import type { BaselineEntry, WindowAggregate } from './api/types.js';
import type { BaselineSegment, ChartPoint, LevelSegment } from './components/time-chart.js';

/**
 * From the read API's windows and registry entry to what the instrument's charts draw:
 * points (bucketed when there are more than a chart can show), the baseline in force over
 * time, and the rule's levels in the instrument's own terms for each baseline period.
 */

const LEVEL_NAMES = ['alert', 'alarm', 'action'] as const;

/** Most points a chart draws; above it windows are averaged into buckets of a round length. */
export const MAX_CHART_POINTS = 600;

/**
 * Window means as chart points. Up to {@link MAX_CHART_POINTS} windows each are a point
 * (shaded from their lowest to highest reading); more are averaged into buckets (the
 * report's bucket rule), each point the exact mean of its readings and shaded over the
 * range of its window means.
 */
export function meanPoints(windows: readonly WindowAggregate[], from: number, to: number, windowSeconds: number): ChartPoint[] {
  if (windows.length <= MAX_CHART_POINTS)
    return windows.map((w) => ({ t: Date.parse(w.windowStart), value: w.mean, low: w.min, high: w.max }));
  const points = windows.map((w) => ({ t: Date.parse(w.windowStart), value: w.mean, count: w.count }));
  return bucket(points, from, to, windowSeconds);
}

/** Rates of change (unit per day) of the judged windows that have one. */
export function ratePoints(windows: readonly WindowAggregate[], from: number, to: number, windowSeconds: number): ChartPoint[] {
  const points = windows
    .filter((w) => w.ratePerDay !== null)
    .map((w) => ({ t: Date.parse(w.windowStart), value: w.ratePerDay!, count: 1 }));
  if (points.length <= MAX_CHART_POINTS) return points.map(({ t, value }) => ({ t, value, low: value, high: value }));
  return bucket(points, from, to, windowSeconds);
}

interface Weighted {
  readonly t: number;
  readonly value: number;
  readonly count: number;
}

function bucket(points: readonly Weighted[], from: number, to: number, windowSeconds: number): ChartPoint[] {
  const bucketMs = chooseBucketSeconds((to - from) / 1000, windowSeconds, MAX_CHART_POINTS) * 1000;
  const buckets = new Map<number, { sum: number; count: number; low: number; high: number }>();
  for (const p of points) {
    const start = from + Math.floor((p.t - from) / bucketMs) * bucketMs;
    const b = buckets.get(start) ?? { sum: 0, count: 0, low: Infinity, high: -Infinity };
    b.sum += p.value * p.count;
    b.count += p.count;
    b.low = Math.min(b.low, p.value);
    b.high = Math.max(b.high, p.value);
    buckets.set(start, b);
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([t, b]) => ({ t, value: b.sum / b.count, low: b.low, high: b.high }));
}

/** The baselines in force over `from`..`to`, each from its effective time to the next one's. */
export function baselineSegments(
  baselines: readonly BaselineEntry[],
  from: number,
  to: number,
  label: (b: BaselineEntry) => string,
): BaselineSegment[] {
  const ordered = [...baselines].sort((a, b) => Date.parse(a.effectiveFrom) - Date.parse(b.effectiveFrom));
  const segments: BaselineSegment[] = [];
  ordered.forEach((b, i) => {
    const start = Math.max(from, Date.parse(b.effectiveFrom));
    const end = Math.min(to, i + 1 < ordered.length ? Date.parse(ordered[i + 1]!.effectiveFrom) : to);
    if (end > start) segments.push({ from: start, to: end, value: b.value, label: label(b) });
  });
  return segments;
}

/**
 * The rule's level bands in value terms over time: an absolute band's levels over the
 * whole period, a change band's at each baseline plus its levels, over that baseline's period.
 */
export function levelSegments(rule: TriggerRule, baselines: readonly BaselineSegment[], from: number, to: number): LevelSegment[] {
  const segments: LevelSegment[] = [];
  for (const band of rule.bands) {
    const periods = band.quantity === 'absolute' ? [{ from, to, value: null as number | null }] : baselines;
    for (const period of periods) {
      const values = levelsInValueTerms(band, period.value);
      if (!values) continue;
      for (const name of LEVEL_NAMES)
        segments.push({ name, direction: band.direction, value: values[name], from: period.from, to: period.to });
    }
  }
  return segments;
}

/** The rate bands' levels (unit per day) over the whole period. */
export function rateLevelSegments(rule: TriggerRule, from: number, to: number): LevelSegment[] {
  return rule.rateBands.flatMap((band) =>
    LEVEL_NAMES.map((name): LevelSegment => ({ name, direction: band.direction, value: band.levels[name], from, to })),
  );
}

export type { AbsoluteLevel };
