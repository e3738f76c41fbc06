import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import type { TriggerStatus } from '../../lambdas/domain/trigger-levels.js';
import type { TriggerRule } from '../../lambdas/domain/trigger-rules.js';

/**
 * Everything a report shows, read from the report views. Instants are epoch
 * milliseconds (UTC); days are the site's local days; values are in the instrument's unit.
 */
export interface ReportData {
  /** When the data was read. */
  readonly generatedAt: number;
  readonly period: { readonly from: number; readonly to: number };
  readonly selection: { readonly type?: InstrumentType; readonly instrumentId?: string };
  readonly settings: ReportSettings;
  /** Length of the time buckets the series are averaged into, seconds. */
  readonly bucketSeconds: number;
  /** The selected instruments, by type then id. */
  readonly instruments: readonly InstrumentState[];
  /** Each selected instrument's series over the period (instruments without readings in it are absent). */
  readonly series: ReadonlyMap<string, readonly SeriesPoint[]>;
  readonly daily: readonly DailySummaryRow[];
  readonly exceedances: readonly ExceedanceRow[];
  readonly silent: readonly SilentInstrument[];
  /** Every baseline of the selected instruments (`report_baselines`), by instrument then effective time. */
  readonly baselines: readonly BaselineRow[];
  /** Unconfirmed spikes that began in the period (`report_unconfirmed_spikes`). */
  readonly spikes: readonly SpikeRow[];
  /** Late and withdrawn status changes of windows in the period (`report_late_corrections`). */
  readonly corrections: readonly CorrectionRow[];
}

/** The row of `report_settings`, and the reading interval each type is expected at (`report_reading_intervals`). */
export interface ReportSettings {
  readonly windowSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly silentAfterSeconds: number;
  /** The site's IANA time zone: days are its local days, times are shown on its clocks. */
  readonly siteTimeZone: string;
  /** Seconds between readings each type is expected at: its own interval, else the polling interval. */
  readonly readingIntervalSeconds: Readonly<Record<InstrumentType, number>>;
}

export interface TriggerLevelSet {
  readonly alert: number;
  readonly alarm: number;
  readonly action: number;
}

/** A row of `report_latest_status`. */
export interface InstrumentState {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly surfaceLevel: number | null;
  /** The rule it is judged by: its own (`manual`) or its type's default, resolved as the batch store resolves it. */
  readonly rule: TriggerRule;
  readonly ruleSource: 'default' | 'manual';
  /** The baseline in force now; null until the initial baseline is set. */
  readonly baseline: { readonly id: string; readonly source: string; readonly value: number; readonly effectiveFrom: number } | null;
  /** Change from baseline and rate (unit per day, first rate band) of the latest judged window; null when not judged. */
  readonly lastChange: number | null;
  readonly lastRate: number | null;
  /** Null until the instrument's first window has been evaluated. */
  readonly status: TriggerStatus | null;
  readonly statusSince: number | null;
  readonly lastReadingAt: number | null;
  readonly lastValue: number | null;
}

/** One time bucket of an instrument's window aggregates. */
export interface SeriesPoint {
  readonly bucketStart: number;
  /** Exact mean of the readings in the bucket. */
  readonly mean: number;
  /** Lowest and highest window mean in the bucket: what the trigger levels were judged on. */
  readonly lowestWindowMean: number;
  readonly highestWindowMean: number;
  readonly readingCount: number;
}

/** A row of `report_daily_summary`. */
export interface DailySummaryRow {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  /** The site-local day, YYYY-MM-DD. */
  readonly day: string;
  /** How long the day is, hours: 24, or 23 / 25 on a daylight-saving change. */
  readonly dayHours: number;
  readonly readingCount: number;
  readonly min: number | null;
  readonly mean: number | null;
  readonly max: number | null;
  readonly readingsExpected: number;
  /** Readings received over readings expected; null when none was expected. */
  readonly completeness: number | null;
}

/** A row of `report_trigger_exceedances`. */
export interface ExceedanceRow {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  readonly changedAt: number;
  readonly fromStatus: TriggerStatus;
  readonly toStatus: TriggerStatus;
  readonly windowMean: number;
  /** Levels of the band that caused a rise, in its judged quantity; null for a fall to normal. */
  readonly levels: TriggerLevelSet | null;
  /** `level:rise`, `level:fall`, `rate:rise` or `rate:fall`; null for a fall to normal. */
  readonly cause: string | null;
  readonly confirmedBy: 'windows' | 're-read' | 'fall';
  readonly change: number | null;
  readonly rate: number | null;
  readonly baselineId: string | null;
  readonly baselineValue: number | null;
  /** Found after later windows had been judged (back-filled or late data). */
  readonly late: boolean;
  readonly delaySeconds: number | null;
  /** When the status entered ended; null while it is still the current status. */
  readonly endedAt: number | null;
  readonly durationSeconds: number | null;
}

/** A row of `report_baselines`. */
export interface BaselineRow {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  readonly baselineId: string;
  /** `initial` (mean of the first readings) or `manual` (a re-baseline). */
  readonly source: string;
  readonly value: number;
  readonly effectiveFrom: number;
  readonly reason: string | null;
  readonly setBy: string | null;
}

/** A row of `report_unconfirmed_spikes`. */
export interface SpikeRow {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  readonly since: number;
  readonly until: number;
  readonly peakStatus: TriggerStatus;
  readonly cause: string;
}

/** A row of `report_late_corrections`. */
export interface CorrectionRow {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly changedAt: number;
  readonly fromStatus: TriggerStatus;
  readonly toStatus: TriggerStatus;
  readonly cause: string | null;
  readonly correction: 'late' | 'withdrawn';
  readonly delaySeconds: number | null;
  readonly foundAt: number;
  readonly withdrawnAt: number | null;
  readonly notifiedAt: number | null;
}

/** A row of `report_silent_instruments`. */
export interface SilentInstrument {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly unit: string;
  readonly lastReadingAt: number | null;
  readonly silentSeconds: number | null;
}
