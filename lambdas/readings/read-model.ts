import type { InstrumentType } from '../domain/instrument-types.js';
import type { ReadingSource } from '../domain/reading.js';
import { isSilent } from '../domain/silence.js';
import type { BandKey } from '../domain/status-machine.js';
import type { TriggerLevels, TriggerStatus } from '../domain/trigger-levels.js';
import type { TriggerRule } from '../domain/trigger-rules.js';
import type { SqlDatabase } from '../db/sql-client.js';
import { ruleInForce } from '../shared/trigger-rule-schema.js';
import { collectPage } from './pages.js';
import {
  SELECT_BASELINES,
  SELECT_CHANGE_PAGE,
  SELECT_INSTRUMENT,
  SELECT_INSTRUMENT_PAGE,
  SELECT_READING_PAGE,
  SELECT_SPIKE_PAGE,
  SELECT_WINDOW_PAGE,
} from './readings-sql.js';

/**
 * What the read API shows of the batch store, in the shapes it answers with (instants as
 * ISO-8601 UTC text). Every read is paged under the Data API's 1 MiB answer limit: the
 * instrument list in statements of {@link INSTRUMENTS_PER_STATEMENT}, windows, readings
 * and events in keyset pages (see pages.ts).
 */

/** Instruments per statement of the list: about 400 bytes each in the Data API's JSON. */
export const INSTRUMENTS_PER_STATEMENT = 1_000;
/** Windows per statement: about 350 bytes each. */
const WINDOWS_PER_STATEMENT = 2_000;
/**
 * Readings per statement: a reading with a note of the longest (500 characters, up to 6
 * bytes each as JSON escapes) is about 3.3 KB, so 250 stay under 1 MiB whatever the notes.
 */
const READINGS_PER_STATEMENT = 250;
/** Status changes per statement: about 600 bytes each. */
const CHANGES_PER_STATEMENT = 1_000;
const SPIKES_PER_STATEMENT = 2_000;
/** Most changes, and most spikes, one events answer lists; a narrower range gives the rest. */
export const MAX_EVENTS = 2_000;

/** An instrument in the list: where it is, its latest status and reading. */
export interface InstrumentState {
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  /** The confirmed status after its latest judged window; null before its first judgement. */
  readonly status: TriggerStatus | null;
  /** No reading for 10 minutes or 5 logging intervals, whichever is longer (lambdas/domain/silence.ts). */
  readonly silent: boolean;
  readonly lastObservedAt: string;
  /** The latest reading's value, in the unit. */
  readonly latestValue: number | null;
}

export interface BaselineEntry {
  readonly baselineId: string;
  readonly source: 'initial' | 'manual';
  readonly value: number;
  readonly effectiveFrom: string;
  readonly reason: string | null;
  readonly setBy: string | null;
  readonly recordedAt: string;
}

/** One instrument's registry entry. */
export interface InstrumentDetail {
  readonly instrumentId: string;
  readonly instrumentType: InstrumentType;
  readonly unit: string;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly surfaceLevel: number | null;
  readonly status: TriggerStatus | null;
  readonly statusSince: string | null;
  readonly firstObservedAt: string;
  readonly lastObservedAt: string;
  readonly rule: {
    /** The rule its windows are judged by: its own, else its type's default. */
    readonly inForce: TriggerRule;
    readonly source: 'default' | 'manual';
    /** Who last set or reset the rule, and when; null while nobody has. */
    readonly setBy: string | null;
    readonly setAt: string | null;
  };
  /** Every baseline, in effect order: the initial one and each re-baseline. */
  readonly baselines: readonly BaselineEntry[];
}

export interface WindowEntry {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Null until the window is judged (and for a window stored beyond the late horizon). */
  readonly status: TriggerStatus | null;
  readonly rawStatus: TriggerStatus | null;
  readonly change: number | null;
  readonly ratePerDay: number | null;
  readonly baselineId: string | null;
}

export interface ReadingEntry {
  readonly observedAt: string;
  readonly value: number;
  /** When it reached the stream; null for readings stored before arrival times were kept. */
  readonly arrivedAt: string | null;
  readonly source: ReadingSource;
  readonly author: string | null;
  readonly note: string | null;
}

