import { INSTRUMENT_TYPES } from '../domain/instrument-types.js';
import { generateFleet, resolveCounts, type Fleet } from './fleet.js';
import { resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';
import { route, type SimulatorRequest, type SimulatorResponse } from './router.js';
import { createSeriesProfiles, type SeriesProfile } from './series.js';

/** A simulated source API: a fixed fleet whose readings follow continuous series. */
export interface Simulator {
  readonly options: ResolvedSimulatorOptions;
  readonly fleet: Fleet;
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
  const profiles = new Map<string, SeriesProfile>();
  for (const type of INSTRUMENT_TYPES) {
    for (const [id, profile] of createSeriesProfiles(resolved.seed, fleet[type])) profiles.set(id, profile);
  }
  const state = { seed: resolved.seed, fleet, profiles, faults: resolved.faults, slowDelayMs: resolved.slowDelayMs };
  const respond = (request: SimulatorRequest, at: number): SimulatorResponse => route(state, request, at);
  return {
    options: resolved,
    fleet,
    respond,
    handle: (request) => respond(request, resolved.now()),
  };
}
