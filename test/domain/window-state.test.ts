import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowAccumulator } from '../../lambdas/domain/window-accumulator.js';
import { decodeWindowState, encodeWindowState, WindowStateError } from '../../lambdas/domain/window-state.js';

const WINDOW_MS = 10_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function sortedEntries(acc: WindowAccumulator) {
  return [...acc.entries()].sort((a, b) => a.instrumentId.localeCompare(b.instrumentId) || a.windowStart - b.windowStart);
}

describe('tumbling-window state', () => {
  it('round-trips any accumulator through JSON exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 12 }),
            micro: fc.integer({ min: -1e10, max: 1e10 }),
            at: fc.integer({ min: T0 - 1e9, max: T0 + 1e9 }),
          }),
          { maxLength: 50 },
        ),
        (readings) => {
          const acc = new WindowAccumulator(WINDOW_MS);
          for (const r of readings) acc.add(r.id, r.micro / 1e6, r.at);
          const restored = decodeWindowState(JSON.parse(JSON.stringify(encodeWindowState(acc))), WINDOW_MS);
          expect(sortedEntries(restored)).toEqual(sortedEntries(acc));
        },
      ),
    );
  });

  it('treats the empty state Lambda sends at the start of a window as no partials', () => {
    expect(decodeWindowState({}, WINDOW_MS).size).toBe(0);
    expect(decodeWindowState(undefined, WINDOW_MS).size).toBe(0);
  });

  it('stays well under 100 bytes per instrument-window for a realistic site', () => {
    const acc = new WindowAccumulator(WINDOW_MS);
    for (let i = 0; i < 500; i += 1) {
      for (let k = 0; k < 3; k += 1) acc.add(`BH-${1000 + i}`, 85.4 + i / 100 + k * 0.013, T0 + 1_234 + k * 3_000);
    }
    const bytes = Buffer.byteLength(JSON.stringify(encodeWindowState(acc)));
    expect(bytes / acc.size).toBeLessThan(100);
  });

  it('refuses a state from another version or window length with a clear error', () => {
    const acc = new WindowAccumulator(WINDOW_MS);
    acc.add('BH-1', 1, T0);
    const state = encodeWindowState(acc);
    expect(() => decodeWindowState({ ...state, v: 2 }, WINDOW_MS)).toThrow(WindowStateError);
    expect(() => decodeWindowState(state, 60_000)).toThrow(/10 s windows, the processor now uses 60 s/);
    expect(() => decodeWindowState({ ...state, p: [['BH-1', 1, 0, 0, 0, 0, 0, 0]] }, WINDOW_MS)).toThrow(/malformed partial/);
  });
});
