import { describe, expect, it } from 'vitest';
import { FAULT_KNOBS, SimulatorOptionsError, simulatorOptionsFromEnv } from '../../lambdas/simulator/options.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';

describe('simulator options', () => {
  it.each([
    [{ faults: { nullFields: 1.5 } }, /faults\.nullFields must be a rate between 0 and 1 \(got 1\.5\)/],
    [{ faults: { http5xx: -0.1 } }, /faults\.http5xx must be a rate between 0 and 1/],
    [{ faults: { invalidJson: Number.NaN } }, /faults\.invalidJson must be a rate between 0 and 1 \(got NaN\)/],
    [{ faults: { teapot: 0.1 } as never }, /unknown fault 'teapot'/],
    [{ instrumentsPerType: 0 }, /instrumentsPerType must be a whole number from 1 to 1800 \(got 0\)/],
    [{ instrumentsPerType: 2.5 }, /instrumentsPerType must be a whole number/],
    [{ instrumentsPerType: 1801 }, /instrumentsPerType must be a whole number from 1 to 1800/],
    [{ instrumentsPerType: { inclinometer: 3 } as never }, /unknown type 'inclinometer'/],
    [{ slowDelayMs: -1 }, /slowDelayMs must be a whole number/],
    [{ seed: '  ' }, /seed must not be empty/],
  ])('rejects %o', (options, message) => {
    expect(() => createSimulator(options)).toThrow(SimulatorOptionsError);
    expect(() => createSimulator(options)).toThrow(message);
  });

  it('treats a numeric seed and its decimal text as the same seed', () => {
    expect(createSimulator({ seed: 42 }).respond({ method: 'GET', path: 'params/all' }, 0).body).toBe(
      createSimulator({ seed: '42' }).respond({ method: 'GET', path: 'params/all' }, 0).body,
    );
  });
});

describe('options from the environment', () => {
  it('reads the seed, counts, delay and every fault rate', () => {
    const env = Object.fromEntries(FAULT_KNOBS.map((knob, index) => [knob.env, String((index + 1) / 100)]));
    const options = simulatorOptionsFromEnv({
      ...env,
      SIMULATOR_SEED: 'site-7',
      SIMULATOR_INSTRUMENTS_PER_TYPE: '20',
      SIMULATOR_SLOW_DELAY_MS: '1500',
    });
    expect(options.seed).toBe('site-7');
    expect(options.instrumentsPerType).toBe(20);
    expect(options.slowDelayMs).toBe(1500);
    FAULT_KNOBS.forEach((knob, index) => expect(options.faults?.[knob.kind]).toBe((index + 1) / 100));
  });

  it('names each fault variable after its knob', () => {
    expect(FAULT_KNOBS.map((knob) => knob.env)).toEqual([
      'SIMULATOR_FAULT_RATE_NULL',
      'SIMULATOR_FAULT_RATE_EMPTY',
      'SIMULATOR_FAULT_RATE_BAD_TIMESTAMP',
      'SIMULATOR_FAULT_RATE_NON_NUMERIC',
      'SIMULATOR_FAULT_RATE_DUPLICATE',
      'SIMULATOR_FAULT_RATE_LEGACY_NAMES',
      'SIMULATOR_FAULT_RATE_5XX',
      'SIMULATOR_FAULT_RATE_SLOW',
      'SIMULATOR_FAULT_RATE_INVALID_JSON',
    ]);
  });

  it('keeps defaults for unset and empty variables', () => {
    expect(simulatorOptionsFromEnv({ SIMULATOR_SEED: '', SIMULATOR_FAULT_RATE_NULL: ' ' })).toEqual({ faults: {} });
  });

  it.each([
    [{ SIMULATOR_FAULT_RATE_5XX: 'often' }, /SIMULATOR_FAULT_RATE_5XX must be a number \(got 'often'\)/],
    [{ SIMULATOR_FAULT_RATE_SLOW: '2' }, /SIMULATOR_FAULT_RATE_SLOW must be a rate between 0 and 1 \(got 2\)/],
    [{ SIMULATOR_INSTRUMENTS_PER_TYPE: '0' }, /SIMULATOR_INSTRUMENTS_PER_TYPE must be a whole number from 1 to 1800/],
    [{ SIMULATOR_SLOW_DELAY_MS: '1e9' }, /SIMULATOR_SLOW_DELAY_MS must be a whole number/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => simulatorOptionsFromEnv(env)).toThrow(message);
  });
});
