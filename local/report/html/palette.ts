import type { TriggerStatus } from '../../../lambdas/domain/trigger-levels.js';

/** Status colours: the traffic-light scale trigger plans use, plus grey for "not evaluated". */
export const STATUS_COLOURS: Readonly<Record<TriggerStatus | 'unevaluated', string>> = {
  normal: '#2e7d32',
  alert: '#e0a000',
  alarm: '#e8590c',
  action: '#c62828',
  unevaluated: '#8a94a6',
};

export function statusColour(status: TriggerStatus | null): string {
  return STATUS_COLOURS[status ?? 'unevaluated'];
}

/**
 * Series colours for charts that tell instruments apart: distinct from one another and
 * from the status colours of the trigger levels drawn beside them.
 */
export const SERIES_COLOURS: readonly string[] = [
  '#1f5fa8',
  '#7b3fa0',
  '#0f8b8d',
  '#8c564b',
  '#d6408b',
  '#4d7c0f',
  '#5c6bc0',
  '#00838f',
  '#6d4c41',
  '#ad1457',
];
