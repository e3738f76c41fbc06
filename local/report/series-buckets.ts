/** Bucket lengths that read well on a time axis, seconds. */
const NICE_BUCKET_SECONDS = [10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** Points per series a chart draws at most, by default: about one per two pixels of plot width. */
export const DEFAULT_MAX_POINTS = 400;

/**
 * The bucket length to average a period's window aggregates into, so that a series has
 * at most `maxPoints` points: a whole number of windows (so a window never straddles two
 * buckets), a round length (1 min, 5 min, 1 h…) when one fits, never shorter than a window.
 */
export function chooseBucketSeconds(periodSeconds: number, windowSeconds: number, maxPoints = DEFAULT_MAX_POINTS): number {
  if (!(periodSeconds > 0) || !(windowSeconds > 0) || !(maxPoints >= 1)) {
    throw new RangeError(
      `chooseBucketSeconds needs a positive period, window and point count (got ${periodSeconds}, ${windowSeconds}, ${maxPoints})`,
    );
  }
  const wanted = Math.max(windowSeconds, periodSeconds / maxPoints);
  const wholeWindows = Math.ceil(wanted / windowSeconds) * windowSeconds;
  const nice = NICE_BUCKET_SECONDS.find((seconds) => seconds >= wanted && seconds % windowSeconds === 0);
  return nice !== undefined && nice <= 2 * wholeWindows ? nice : wholeWindows;
}
