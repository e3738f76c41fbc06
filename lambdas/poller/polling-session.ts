import { sleep } from '../shared/retry.js';
import { addPollSummaries, EMPTY_POLL_SUMMARY, type PollSummary } from './poll-once.js';

export interface SessionClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: SessionClock = {
  now: () => Date.now(),
  sleep,
};

/** Time kept in hand after the last poll by default, milliseconds. */
export const DEFAULT_SESSION_MARGIN_MS = 3_000;

export interface PollingSessionOptions {
  readonly poll: () => Promise<PollSummary>;
  /** From the start of one poll to the start of the next. */
  readonly intervalMs: number;
  /** Time left before the deadline, e.g. the Lambda context's `getRemainingTimeInMillis`. */
  readonly remainingTimeMs: () => number;
  /**
   * The longest one poll may take. A poll starts only if this (or the longest poll so far,
   * if longer) plus the margin is left.
   */
  readonly pollBudgetMs: number;
  /** Default {@link DEFAULT_SESSION_MARGIN_MS}. */
  readonly marginMs?: number;
  /** Default: the system clock and timers. */
  readonly clock?: SessionClock;
  /** Called after each poll with its summary and number (from 1). */
  readonly onPoll?: (summary: PollSummary, pollNumber: number) => void;
}

export interface SessionSummary {
  readonly polls: number;
  readonly totals: PollSummary;
  /** Time that was left when the session stopped. */
  readonly remainingMsAtStop: number;
}

/** Whether a poll may start after waiting `waitMs`, with `remainingMs` left now. */
export function canStartPoll(remainingMs: number, waitMs: number, budgetMs: number, marginMs: number): boolean {
  return remainingMs - waitMs >= budgetMs + marginMs;
}

/**
 * Polls every `intervalMs` until the next poll could not finish before the deadline with
 * the margin to spare. Polls never overlap: a poll that overruns the interval is followed
 * at once by the next.
 */
export async function runPollingSession(options: PollingSessionOptions): Promise<SessionSummary> {
  const clock = options.clock ?? realClock;
  const marginMs = options.marginMs ?? DEFAULT_SESSION_MARGIN_MS;
  let totals = EMPTY_POLL_SUMMARY;
  let polls = 0;
  let longestPollMs = 0;
  let waitMs = 0;
  while (canStartPoll(options.remainingTimeMs(), waitMs, Math.max(options.pollBudgetMs, longestPollMs), marginMs)) {
    if (waitMs > 0) await clock.sleep(waitMs);
    const startedAt = clock.now();
    const summary = await options.poll();
    const tookMs = clock.now() - startedAt;
    polls++;
    totals = addPollSummaries(totals, summary);
    longestPollMs = Math.max(longestPollMs, tookMs);
    options.onPoll?.(summary, polls);
    waitMs = Math.max(0, options.intervalMs - tookMs);
  }
  return { polls, totals, remainingMsAtStop: options.remainingTimeMs() };
}