/** A confirmed status change, as the batch store found it. */
export interface ChangeEntry {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly from: TriggerStatus;
  readonly to: TriggerStatus;
  readonly mean: number;
  /** The band behind a rise; null for a fall to normal. */
  readonly cause: BandKey | null;
  /** Levels of that band in its judged quantity (absolute or change); null for a fall to normal. */
  readonly levels: TriggerLevels | null;
  readonly confirmedBy: 'windows' | 're-read' | 'fall';
  readonly change: number | null;
  readonly ratePerDay: number | null;
  readonly baselineId: string | null;
  readonly baselineValue: number | null;
  /** Found for a window before the latest judged one, or from data that arrived late. */
  readonly late: boolean;
  readonly delaySeconds: number | null;
  readonly foundAt: string;
  /** A re-evaluation no longer finds it. */
  readonly withdrawn: boolean;
  readonly withdrawnAt: string | null;
}

/** A raw rise that fell back before it was confirmed: never notified. */
export interface SpikeEntry {
  readonly since: string;
  readonly until: string;
  readonly peakStatus: Exclude<TriggerStatus, 'normal'>;
  readonly cause: BandKey;
  readonly foundAt: string;
}

/** A range of event time, epoch ms: `from` inclusive, `to` exclusive. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Where a page starts (after the key a cursor named; null: at the range's start) and how long it is. */
export interface PageRequest {
  readonly after: number | null;
  readonly limit: number;
}

export interface Page<Item> {
  readonly items: Item[];
  /** The key to start the next page after, or null when this page is the last. */
  readonly nextAfter: number | null;
}

export interface ReadModelOptions {
  /** The event-time window length the processors write (`WINDOW_SECONDS`). */
  readonly windowSeconds: number;
  /** Default `Date.now`: the clock silence is judged by. */
  readonly now?: () => number;
}

export class ReadModel {
  readonly #db: SqlDatabase;
  readonly #windowSeconds: number;
  readonly #now: () => number;

