/** The three ascending trigger levels of an instrument, in the type's unit. */
export interface TriggerLevels {
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
}

export const TRIGGER_STATUSES = ['normal', 'alert', 'alarm', 'action'] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** Severity rank: normal 0, alert 1, alarm 2, action 3. */
export function statusRank(status: TriggerStatus): number {
  return TRIGGER_STATUSES.indexOf(status);
}
