import type { InstrumentType } from '../domain/instrument-types.js';

/** One item of an envelope as the source API serialises it. */
export interface ApiItem {
  readonly borehole_number: string;
  readonly instrument: InstrumentType;
  readonly surface_level: number;
  readonly northing: number;
  readonly easting: number;
  readonly reading: number;
  readonly timestamp: string;
}

/** An item as actually served: after fault injection any field may hold anything. */
export type RawItem = Readonly<Record<string, unknown>>;

/** The envelope every `params/<type>` path returns. */
export interface Envelope {
  readonly instruments: number;
  readonly units: string;
  readonly timezone: 'UTC';
  readonly items: readonly RawItem[];
}

/**
 * A history-mode page (`?since=` or `?cursor=`): the envelope's fields and two more, which
 * snapshot answers lack. `next` is the cursor to ask with next (`?cursor=<next>`); `more`
 * says whether another page is ready now.
 */
export interface HistoryEnvelope extends Envelope {
  readonly next: string;
  readonly more: boolean;
}

export interface ReadingEndpoint {
  /** Path without leading or trailing slash. */
  readonly path: string;
  readonly type: InstrumentType;
  /** The envelope's `units` string. */
  readonly units: string;
  /** The key this endpoint's envelope has inside the `params/all` response. */
  readonly allKey: string;
}

/** The five reading endpoints, in the order `params/all` lists them. */
export const READING_ENDPOINTS: readonly ReadingEndpoint[] = [
  { path: 'params/water_standpipe', type: 'water_standpipe', units: 'water level (m)', allKey: 'standpipe_data' },
  { path: 'params/pore_pressure', type: 'piezometer', units: 'pressure (kPa)', allKey: 'piezometer_data' },
  { path: 'params/settlement/x', type: 'settlement_marker', units: 'displacement (mm)', allKey: 'settlement_x_data' },
  { path: 'params/settlement/y', type: 'extensometer', units: 'displacement (mm)', allKey: 'settlement_y_data' },
  { path: 'params/settlement/z', type: 'strain_gauge', units: 'strain (microstrain)', allKey: 'settlement_z_data' },
];

export const PING_PATH = 'ping';
export const ALL_PATH = 'params/all';

/** Every path the simulator serves (each also with a trailing slash). */
export const KNOWN_PATHS: readonly string[] = [PING_PATH, ...READING_ENDPOINTS.map((endpoint) => endpoint.path), ALL_PATH];

/**
 * The instrument names older versions of the source API emitted, with spaces and
 * named after the endpoint rather than the instrument. A consumer must map these back
 * to the canonical type.
 */
export const LEGACY_INSTRUMENT_NAMES: Readonly<Record<InstrumentType, string>> = {
  water_standpipe: 'water standpipe',
  piezometer: 'pore pressure',
  settlement_marker: 'settlement marker x',
  extensometer: 'settlement marker y',
  strain_gauge: 'settlement marker z',
};
