import { INSTRUMENT_TYPES, isInstrumentType, type InstrumentType } from '../domain/instrument-types.js';
import { FAULT_KINDS, NO_FAULTS, type FaultKind, type FaultRates } from './faults.js';
import { MAX_FLEET_SIZE } from './fleet.js';

/** How to run the simulator. Every field is optional. */
export interface SimulatorOptions {
  /** Seed for the fleet, the series and the faults. Default {@link DEFAULT_SEED}. */
  readonly seed?: string | number;
  /**
   * Instruments per type: one count for every type, or counts by type. Types left out
   * get a count drawn from the seed in 50..150, as the original API has.
   */
  readonly instrumentsPerType?: number | Partial<Record<InstrumentType, number>>;
  /** Fault rates, 0..1 each. Default 0 (no faults). */
  readonly faults?: Partial<FaultRates>;
  /** How long a slow response is held back, milliseconds. Default {@link DEFAULT_SLOW_DELAY_MS}. */
  readonly slowDelayMs?: number;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ResolvedSimulatorOptions {
  readonly seed: string;
  readonly instrumentsPerType: Partial<Record<InstrumentType, number>>;
  readonly faults: FaultRates;
  readonly slowDelayMs: number;
  readonly now: () => number;
}

export const DEFAULT_SEED = 'geotech';
export const DEFAULT_SLOW_DELAY_MS = 5_000;
/** Longer than any sensible poll timeout; a Lambda function URL gives up at 15 minutes anyway. */
export const MAX_SLOW_DELAY_MS = 15 * 60_000;
/** Borehole numbers are four digits, so each type gets at most a fifth of them. */
export const MAX_PER_TYPE = Math.floor(MAX_FLEET_SIZE / INSTRUMENT_TYPES.length);

/** Bad simulator configuration; the message names the option and the value. */
export class SimulatorOptionsError extends Error {
  override readonly name = 'SimulatorOptionsError';
}

/** How each fault is named on the command line and in the environment. */
export interface FaultKnob {
  readonly kind: FaultKind;
  /** Command-line flag, without the leading dashes. */
  readonly flag: string;
  /** Environment variable of the Lambda handler. */
  readonly env: string;
  readonly description: string;
}

export const FAULT_KNOBS: readonly FaultKnob[] = [
  knob('nullFields', 'null', 'per item: one field (any of the seven) is null'),
  knob('emptyStrings', 'empty', 'per item: the id, type, reading or timestamp is an empty or blank string'),
  knob('malformedTimestamps', 'bad-timestamp', 'per item: the timestamp is not a valid ISO-8601 instant'),
  knob('nonNumericReadings', 'non-numeric', 'per item: the reading is text such as "n/a" or "ERR"'),
  knob('duplicateItems', 'duplicate', 'per item: the item appears twice in the response'),
  knob('legacyNames', 'legacy-names', 'per item: the instrument has its old spaced name, e.g. "settlement marker x"'),
  knob('http5xx', '5xx', 'per response: HTTP 500, 502, 503 or 504 with a JSON error body'),
  knob('slowResponses', 'slow', 'per response: held back by the slow delay before it is sent'),
  knob('invalidJson', 'invalid-json', 'per response: status 200 with a body that is not valid JSON'),
];

function knob(kind: FaultKind, slug: string, description: string): FaultKnob {
  return {
    kind,
    flag: `fault-rate-${slug}`,
    env: `SIMULATOR_FAULT_RATE_${slug.toUpperCase().replaceAll('-', '_')}`,
    description,
  };
}

export const ENV = {
  seed: 'SIMULATOR_SEED',
  instrumentsPerType: 'SIMULATOR_INSTRUMENTS_PER_TYPE',
  slowDelayMs: 'SIMULATOR_SLOW_DELAY_MS',
} as const;

/** Fills in defaults and checks every value; throws {@link SimulatorOptionsError} naming the bad option. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const seed = String(options.seed ?? DEFAULT_SEED);
  if (seed.trim() === '') throw new SimulatorOptionsError('seed must not be empty');
  return {
    seed,
    instrumentsPerType: resolveCounts(options.instrumentsPerType),
    faults: resolveFaults(options.faults ?? {}),
    slowDelayMs: checkInteger('slowDelayMs', options.slowDelayMs ?? DEFAULT_SLOW_DELAY_MS, 0, MAX_SLOW_DELAY_MS),
    now: options.now ?? Date.now,
  };
}

function resolveCounts(given: SimulatorOptions['instrumentsPerType']): Partial<Record<InstrumentType, number>> {
  if (given === undefined) return {};
  if (typeof given === 'number') {
    const count = checkInteger('instrumentsPerType', given, 1, MAX_PER_TYPE);
    return Object.fromEntries(INSTRUMENT_TYPES.map((type) => [type, count]));
  }
  const counts: Partial<Record<InstrumentType, number>> = {};
  for (const [type, count] of Object.entries(given)) {
    if (!isInstrumentType(type)) {
      throw new SimulatorOptionsError(`instrumentsPerType has an unknown type '${type}'; known: ${INSTRUMENT_TYPES.join(', ')}`);
    }
    if (count !== undefined) counts[type] = checkInteger(`instrumentsPerType.${type}`, count, 1, MAX_PER_TYPE);
  }
  return counts;
}

function resolveFaults(given: Partial<FaultRates>): FaultRates {
  const rates: Record<string, number> = { ...NO_FAULTS };
  for (const [kind, rate] of Object.entries(given)) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new SimulatorOptionsError(`faults has an unknown fault '${kind}'; known: ${FAULT_KINDS.join(', ')}`);
    }
    if (rate === undefined) continue;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new SimulatorOptionsError(`faults.${kind} must be a rate between 0 and 1 (got ${String(rate)})`);
    }
    rates[kind] = rate;
  }
  return rates as FaultRates;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SimulatorOptionsError(`${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
  }
  return value;
}

/**
 * Reads simulator options from environment variables (see {@link ENV} and
 * {@link FAULT_KNOBS}); unset or empty variables keep their defaults. Throws
 * {@link SimulatorOptionsError} naming the variable when a value does not parse.
 */
export function simulatorOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): SimulatorOptions {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const number = (name: string): number | undefined => {
    const text = read(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new SimulatorOptionsError(`${name} must be a number (got '${text}')`);
    return value;
  };
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const { kind, env: name } of FAULT_KNOBS) {
    const rate = number(name);
    if (rate === undefined) continue;
    if (rate < 0 || rate > 1) throw new SimulatorOptionsError(`${name} must be a rate between 0 and 1 (got ${rate})`);
    faults[kind] = rate;
  }
  const instrumentsPerType = number(ENV.instrumentsPerType);
  const slowDelayMs = number(ENV.slowDelayMs);
  if (instrumentsPerType !== undefined) checkInteger(ENV.instrumentsPerType, instrumentsPerType, 1, MAX_PER_TYPE);
  if (slowDelayMs !== undefined) checkInteger(ENV.slowDelayMs, slowDelayMs, 0, MAX_SLOW_DELAY_MS);
  return {
    ...withDefined('seed', read(ENV.seed)),
    ...withDefined('instrumentsPerType', instrumentsPerType),
    ...withDefined('slowDelayMs', slowDelayMs),
    faults,
  };
}

function withDefined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
