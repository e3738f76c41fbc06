import { INSTRUMENT_TYPES, type InstrumentType } from '../domain/instrument-types.js';
import { generateFleet, resolveCounts, type Fleet } from './fleet.js';
import { resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';
import { route, type SimulatorRequest, type SimulatorResponse } from './router.js';
import { createLoggingPlans } from './loggers.js';
import type { SimulatedInstrument } from './readings.js';
import { createSeriesProfiles } from './series.js';

/** A simulated source API: a fixed fleet whose readings follow continuous series. */
export interface Simulator {
  readonly options: ResolvedSimulatorOptions;
  readonly fleet: Fleet;
  /** Each type's instruments with their series and logging plans. */
  readonly instruments: Readonly<Record<InstrumentType, readonly SimulatedInstrument[]>>;
  /** The response to a request at the simulator's clock time. */
  handle(request: SimulatorRequest): SimulatorResponse;
  /** The response to a request at epoch-millisecond `at`; a pure function of the options, the request and `at`. */
  respond(request: SimulatorRequest, at: number): SimulatorResponse;
}

/**
 * Builds a simulator. Everything it serves is a pure function of the seed and the
 * request time: the fleet of the seed alone, a reading of (seed, instrument, time),
 * and each fault draw of (seed, path, time, item position).
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const resolved = resolveSimulatorOptions(options);
  const fleet = generateFleet(resolved.seed, resolveCounts(resolved.seed, resolved.instrumentsPerType));
  const instruments = {} as Record<InstrumentType, SimulatedInstrument[]>;
  for (const type of INSTRUMENT_TYPES) {
    const profiles = createSeriesProfiles(resolved.seed, fleet[type]);
    const logging = createLoggingPlans(resolved.seed, fleet[type]);
    instruments[type] = fleet[type].map((instrument) => ({
      instrument,
      profile: profiles.get(instrument.id)!,
      logging: logging.get(instrument.id)!,
    }));
  }
  const state = { seed: resolved.seed, fleet, instruments, faults: resolved.faults, slowDelayMs: resolved.slowDelayMs };
  const respond = (request: SimulatorRequest, at: number): SimulatorResponse => route(state, request, at);
  return {
    options: resolved,
    fleet,
    instruments,
    respond,
    handle: (request) => respond(request, resolved.now()),
  };
}
