import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs } from '../../lambdas/shared/retry.js';

const bounds = { baseMs: 100, maxMs: 5_000 };

describe('exponential backoff', () => {
  it('starts at baseMs, doubles on every further retry and stops at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 40].map((retry) => backoffCeilingMs(retry, bounds))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('waits between half the ceiling and the whole of it', () => {
    expect(backoffDelayMs(3, bounds, () => 0)).toBe(200);
    expect(backoffDelayMs(3, bounds, () => 0.5)).toBe(300);
    expect(backoffDelayMs(3, bounds, () => 1)).toBe(400);
  });
});
