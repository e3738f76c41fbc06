import { isInstrumentType, type InstrumentType } from './instrument-types.js';

/**
 * Older versions of the source API named instruments differently ("settlement marker x"
 * for the settlement/x family, and so on). These aliases map every known spelling,
 * after lower-casing and turning spaces and hyphens into underscores, to a type.
 */
const ALIASES: Readonly<Record<string, InstrumentType>> = {
  standpipe: 'water_standpipe',
  water_standpipe: 'water_standpipe',
  pore_pressure: 'piezometer',
  piezometer: 'piezometer',
  settlement_marker_x: 'settlement_marker',
  settlement_x: 'settlement_marker',
  settlement_marker_y: 'extensometer',
  settlement_y: 'extensometer',
  settlement_marker_z: 'strain_gauge',
  settlement_z: 'strain_gauge',
  strain: 'strain_gauge',
};

/** The canonical type for a source instrument name, or null if the name is unknown. */
export function canonicalInstrumentType(name: string): InstrumentType | null {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (isInstrumentType(key)) return key;
  return ALIASES[key] ?? null;
}
