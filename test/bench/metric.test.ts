import { describe, expect, it } from 'vitest';
import { mergeMetrics, type StoredMetric } from '../../bench/metric.js';

const metric = (name: string, value: number): StoredMetric => ({ name, value, unit: 'KB' });

describe('updating bench/results.json with a subset of suites', () => {
  it('replaces re-measured metrics where they stood and keeps the others', () => {
    const stored = [metric('a', 1), metric('b', 2), metric('c', 3)];
    expect(mergeMetrics(stored, [metric('b', 20)])).toEqual([metric('a', 1), metric('b', 20), metric('c', 3)]);
  });

  it('appends metrics the file did not have yet', () => {
    expect(mergeMetrics([metric('a', 1)], [metric('z', 26), metric('a', 10)])).toEqual([metric('a', 10), metric('z', 26)]);
  });
});
