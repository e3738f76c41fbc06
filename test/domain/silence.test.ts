import { describe, expect, it } from 'vitest';
import { isSilent, silenceThresholdMs } from '../../lambdas/domain/silence.js';

const MINUTE = 60_000;

describe('silence', () => {
  it('is 10 minutes or 5 logging intervals without a reading, whichever is longer', () => {
    expect(silenceThresholdMs(5_000)).toBe(10 * MINUTE);
    expect(silenceThresholdMs(2 * MINUTE)).toBe(10 * MINUTE);
    expect(silenceThresholdMs(15 * MINUTE)).toBe(75 * MINUTE);
    expect(silenceThresholdMs(null)).toBe(10 * MINUTE);
    expect(silenceThresholdMs(Number.NaN)).toBe(10 * MINUTE);
  });

  it('counts from the latest reading, exclusive of the threshold itself', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    expect(isSilent(now - 75 * MINUTE, 15 * MINUTE, now)).toBe(false);
    expect(isSilent(now - 75 * MINUTE - 1, 15 * MINUTE, now)).toBe(true);
    expect(isSilent(now - 11 * MINUTE, 5_000, now)).toBe(true);
    expect(isSilent(null, 5_000, now)).toBe(true);
  });
});