  constructor(db: SqlDatabase, options: ReadModelOptions) {
    this.#db = db;
    this.#windowSeconds = options.windowSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** Every instrument in the registry, in id order. */
  async instruments(): Promise<InstrumentState[]> {
    const now = this.#now();
    const instruments: InstrumentState[] = [];
    let after = '';
    for (;;) {
      const rows = await this.#db.query<InstrumentPageRow>(SELECT_INSTRUMENT_PAGE, {
        after,
        limit: INSTRUMENTS_PER_STATEMENT,
        window_seconds: this.#windowSeconds,
      });
      for (const row of rows) instruments.push(instrumentState(row, now));
      if (rows.length < INSTRUMENTS_PER_STATEMENT) return instruments;
      after = rows[rows.length - 1]!.instrument_id;
    }
  }

  /** One instrument's registry entry, or null when the registry does not hold it. */
  async instrument(instrumentId: string): Promise<InstrumentDetail | null> {
    const [row] = await this.#db.query<InstrumentRow>(SELECT_INSTRUMENT, { id: instrumentId });
    if (!row) return null;
    const baselines = await this.#db.query<BaselineRow>(SELECT_BASELINES, { id: instrumentId });
    const type = row.instrument_type as InstrumentType;
    return {
      instrumentId: row.instrument_id,
      instrumentType: type,
      unit: row.unit,
      easting: row.easting,
      northing: row.northing,
      latitude: row.latitude,
      longitude: row.longitude,
      surfaceLevel: row.surface_level,
      status: (row.status as TriggerStatus | null) ?? null,
      statusSince: isoOrNull(row.status_since_ms),
      firstObservedAt: iso(row.first_observed_ms),
      lastObservedAt: iso(row.last_observed_ms),
      rule: {
        inForce: ruleInForce(row.trigger_rule, type, row.surface_level),
        source: row.trigger_levels_source === 'manual' ? 'manual' : 'default',
        setBy: row.trigger_rule_set_by,
        setAt: isoOrNull(row.trigger_rule_set_ms),
      },
      baselines: baselines.map((b) => ({
        baselineId: b.baseline_id,
        source: b.source === 'manual' ? 'manual' : 'initial',
        value: b.value,
        effectiveFrom: iso(b.effective_from_ms),
        reason: b.reason,
        setBy: b.set_by,
        recordedAt: iso(b.recorded_ms),
      })),
    };
  }

  /** A page of an instrument's windows starting in the range, oldest first. */
  async windows(instrumentId: string, range: TimeRange, page: PageRequest): Promise<Page<WindowEntry>> {
    const collected = await collectPage<WindowRow, WindowEntry>(
      (last, limit) =>
        this.#db.query<WindowRow>(SELECT_WINDOW_PAGE, {
          id: instrumentId,
          window_seconds: this.#windowSeconds,
          ...rangeParams(range),
          after: afterParam(last ? Number(last.window_start_ms) : page.after),
          limit,
        }),
      windowEntry,
      { limit: page.limit, rowsPerStatement: WINDOWS_PER_STATEMENT },
    );
    return { items: collected.items, nextAfter: collected.more && collected.last ? Number(collected.last.window_start_ms) : null };
  }

  /** A page of an instrument's readings observed in the range, oldest first. */
  async readings(instrumentId: string, range: TimeRange, page: PageRequest): Promise<Page<ReadingEntry>> {
    const collected = await collectPage<ReadingRow, ReadingEntry>(
      (last, limit) =>
        this.#db.query<ReadingRow>(SELECT_READING_PAGE, {
          id: instrumentId,
          ...rangeParams(range),
          after: afterParam(last ? Number(last.observed_ms) : page.after),
          limit,
        }),
      readingEntry,
      { limit: page.limit, rowsPerStatement: READINGS_PER_STATEMENT },
    );
    return { items: collected.items, nextAfter: collected.more && collected.last ? Number(collected.last.observed_ms) : null };
  }

  /**
   * An instrument's status changes (late and withdrawn ones marked) and unconfirmed spikes
   * in the range, oldest first: up to {@link MAX_EVENTS} of each, `truncated` when more.
   */
  async events(instrumentId: string, range: TimeRange): Promise<{ changes: ChangeEntry[]; spikes: SpikeEntry[]; truncated: boolean }> {
    const half = { limit: MAX_EVENTS, maxBytes: 440 * 1024 };
    const changes = await collectPage<ChangeRow, ChangeEntry>(
      (last, limit) =>
        this.#db.query<ChangeRow>(SELECT_CHANGE_PAGE, {
          id: instrumentId,
          ...rangeParams(range),
          after: afterParam(last ? Number(last.window_start_ms) : null),
          after_from: last?.from_status ?? '',
          after_to: last?.to_status ?? '',
          limit,
        }),
      changeEntry,
      { ...half, rowsPerStatement: CHANGES_PER_STATEMENT },
    );
    const spikes = await collectPage<SpikeRow, SpikeEntry>(
      (last, limit) =>
        this.#db.query<SpikeRow>(SELECT_SPIKE_PAGE, {
          id: instrumentId,
          ...rangeParams(range),
          after: afterParam(last ? Number(last.since_ms) : null),
          after_until: afterParam(last ? Number(last.until_ms) : null),
          after_peak: last?.peak_status ?? '',
          limit,
        }),
      spikeEntry,
      { ...half, rowsPerStatement: SPIKES_PER_STATEMENT },
    );
    return { changes: changes.items, spikes: spikes.items, truncated: changes.more || spikes.more };
  }
}

type Epoch = number | string;

interface InstrumentPageRow {
  instrument_id: string;
  instrument_type: string;
  unit: string;
  easting: number | null;
  northing: number | null;
  latitude: number | null;
  longitude: number | null;
  status: string | null;
  last_observed_ms: Epoch;
  latest_value: number | null;
  logging_interval_seconds: number | null;
}

interface InstrumentRow {
  instrument_id: string;
  instrument_type: string;
  unit: string;
  easting: number | null;
  northing: number | null;
  latitude: number | null;
  longitude: number | null;
  surface_level: number | null;
  trigger_rule: string | null;
  trigger_levels_source: string;
  trigger_rule_set_by: string | null;
  trigger_rule_set_ms: Epoch | null;
  first_observed_ms: Epoch;
  last_observed_ms: Epoch;
  status: string | null;
  status_since_ms: Epoch | null;
}

interface BaselineRow {
  baseline_id: string;
  source: string;
  value: number;
  effective_from_ms: Epoch;
  reason: string | null;
  set_by: string | null;
  recorded_ms: Epoch;
}

interface WindowRow {
  window_start_ms: Epoch;
  window_end_ms: Epoch;
  reading_count: number;
  mean: number;
  min_value: number;
  max_value: number;
  status: string | null;
  raw_status: string | null;
  change_value: number | null;
  rate_per_day: number | null;
  baseline_id: string | null;
}

