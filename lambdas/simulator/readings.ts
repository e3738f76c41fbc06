import type { ApiItem } from './endpoints.js';
import type { Instrument } from './fleet.js';
import { seriesValue, type SeriesProfile } from './series.js';

/** What every instrument of a type reads at epoch-millisecond `at`, as clean source-API items. */
export function readItems(instruments: readonly Instrument[], profiles: ReadonlyMap<string, SeriesProfile>, at: number): ApiItem[] {
  const timestamp = new Date(at).toISOString();
  return instruments.map((instrument) => {
    const profile = profiles.get(instrument.id);
    if (profile === undefined) throw new Error(`No series profile for instrument ${instrument.id}`);
    return {
      borehole_number: instrument.id,
      instrument: instrument.type,
      surface_level: instrument.surfaceLevel,
      northing: instrument.northing,
      easting: instrument.easting,
      reading: seriesValue(profile, at),
      timestamp,
    };
  });
}
