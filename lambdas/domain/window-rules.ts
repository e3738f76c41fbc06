/**
 * The rule for the event-time averaging window, shared by the deployment configuration,
 * `npm start` and both processors: a whole number of seconds from 1 to 3,600 that divides
 * a day (86,400 s), so windows align to midnight UTC and no window spans two daily indices.
 * 10, 30, 60, 300, 900 and 3,600 are valid; 7 is not (86,400 / 7 is not whole).
 */
export const WINDOW_SECONDS_RANGE = { min: 1, max: 3_600 } as const;

const SECONDS_PER_DAY = 86_400;

/** Why `seconds` cannot be the averaging window, or `undefined` when it can. */
export function windowSecondsProblem(seconds: number): string | undefined {
  const { min, max } = WINDOW_SECONDS_RANGE;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) return `must be a whole number of seconds from ${min} to ${max}`;
  if (SECONDS_PER_DAY % seconds !== 0) {
    return `must divide a day (86400 s) so that no window spans two days, e.g. 10, 30, 60, 300 or 900`;
  }
  return undefined;
}
