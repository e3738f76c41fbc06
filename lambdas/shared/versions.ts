/**
 * Compares dotted numeric versions part by part, a missing part counting as 0
 * (`2.19.6` > `2.9.0`, `16.1` = `16.1.0`). Negative, zero or positive, as `Array.prototype.sort` wants.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const difference = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