interface ReadingRow {
  observed_ms: Epoch;
  value: number;
  arrived_ms: Epoch | null;
  source: string;
  author: string | null;
  note: string | null;
}

interface ChangeRow {
  window_start_ms: Epoch;
  window_end_ms: Epoch;
  from_status: string;
  to_status: string;
  window_mean: number;
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
  cause: string | null;
  confirmed_by: string;
  change_value: number | null;
  rate_per_day: number | null;
  baseline_id: string | null;
  baseline_value: number | null;
  late: boolean;
  delay_seconds: number | null;
  found_ms: Epoch;
  withdrawn_ms: Epoch | null;
}

interface SpikeRow {
  since_ms: Epoch;
  until_ms: Epoch;
  peak_status: string;
  cause: string;
  found_ms: Epoch;
}

function instrumentState(row: InstrumentPageRow, now: number): InstrumentState {
  const lastObserved = Number(row.last_observed_ms);
  const interval = row.logging_interval_seconds === null ? null : Number(row.logging_interval_seconds) * 1000;
  return {
    instrumentId: row.instrument_id,
    instrumentType: row.instrument_type as InstrumentType,
    unit: row.unit,
    easting: row.easting,
    northing: row.northing,
    latitude: row.latitude,
    longitude: row.longitude,
    status: (row.status as TriggerStatus | null) ?? null,
    silent: isSilent(lastObserved, interval, now),
    lastObservedAt: iso(lastObserved),
    latestValue: row.latest_value,
  };
}

function windowEntry(row: WindowRow): WindowEntry {
  return {
    windowStart: iso(row.window_start_ms),
    windowEnd: iso(row.window_end_ms),
    count: Number(row.reading_count),
    mean: row.mean,
    min: row.min_value,
    max: row.max_value,
    status: (row.status as TriggerStatus | null) ?? null,
    rawStatus: (row.raw_status as TriggerStatus | null) ?? null,
    change: row.change_value,
    ratePerDay: row.rate_per_day,
    baselineId: row.baseline_id,
  };
}

function readingEntry(row: ReadingRow): ReadingEntry {
  return {
    observedAt: iso(row.observed_ms),
    value: row.value,
    arrivedAt: isoOrNull(row.arrived_ms),
    source: row.source === 'manual' ? 'manual' : 'poll',
    author: row.author,
    note: row.note,
  };
}

function changeEntry(row: ChangeRow): ChangeEntry {
  const levels =
    row.trigger_alert !== null && row.trigger_alarm !== null && row.trigger_action !== null
      ? { alert: row.trigger_alert, alarm: row.trigger_alarm, action: row.trigger_action }
      : null;
  return {
    windowStart: iso(row.window_start_ms),
    windowEnd: iso(row.window_end_ms),
    from: row.from_status as TriggerStatus,
    to: row.to_status as TriggerStatus,
    mean: row.window_mean,
    cause: (row.cause as BandKey | null) ?? null,
    levels,
    confirmedBy: row.confirmed_by as ChangeEntry['confirmedBy'],
    change: row.change_value,
    ratePerDay: row.rate_per_day,
    baselineId: row.baseline_id,
    baselineValue: row.baseline_value,
    late: row.late,
    delaySeconds: row.delay_seconds,
    foundAt: iso(row.found_ms),
    withdrawn: row.withdrawn_ms !== null,
    withdrawnAt: isoOrNull(row.withdrawn_ms),
  };
}

function spikeEntry(row: SpikeRow): SpikeEntry {
  return {
    since: iso(row.since_ms),
    until: iso(row.until_ms),
    peakStatus: row.peak_status as SpikeEntry['peakStatus'],
    cause: row.cause as BandKey,
    foundAt: iso(row.found_ms),
  };
}

function rangeParams(range: TimeRange) {
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
}

/** The `:after` bound of a page: the key's instant, or before every instant for the first page. */
function afterParam(after: number | null): string {
  return after === null ? '-infinity' : new Date(after).toISOString();
}

function iso(epochMs: Epoch): string {
  return new Date(Number(epochMs)).toISOString();
}

function isoOrNull(epochMs: Epoch | null): string | null {
  return epochMs === null ? null : iso(epochMs);
}
