/**
 * The five instrument types the pipeline knows, with the physical quantity each
 * measures, its unit and the range a reading must fall in to be physically plausible
 * (how each is judged is its trigger rule: trigger-rules.ts).
 */
export const INSTRUMENT_TYPES = ['water_standpipe', 'piezometer', 'settlement_marker', 'extensometer', 'strain_gauge'] as const;

export type InstrumentType = (typeof INSTRUMENT_TYPES)[number];

export interface InstrumentTypeSpec {
  readonly type: InstrumentType;
  readonly measures: string;
  readonly unit: string;
  /** Inclusive bounds outside which a reading cannot be physical and is rejected. */
  readonly physicalRange: { readonly min: number; readonly max: number };
}

export const INSTRUMENT_TYPE_SPECS: Readonly<Record<InstrumentType, InstrumentTypeSpec>> = {
  water_standpipe: {
    type: 'water_standpipe',
    measures: 'groundwater level',
    unit: 'm',
    // Reduced level in metres; generous bounds for any site from below sea level to high ground.
    physicalRange: { min: -100, max: 1000 },
  },
  piezometer: {
    type: 'piezometer',
    measures: 'pore water pressure',
    unit: 'kPa',
    // Small suctions are physical; 3 MPa is beyond any vibrating-wire piezometer on a metro site.
    physicalRange: { min: -100, max: 3000 },
  },
  settlement_marker: {
    type: 'settlement_marker',
    measures: 'settlement (vertical displacement)',
    unit: 'mm',
    physicalRange: { min: -1000, max: 1000 },
  },
  extensometer: {
    type: 'extensometer',
    measures: 'displacement',
    unit: 'mm',
    physicalRange: { min: -500, max: 500 },
  },
  strain_gauge: {
    type: 'strain_gauge',
    measures: 'strain',
    unit: 'microstrain',
    // Vibrating-wire strain gauges span about ±3000 µε; beyond ±10000 µε the gauge has failed.
    physicalRange: { min: -10000, max: 10000 },
  },
};

const KNOWN_TYPES: ReadonlySet<string> = new Set(INSTRUMENT_TYPES);

export function isInstrumentType(value: string): value is InstrumentType {
  return KNOWN_TYPES.has(value);
}
