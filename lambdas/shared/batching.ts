export interface BatchLimits {
  /** Entries per batch. */
  readonly maxEntries: number;
  /** Sum of the entries' sizes per batch, bytes. */
  readonly maxBytes: number;
}

/**
 * Splits items, in order, into consecutive batches that respect both limits, starting a
 * new batch only when the next item would break one. Throws if an item cannot fit in any
 * batch (`sizeOf(item) > maxBytes`).
 */
export function planBatches<T>(items: readonly T[], sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > limits.maxBytes) throw new RangeError(`an entry of ${size} bytes exceeds the ${limits.maxBytes}-byte batch limit`);
    if (current.length === limits.maxEntries || currentBytes + size > limits.maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
