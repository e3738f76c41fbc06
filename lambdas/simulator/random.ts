/**
 * Deterministic randomness for the simulator. Two forms:
 * - {@link unitHash}: a uniform number in [0, 1) that is a pure function of its key parts,
 *   so a value at (seed, instrument, time) never depends on what was computed before;
 * - {@link createRandom}: a seeded sequential generator, for drawing a whole fleet in order.
 */

export type KeyPart = string | number;

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over every output bit. */
function fmix32(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** An unsigned 32-bit hash of the key parts (order matters; parts are kept apart by a separator). */
export function hashKey(...parts: readonly KeyPart[]): number {
  return fmix32(fnv1a(parts.join('\u001f')));
}

/** A uniform number in [0, 1) determined by the key parts alone. */
export function unitHash(...parts: readonly KeyPart[]): number {
  return hashKey(...parts) / 2 ** 32;
}

/** A standard normal deviate determined by the key parts alone (Box–Muller). */
export function normalHash(...parts: readonly KeyPart[]): number {
  const u1 = 1 - unitHash(...parts, 'u1');
  const u2 = unitHash(...parts, 'u2');
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A seeded sequential generator of uniform numbers in [0, 1). */
export interface Random {
  next(): number;
  /** A uniform number in [min, max). */
  between(min: number, max: number): number;
  /** A uniform integer in [min, max] (both inclusive). */
  integer(min: number, max: number): number;
}

/** Mulberry32: a small, fast, well-distributed 32-bit generator, seeded from the key parts. */
export function createRandom(...parts: readonly KeyPart[]): Random {
  let state = hashKey(...parts);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    integer: (min, max) => min + Math.floor((max - min + 1) * next()),
  };
}
