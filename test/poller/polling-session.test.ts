import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_POLL_SUMMARY, type PollSummary } from '../../lambdas/poller/poll-once.js';
import { canStartPoll, runPollingSession, type SessionClock } from '../../lambdas/poller/polling-session.js';

/** Virtual time: sleeping and polling move the clock; nothing waits for real. */
function virtualClock(): SessionClock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => void (now += ms),
    advance: (ms) => void (now += ms),
  };
}

interface Scenario {
  readonly remainingMs: number;
  readonly intervalMs: number;
  readonly pollBudgetMs: number;
  readonly marginMs: number;
  /** Duration of each poll in turn (the last repeats). */
  readonly pollDurationsMs: readonly number[];
}

async function run(scenario: Scenario) {
  const clock = virtualClock();
  const deadline = scenario.remainingMs;
  const polls: { start: number; end: number }[] = [];
  const session = await runPollingSession({
    intervalMs: scenario.intervalMs,
    pollBudgetMs: scenario.pollBudgetMs,
    marginMs: scenario.marginMs,
    remainingTimeMs: () => deadline - clock.now(),
    clock,
    poll: async (): Promise<PollSummary> => {
      const start = clock.now();
      clock.advance(scenario.pollDurationsMs[Math.min(polls.length, scenario.pollDurationsMs.length - 1)] ?? 0);
      polls.push({ start, end: clock.now() });
      return {
        ...EMPTY_POLL_SUMMARY,
        readingsPolled: 3,
        readingsAccepted: 2,
        readingsRejected: 1,
        recordsPut: 2,
        rejectedByReason: { out_of_range: 1 },
      };
    },
  });
  return { session, polls, deadline, clock };
}

describe('runPollingSession', () => {
  it('polls every interval and stops while a whole poll and the margin still fit', async () => {
    const { session, polls } = await run({
      remainingMs: 60_000,
      intervalMs: 10_000,
      pollBudgetMs: 19_000,
      marginMs: 3_000,
      pollDurationsMs: [500],
    });
    expect(polls.map((p) => p.start)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(session.polls).toBe(4);
    expect(session.remainingMsAtStop).toBe(29_500);
    expect(session.totals).toMatchObject({
      readingsPolled: 12,
      readingsAccepted: 8,
      readingsRejected: 4,
      recordsPut: 8,
      rejectedByReason: { out_of_range: 4 },
    });
  });

  it('starts the next poll at once when one overruns the interval', async () => {
    const { polls } = await run({
      remainingMs: 60_000,
      intervalMs: 10_000,
      pollBudgetMs: 1_000,
      marginMs: 1_000,
      pollDurationsMs: [12_000, 1_000],
    });
    // After the 12 s poll, 12 s plus the margin must fit: the poll at 42 s would leave 18 s, the next at 52 s only 8.
    expect(polls.map((p) => p.start)).toEqual([0, 12_000, 22_000, 32_000, 42_000]);
  });

  it('budgets for the longest poll seen when it exceeds the configured budget', async () => {
    const { polls, deadline } = await run({
      remainingMs: 30_000,
      intervalMs: 10_000,
      pollBudgetMs: 1_000,
      marginMs: 1_000,
      pollDurationsMs: [8_000],
    });
    expect(polls.map((p) => p.start)).toEqual([0, 10_000, 20_000]);
    expect(polls.at(-1)!.end).toBeLessThanOrEqual(deadline - 1_000);
  });

  it('does not poll at all when not even one poll fits', async () => {
    const { session, polls } = await run({
      remainingMs: 5_000,
      intervalMs: 10_000,
      pollBudgetMs: 4_000,
      marginMs: 2_000,
      pollDurationsMs: [100],
    });
    expect(polls).toEqual([]);
    expect(session).toMatchObject({ polls: 0, totals: EMPTY_POLL_SUMMARY });
  });

  it('never lets a poll that keeps to its budget run into the margin, and never skips a poll that would fit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          remainingMs: fc.integer({ min: 0, max: 900_000 }),
          intervalMs: fc.integer({ min: 1_000, max: 60_000 }),
          pollBudgetMs: fc.integer({ min: 100, max: 30_000 }),
          marginMs: fc.integer({ min: 0, max: 5_000 }),
          fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        }),
        async ({ fractions, ...rest }) => {
          const scenario: Scenario = { ...rest, pollDurationsMs: fractions.map((f) => Math.round(f * rest.pollBudgetMs)) };
          const { polls, deadline, clock } = await run(scenario);
          for (const poll of polls) expect(poll.end).toBeLessThanOrEqual(deadline - scenario.marginMs);
          for (let i = 1; i < polls.length; i++) {
            expect(polls[i]!.start - polls[i - 1]!.start).toBeGreaterThanOrEqual(scenario.intervalMs);
          }
          const last = polls.at(-1);
          const nextStart = last ? Math.max(last.end, last.start + scenario.intervalMs) : clock.now();
          expect(deadline - nextStart).toBeLessThan(scenario.pollBudgetMs + scenario.marginMs);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('canStartPoll', () => {
  it('needs the wait, the budget and the margin to fit in what is left', () => {
    expect(canStartPoll(30_000, 10_000, 15_000, 5_000)).toBe(true);
    expect(canStartPoll(30_000, 10_001, 15_000, 5_000)).toBe(false);
  });
});
