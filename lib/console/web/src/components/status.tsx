import type { TriggerStatus } from '../../../../../lambdas/domain/trigger-levels.js';
import { statusRank } from '../../../../../lambdas/domain/trigger-levels.js';
import { onStatusColour, statusColour, statusLabel } from '../format.js';

/**
 * Status is never told by colour alone: on the plan each level above normal adds a ring
 * around the symbol (one for Alert, two for Alarm, three for Action), and everywhere else
 * its name is written out.
 */
export function ringCount(status: TriggerStatus | null): number {
  return status === null ? 0 : statusRank(status);
}

/** Radii of the rings drawn around a plan symbol, innermost first. */
export function ringRadii(status: TriggerStatus | null): number[] {
  return Array.from({ length: ringCount(status) }, (_, i) => 9 + i * 3.5);
}

/** A status as a badge: its name on its colour. */
export function StatusBadge({ status, silent = false }: { status: TriggerStatus | null; silent?: boolean }) {
  const colour = statusColour(status);
  return (
    <span
      class={`badge status-${status ?? 'unevaluated'}${silent ? ' silent' : ''}`}
      style={silent ? { color: colour, borderColor: colour } : { background: colour, color: onStatusColour(status), borderColor: colour }}
    >
      {statusLabel(status)}
      {silent ? ' (silent)' : ''}
    </span>
  );
}

/** The plan's rings in a legend entry. */
export function RingsSample({ status }: { status: TriggerStatus }) {
  const radii = ringRadii(status);
  const size = 2 * (radii.at(-1) ?? 6) + 4;
  return (
    <svg width={size} height={size} viewBox={`${-size / 2} ${-size / 2} ${size} ${size}`} aria-hidden="true">
      <circle r="5" fill={statusColour(status)} />
      {radii.map((r) => (
        <circle key={r} r={r} fill="none" stroke={statusColour(status)} stroke-width="1.5" />
      ))}
    </svg>
  );
}
