import { INSTRUMENT_TYPES, type InstrumentType } from '../domain/instrument-types.js';
import { createRandom } from './random.js';

/** A monitoring instrument: fixed identity, position and ground level for the life of the simulator. */
export interface Instrument {
  /** Borehole number, `BH-` and four digits, unique across all types. */
  readonly id: string;
  readonly type: InstrumentType;
  /** Ground surface level at the borehole, metres (one decimal). */
  readonly surfaceLevel: number;
  /** Grid position, whole metres. */
  readonly northing: number;
  readonly easting: number;
}

export type Fleet = Readonly<Record<InstrumentType, readonly Instrument[]>>;

/** Bounds of the original source API's site, which the simulated site shares. */
export const SITE = {
  northing: { min: 5_810_000, max: 5_816_000 },
  easting: { min: 316_045, max: 325_000 },
  surfaceLevel: { min: 75, max: 120 },
} as const;

/** The per-type instrument count drawn from the seed when none is given. */
export const DEFAULT_COUNT_RANGE = { min: 50, max: 150 } as const;

const FIRST_BOREHOLE_NUMBER = 1000;
const LAST_BOREHOLE_NUMBER = 9999;

/** Borehole numbers are four digits, which caps the fleet. */
export const MAX_FLEET_SIZE = LAST_BOREHOLE_NUMBER - FIRST_BOREHOLE_NUMBER + 1;

export type InstrumentCounts = Readonly<Record<InstrumentType, number>>;

/** The count per type: the given one where set, otherwise one drawn from the seed in 50..150. */
export function resolveCounts(seed: string, given: Partial<Record<InstrumentType, number>> = {}): InstrumentCounts {
  const random = createRandom(seed, 'fleet-counts');
  const counts = {} as Record<InstrumentType, number>;
  for (const type of INSTRUMENT_TYPES) {
    const drawn = random.integer(DEFAULT_COUNT_RANGE.min, DEFAULT_COUNT_RANGE.max);
    counts[type] = given[type] ?? drawn;
  }
  return counts;
}

/**
 * Generates the fleet for a seed. The same seed and counts always give the same
 * fleet; borehole numbers are drawn without replacement so they are unique across types.
 */
export function generateFleet(seed: string, counts: InstrumentCounts): Fleet {
  const total = INSTRUMENT_TYPES.reduce((sum, type) => sum + counts[type], 0);
  if (total > MAX_FLEET_SIZE) {
    throw new RangeError(`A fleet of ${total} instruments does not fit in the ${MAX_FLEET_SIZE} four-digit borehole numbers`);
  }
  const boreholeNumbers = drawDistinct(seed, total);
  const positions = createRandom(seed, 'fleet-positions');
  const fleet = {} as Record<InstrumentType, Instrument[]>;
  let next = 0;
  for (const type of INSTRUMENT_TYPES) {
    fleet[type] = Array.from({ length: counts[type] }, () => ({
      id: `BH-${boreholeNumbers[next++]}`,
      type,
      surfaceLevel: Math.round(positions.between(SITE.surfaceLevel.min, SITE.surfaceLevel.max) * 10) / 10,
      northing: positions.integer(SITE.northing.min, SITE.northing.max),
      easting: positions.integer(SITE.easting.min, SITE.easting.max),
    }));
  }
  return fleet;
}

/** The first `count` numbers of a seeded shuffle of all borehole numbers (partial Fisher–Yates). */
function drawDistinct(seed: string, count: number): number[] {
  const random = createRandom(seed, 'fleet-ids');
  const pool = Array.from({ length: MAX_FLEET_SIZE }, (_, index) => FIRST_BOREHOLE_NUMBER + index);
  for (let index = 0; index < count; index++) {
    const pick = random.integer(index, pool.length - 1);
    [pool[index], pool[pick]] = [pool[pick]!, pool[index]!];
  }
  return pool.slice(0, count);
}
