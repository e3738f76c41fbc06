import { describe, expect, it } from 'vitest';
import { advancePartition, completeUpTo, isWindowComplete, NO_PROGRESS, rekeyPending } from '../../lambdas/domain/partition-watermark.js';

const S = 1000;
const rules = { windowMs: 10 * S, allowedLatenessMs: 30 * S };
const at = (instrumentId: string, seconds: number) => ({ instrumentId, observedAt: seconds * S });
const key = (instrumentId: string, seconds: number) => ({ instrumentId, windowStart: seconds * S });

describe('partition watermark (W = 10 s, allowed lateness 30 s)', () => {
  it('follows the worked example: a window closes once a reading 40 s after its start is seen', () => {
    const first = advancePartition(NO_PROGRESS, [at('PZ-1', 3), at('PZ-1', 12)], rules);
    expect(first.progress).toEqual({ watermark: 12 * S, pending: [key('PZ-1', 0), key('PZ-1', 10)] });
    expect(first.complete).toEqual([]);

    const second = advancePartition(first.afterClose, [at('PZ-1', 39)], rules);
    expect(second.progress.watermark).toBe(39 * S);
    expect(second.complete).toEqual([]);

    const third = advancePartition(second.afterClose, [at('PZ-1', 41)], rules);
    expect(third.progress.watermark).toBe(41 * S);
    expect(third.progress.pending).toEqual([key('PZ-1', 0), key('PZ-1', 10), key('PZ-1', 30), key('PZ-1', 40)]);
    expect(third.complete).toEqual([key('PZ-1', 0)]);
    expect(third.afterClose.pending).toEqual([key('PZ-1', 10), key('PZ-1', 30), key('PZ-1', 40)]);
  });

  it('is complete exactly at start + W + lateness, not a millisecond before', () => {
    expect(isWindowComplete(0, 40 * S - 1, rules)).toBe(false);
    expect(isWindowComplete(0, 40 * S, rules)).toBe(true);
    expect(isWindowComplete(0, null, rules)).toBe(false);
    expect(completeUpTo(41 * S, rules)).toBe(11 * S);
  });

  it('never moves the watermark back, and reopens a closed window that a late reading touches, complete at once', () => {
    const step = advancePartition({ watermark: 100 * S, pending: [] }, [at('VW-2', 5)], rules);
    expect(step.progress.watermark).toBe(100 * S);
    expect(step.complete).toEqual([key('VW-2', 0)]);
    expect(step.afterClose).toEqual({ watermark: 100 * S, pending: [] });
  });

  it('changes nothing when the same readings come again', () => {
    const once = advancePartition(NO_PROGRESS, [at('A', 1), at('B', 2), at('A', 15)], rules);
    const twice = advancePartition(once.afterClose, [at('A', 1), at('B', 2), at('A', 15)], rules);
    expect(once.added).toEqual([key('A', 0), key('B', 0), key('A', 10)]);
    expect(twice.added).toEqual([]);
    expect(twice.afterClose).toEqual(once.afterClose);
    expect(twice.complete).toEqual([]);
  });

  it('keeps windows of each instrument apart and closes them oldest first', () => {
    const step = advancePartition(NO_PROGRESS, [at('B', 1), at('A', 2), at('A', 11), at('C', 52)], rules);
    expect(step.complete).toEqual([key('A', 0), key('B', 0), key('A', 10)]);
    expect(step.afterClose.pending).toEqual([key('C', 50)]);
  });

  it('re-keys pending windows kept at another window length onto every current window they overlap', () => {
    expect(rekeyPending([key('A', 0), key('B', 30)], 30 * S, 10 * S)).toEqual([
      key('A', 0),
      key('A', 10),
      key('A', 20),
      key('B', 30),
      key('B', 40),
      key('B', 50),
    ]);
    expect(rekeyPending([key('A', 10), key('A', 20)], 10 * S, 60 * S)).toEqual([key('A', 0)]);
    expect(rekeyPending([key('A', 10)], 10 * S, 10 * S)).toEqual([key('A', 10)]);
  });
});
