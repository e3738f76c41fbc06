import type { ApiItem } from './endpoints.js';
import type { Instrument } from './fleet.js';
import { latestAvailableTime, type LoggingPlan } from './loggers.js';
import { loggedValue, type SeriesProfile } from './series.js';

/** Everything the simulator knows about one instrument. */
export interface SimulatedInstrument {
  readonly instrument: Instrument;
  readonly profile: SeriesProfile;
  readonly logging: LoggingPlan;
}

/** The source-API item of the reading `instrument` logged at epoch-millisecond `loggedAt`. */
export function itemAt(instrument: Instrument, profile: SeriesProfile, loggedAt: number): ApiItem {
  return {
    borehole_number: instrument.id,
    instrument: instrument.type,
    surface_level: instrument.surfaceLevel,
    northing: instrument.northing,
    easting: instrument.easting,
    reading: loggedValue(profile, loggedAt),
    timestamp: new Date(loggedAt).toISOString(),
  };
}

/** Each instrument's latest reading the API has at `at` (snapshot mode), stamped at the logger's time. */
export function latestItems(instruments: readonly SimulatedInstrument[], at: number): ApiItem[] {
  return instruments.map(({ instrument, profile, logging }) => itemAt(instrument, profile, latestAvailableTime(logging, profile, at)));
}
