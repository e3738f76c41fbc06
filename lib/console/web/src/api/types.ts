import type { InstrumentType } from '../../../../../lambdas/domain/instrument-types.js';
import type { TriggerStatus } from '../../../../../lambdas/domain/trigger-levels.js';
import type { TriggerRule } from '../../../../../lambdas/domain/trigger-rules.js';

/**
 * The HTTP API as the console reads it: JSON bodies, instants as ISO-8601 UTC strings.
 * One place for the contract; the pages see only these types.
 */

export type AlarmLevel = Exclude<TriggerStatus, 'normal'>;

/** `GET /instruments`: every instrument with its latest state. */
export interface InstrumentList {
  readonly generatedAt: string;
  readonly instruments: readonly InstrumentSummary[];
}

export interface InstrumentSummary {
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  /** Null until its first window is judged. */
  readonly status: TriggerStatus | null;
  /** No reading for 10 minutes or 5 logging intervals, whichever is longer. */
  readonly silent: boolean;
  readonly lastObservedAt: string | null;
  readonly latestValue: number | null;
  readonly openAlarm: { readonly alarmId: string; readonly level: AlarmLevel; readonly needsAcknowledgement: boolean } | null;
}

/** `GET /instruments/{id}`: the registry entry. */
export interface RegistryEntry {
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly surfaceLevel: number | null;
  readonly status: TriggerStatus | null;
  readonly rule: {
    readonly inForce: TriggerRule;
    readonly source: 'default' | 'manual';
    readonly setBy: string | null;
    readonly setAt: string | null;
  };
  readonly baselines: readonly Baseline[];
}

export interface Baseline {
  readonly baselineId: string;
  /** `initial` (the mean of the first readings) or `manual` (a re-baseline). */
  readonly source: string;
  readonly value: number;
  readonly effectiveFrom: string;
  readonly reason: string | null;
  readonly setBy: string | null;
}

/** One event-time window of an instrument and how it was judged. */
export interface WindowAggregate {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly status: TriggerStatus | null;
  readonly rawStatus: TriggerStatus | null;
  readonly change: number | null;
  readonly ratePerDay: number | null;
  readonly baselineId: string | null;
}

export interface Reading {
  readonly observedAt: string;
  readonly value: number;
  readonly arrivedAt: string | null;
  readonly source: 'poll' | 'manual';
  readonly author: string | null;
  readonly note: string | null;
}

/** A page of a ranged list; `nextCursor` null on the last page. */
export interface Page {
  readonly nextCursor: string | null;
}

export interface WindowPage extends Page {
  readonly windows: readonly WindowAggregate[];
}

export interface ReadingPage extends Page {
  readonly readings: readonly Reading[];
}

/** A confirmed status change of an instrument, late or withdrawn when re-evaluation found so. */
export interface StatusChange {
  readonly windowStart: string;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  readonly mean: number | null;
  readonly late: boolean;
  readonly withdrawn: boolean;
}

/** A raw rise that fell back before it was confirmed. */
export interface UnconfirmedSpike {
  readonly since: string;
  readonly until: string;
  readonly peakStatus: TriggerStatus;
}

export interface InstrumentEvents {
  readonly changes: readonly StatusChange[];
  readonly spikes: readonly UnconfirmedSpike[];
}

/** A manual reading as the console sends it. */
export interface ManualReading {
  readonly instrumentId: string;
  readonly value: number;
  readonly observedAt: string;
  readonly note?: string;
}

/** `POST /readings`: every row accepted or rejected with its reason. */
export interface ReadingsReceipt {
  readonly received: number;
  readonly accepted: number;
  readonly rejected: readonly RejectedRow[];
}

export interface RejectedRow {
  /** 1-based: the CSV's data row (after the header), or the reading's place in the list. */
  readonly row: number;
  readonly instrumentId: string | null;
  readonly reason: string;
  readonly field: string | null;
  readonly detail: string;
}

export interface NewBaseline {
  readonly value: number;
  readonly effectiveFrom: string;
  readonly reason: string;
}

export type {
  AcknowledgeResponse,
  AcknowledgementView,
  AlarmDetailResponse,
  AlarmDetailView,
  AlarmListResponse,
  AlarmStepView,
  AlarmSummaryView,
  AuditView,
  NotificationView,
  ResponsePlanView,
  ResponsePlansResponse,
} from '../../../../../lambdas/api/views.js';

export interface AlarmFilter {
  readonly state?: 'open' | 'cleared';
  readonly level?: AlarmLevel;
  readonly instrument?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** One field at fault, as a problem document's `errors` names it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}
