import { applyChange, changeKeyOf, type Alarm, type ConfirmedChange } from '../../lambdas/domain/alarms.js';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import type { TriggerStatus } from '../../lambdas/domain/trigger-levels.js';

/** 2026-03-05 02:00:00 AEDT (UTC+11:00) in Melbourne. */
export const T0 = Date.parse('2026-03-04T15:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60_000;

export interface ChangeSpec {
  readonly instrumentId?: string;
  readonly instrumentType?: InstrumentType;
  readonly unit?: string;
  /** Window start, epoch ms; the window lasts 10 s. */
  readonly at: number;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  /** Processing time; 15 s after the window starts unless given. */
  readonly foundAt?: number;
  readonly mean?: number;
  readonly late?: boolean;
}

/**
 * A confirmed change of a piezometer `P-101` judged on its change from an initial baseline
 * of 100 kPa against the default rise levels +30 / +50 / +70 kPa (130 / 150 / 170 kPa).
 */
export function confirmedChange(spec: ChangeSpec): ConfirmedChange {
  const instrumentId = spec.instrumentId ?? 'P-101';
  const mean = spec.mean ?? { normal: 110, alert: 135, alarm: 155, action: 172.4 }[spec.to];
  return {
    changeKey: changeKeyOf({ instrumentId, windowStart: spec.at, from: spec.from, to: spec.to }),
    instrumentId,
    instrumentType: spec.instrumentType ?? 'piezometer',
    unit: spec.unit ?? 'kPa',
    windowStart: spec.at,
    windowEnd: spec.at + 10 * SECOND,
    from: spec.from,
    to: spec.to,
    foundAt: spec.foundAt ?? spec.at + 15 * SECOND,
    mean,
    levels: spec.to === 'normal' ? null : { alert: 30, alarm: 50, action: 70 },
    cause: spec.to === 'normal' ? null : 'level:rise',
    change: mean - 100,
    rate: null,
    baseline: { id: 'initial', value: 100 },
    late: spec.late ?? false,
  };
}

/** The changes of a status walk: one window a minute from T0, a change wherever the status moves. */
export function changesOfWalk(statuses: readonly TriggerStatus[], instrumentId = 'P-101'): ConfirmedChange[] {
  const changes: ConfirmedChange[] = [];
  let previous: TriggerStatus = 'normal';
  statuses.forEach((status, i) => {
    if (status !== previous) changes.push(confirmedChange({ instrumentId, at: T0 + i * MINUTE, from: previous, to: status }));
    previous = status;
  });
  return changes;
}

/**
 * Applies changes as a store does: each to the alarm whose history holds it (a replay),
 * else to the instrument's latest alarm. Returns every alarm, oldest first.
 */
export function applyAll(changes: readonly ConfirmedChange[], alarms: readonly Alarm[] = []): Alarm[] {
  const all = [...alarms];
  for (const change of changes) {
    const holding = all.findIndex((alarm) => alarm.history.some((step) => step.change.changeKey === change.changeKey));
    const latest = all.findLastIndex((alarm) => alarm.instrumentId === change.instrumentId);
    const index = holding >= 0 ? holding : latest;
    const { alarm } = applyChange(index >= 0 ? all[index]! : null, change);
    if (alarm === null) continue;
    if (index >= 0 && all[index]!.alarmId === alarm.alarmId) all[index] = alarm;
    else all.push(alarm);
  }
  return all;
}
