import type { EventsResponse, InstrumentListItem, InstrumentListResponse } from '../../../../../lambdas/api/read-views.js';
import type { ManualRowRejection } from '../../../../../lambdas/domain/manual-readings.js';
import type { ManualIntakeResult } from '../../../../../lambdas/readings/manual-intake.js';
import type {
  BaselineEntry,
  ChangeEntry,
  InstrumentDetail,
  ReadingEntry,
  SpikeEntry,
  WindowEntry,
} from '../../../../../lambdas/readings/read-model.js';
import type { TriggerStatus } from '../../../../../lambdas/domain/trigger-levels.js';

/**
 * The HTTP API as the console reads it: JSON bodies, instants as ISO-8601 UTC strings.
 * One place for the contract; the pages see only these types.
 */

export type AlarmLevel = Exclude<TriggerStatus, 'normal'>;

export type { BaselineEntry, ChangeEntry, SpikeEntry };
/** `GET /instruments/{id}`: the registry entry. */
export type RegistryEntry = InstrumentDetail;
export type WindowAggregate = WindowEntry;
export type Reading = ReadingEntry;

/** `GET /instruments`: every instrument with its latest state and open alarm. */
export type InstrumentList = InstrumentListResponse;
export type InstrumentSummary = InstrumentListItem;

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

export type InstrumentEvents = EventsResponse;

/** A manual reading as the console sends it. */
export interface ManualReading {
  readonly instrumentId: string;
  readonly value: number;
  readonly observedAt: string;
  readonly note?: string;
}

/** `POST /readings`: every row accepted or rejected with its reason. */
export type ReadingsReceipt = ManualIntakeResult;
export type RejectedRow = ManualRowRejection;

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
  PendingView,
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
