/** One benchmark figure, as written to bench/results.json. */
export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target, e.g. ">= 250000" or "<= 100", when one exists. */
  readonly target?: string;
  /**
   * How many times better than the naive way of doing the same work (above 1 is better):
   * ours / naive for rates, naive / ours for sizes and times.
   */
  readonly baselineRatio?: number;
  /** What the naive way was, for the table. */
  readonly baseline?: string;
}

/** A metric as bench/results.json keeps it (without the table's baseline wording). */
export type StoredMetric = Omit<Metric, 'baseline'>;

/** The stored metrics in their order with re-measured ones replaced in place, then any new ones. */
export function mergeMetrics(stored: readonly StoredMetric[], measured: readonly StoredMetric[]): StoredMetric[] {
  const byName = new Map(measured.map((metric) => [metric.name, metric]));
  const present = new Set(stored.map((metric) => metric.name));
  return [...stored.map((metric) => byName.get(metric.name) ?? metric), ...measured.filter((metric) => !present.has(metric.name))];
}

/** Median of several timed runs, in ms. */
export async function medianMs(runs: number, work: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function meetsTarget(metric: Metric): boolean | undefined {
  if (!metric.target) return undefined;
  const match = /^(>=|<=)\s*([\d.]+)$/.exec(metric.target.trim());
  if (!match) return undefined;
  const bound = Number(match[2]);
  return match[1] === '>=' ? metric.value >= bound : metric.value <= bound;
}
