import { formatWallTime } from '../../../../lambdas/domain/site-time.js';
import type { TriggerStatus } from '../../../../lambdas/domain/trigger-levels.js';
import { STATUS_COLOURS } from '../../../../local/report/html/palette.js';

export { formatDuration, formatNumber, formatValue, statusLabel, typeLabel, quantityLabel } from '../../../../local/report/html/format.js';
export { STATUS_COLOURS, statusColour } from '../../../../local/report/html/palette.js';

/** An ISO instant on the site's clocks, `YYYY-MM-DD HH:MM:SS`; an em dash when absent. */
export function siteTime(iso: string | null | undefined, zone: string): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? formatWallTime(ms, zone) : iso;
}

/** Text colour readable on a status colour. */
export function onStatusColour(status: TriggerStatus | null): string {
  return status === 'alert' ? '#1d1d1d' : '#ffffff';
}

/** `Alarm` in capitals for the alarm pages' badges. */
export function levelText(level: string): string {
  return level.toUpperCase();
}

export const UNEVALUATED_COLOUR = STATUS_COLOURS.unevaluated;
