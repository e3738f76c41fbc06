/** Exponential backoff bounds, milliseconds. */
export interface BackoffOptions {
  /** Delay ceiling before the first retry; it doubles on every further retry. */
  readonly baseMs: number;
  /** The ceiling never grows beyond this. */
  readonly maxMs: number;
}

/**
 * The exponential ceiling for retry number `retry` (1 for the first retry): `baseMs`,
 * doubling on every further retry, never above `maxMs`. Without jitter, it is the delay itself.
 */
export function backoffCeilingMs(retry: number, options: BackoffOptions): number {
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
}

/**
 * The delay before retry number `retry` (1 for the first retry): "equal jitter" backoff,
 * half the exponential ceiling fixed and half random, so concurrent callers spread out
 * while each still waits at least half the ceiling.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(retry, options);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
