import type { ManualRowRejection } from '../domain/manual-readings.js';
import type { ChangeEntry, InstrumentDetail, InstrumentState, ReadingEntry, SpikeEntry, WindowEntry } from '../readings/read-model.js';

/**
 * The JSON the read API answers with (the console and the import CLI read the same types).
 * Instants are ISO 8601 strings in UTC.
 */

/** An instrument's open alarm, as the instrument list shows it. */
export interface OpenAlarmView {
  readonly alarmId: string;
  readonly level: 'alert' | 'alarm' | 'action';
  readonly needsAcknowledgement: boolean;
}

export interface InstrumentListItem extends InstrumentState {
  readonly openAlarm: OpenAlarmView | null;
}

/** `GET /instruments`. */
export interface InstrumentListResponse {
  readonly generatedAt: string;
  readonly instruments: readonly InstrumentListItem[];
}

/** `GET /instruments/{id}`, and the answer to the registry edits. */
export type InstrumentResponse = InstrumentDetail;

/** `GET /instruments/{id}/windows`. */
export interface WindowsResponse {
  readonly windows: readonly WindowEntry[];
  /** Pass as `cursor` (with the same `from` and `to`) for the next page; null on the last. */
  readonly nextCursor: string | null;
}

/** `GET /instruments/{id}/readings`. */
export interface ReadingsResponse {
  readonly readings: readonly ReadingEntry[];
  readonly nextCursor: string | null;
}

/** `GET /instruments/{id}/events`. */
export interface EventsResponse {
  readonly changes: readonly ChangeEntry[];
  readonly spikes: readonly SpikeEntry[];
  /** More changes or spikes fell in the range than one answer lists: ask for a shorter range. */
  readonly truncated: boolean;
}

/** One row of an upload that was not accepted. */
export type RejectedRowView = ManualRowRejection;

/** `POST /readings`: every row received is accepted (on the stream) or rejected with its reason. */
export interface ReadingsUploadResponse {
  readonly received: number;
  readonly accepted: number;
  readonly rejected: readonly RejectedRowView[];
}
