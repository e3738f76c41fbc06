import type { Baseline } from '../domain/baselines.js';
import { gridToLatLon } from '../domain/coordinates.js';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../domain/instrument-types.js';
import { readingIdentity } from '../domain/normalise-items.js';
import { sourceOf, toMicroUnits, type Reading, type ReadingSource } from '../domain/reading.js';
import type { BandKey, StatusMachineState, WindowFacts, WindowJudgement } from '../domain/status-machine.js';
import { statusRank, type TriggerLevels, type TriggerStatus } from '../domain/trigger-levels.js';
import { defaultTriggerRule, levelsInValueTerms, type Direction, type TriggerRule } from '../domain/trigger-rules.js';
import { maxOf, meanOf, minOf, type WindowAggregate } from '../domain/window-aggregate.js';

/**
 * The documents the real-time path writes, field for field as the index templates map
 * them (the templates are `dynamic: strict`, so a field missing there is refused).
 * Times are epoch milliseconds. The judgement fields are what the domain's status
 * machine gave the window (see status-machine.ts); this module only lays them out.
 */

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** What is known about an instrument from its latest reading. */
export interface InstrumentDescription {
  readonly instrumentId: string;
  readonly type: InstrumentType;
  readonly surfaceLevel: number | null;
  readonly northing: number | null;
  readonly easting: number | null;
}

interface InstrumentFields {
  instrument_id: string;
  instrument_type: InstrumentType;
  unit: string;
  surface_level: number | null;
  position: GeoPoint | null;
}

/**
 * A window's judgement. The levels are drawn in absolute terms (the type's unit, as the
 * window mean): `trigger_*` the rise band's, `lower_*` the fall band's; a band on the
 * change from baseline is drawn as baseline + levels, so it is null until there is a
 * baseline, as is a band the rule does not have.
 */
export interface JudgementFields {
  /** The confirmed status after the window. */
  status: TriggerStatus;
  status_rank: number;
  /** The status the levels give the window (with hysteresis), before confirmation. */
  raw_status: TriggerStatus;
  /** Window mean minus the baseline in force, or null before there is one. */
  change: number | null;
  /** Rate of change, unit per day, or null when not judged. */
  rate: number | null;
  baseline: number | null;
  baseline_id: string | null;
  /** The band behind the raw status (`level:rise` …), null when normal. */
  cause: BandKey | null;
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
  lower_alert: number | null;
  lower_alarm: number | null;
  lower_action: number | null;
}

/** The judgement fields of a window that was not judged (older than the late horizon). */
export type UnjudgedFields = { [K in keyof JudgementFields]: null };

export interface ReadingDocument extends InstrumentFields {
  observed_at: number;
  value: number;
  value_micro: number;
  northing: number | null;
  easting: number | null;
  /** `poll`, or `manual` for a reading an engineer entered. */
  source: ReadingSource;
  /** Who entered a manual reading; null for polled ones. */
  author: string | null;
  note: string | null;
}

interface WindowValues {
  window_start: number;
  window_end: number;
  count: number;
  mean: number;
  min: number;
  max: number;
  last_observed_at: number;
}

export type WindowDocument = InstrumentFields &
  WindowValues &
  (JudgementFields | UnjudgedFields) & {
    sum_micro: number;
    first_observed_at: number;
    computed_at: number;
  };

/** A window document that was judged. */
export type JudgedWindowDocument = WindowDocument & JudgementFields;

/** The confirmed status at a stored machine state, with what it was before. */
export interface StatusBasis {
  status: TriggerStatus;
  /** Null in the basis of an instrument's first window. */
  status_since: number | null;
  previous_status: TriggerStatus | null;
  /** The machine state; null in the basis of an instrument's first window (there was none before it). */
  machine_state: StatusMachineState | null;
}

export interface StatusDocument extends InstrumentFields, WindowValues, JudgementFields {
  /** Start of the window in which the confirmed status began. */
  status_since: number;
  previous_status: TriggerStatus | null;
  /** The machine state after the latest window judged. */
  machine_state: StatusMachineState;
  updated_at: number;
  /** The state before the latest window was judged, so a recomputed latest window is judged again from the same point. */
  basis: StatusBasis;
}

/** A stored machine state an instrument's windows can be judged again from: the state after the first window judged in an hour. */
export interface CheckpointDocument {
  instrument_id: string;
  window_start: number;
  status: TriggerStatus;
  previous_status: TriggerStatus | null;
  machine_state: StatusMachineState;
}

/** Deterministic id of a reading: a replay overwrites instead of adding. */
export function readingDocumentId(reading: Pick<Reading, 'instrumentId' | 'observedAt'>): string {
  return readingIdentity(reading);
}

export function windowDocumentId(instrumentId: string, windowStart: number): string {
  return `${instrumentId}@${windowStart}`;
}

/** Instruments do not move, so each batch projects the same few hundred positions; they are kept once projected. */
const projected = new Map<string, GeoPoint | null>();
const MAX_PROJECTED = 50_000;

/** A grid position as a geo point, or null when the position is absent or does not project to valid WGS84 degrees. */
export function positionOf(northing: number | null, easting: number | null): GeoPoint | null {
  if (northing === null || easting === null) return null;
  const key = `${easting},${northing}`;
  const known = projected.get(key);
  if (known !== undefined) return known;
  const { latitude, longitude } = gridToLatLon(easting, northing);
  const point = Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 ? { lat: latitude, lon: longitude } : null;
  if (projected.size >= MAX_PROJECTED) projected.clear();
  projected.set(key, point);
  return point;
}

/** The rule the real-time path judges an instrument by: its type's default (there is no registry here). */
export function ruleOf(instrument: Pick<InstrumentDescription, 'type' | 'surfaceLevel'>): TriggerRule {
  return defaultTriggerRule(instrument.type, instrument.surfaceLevel);
}

export function checkpointDocumentId(instrumentId: string, windowStart: number): string {
  return `${instrumentId}@${windowStart}`;
}

function instrumentFields(instrument: InstrumentDescription): InstrumentFields {
  return {
    instrument_id: instrument.instrumentId,
    instrument_type: instrument.type,
    unit: INSTRUMENT_TYPE_SPECS[instrument.type].unit,
    surface_level: instrument.surfaceLevel,
    position: positionOf(instrument.northing, instrument.easting),
  };
}

/** A band's levels in absolute terms for a window judged against `baseline`, or null when not known. */
export function absoluteLevels(rule: TriggerRule, direction: Direction, baseline: Baseline | null): TriggerLevels | null {
  const band = rule.bands.find((candidate) => candidate.direction === direction);
  return band ? levelsInValueTerms(band, baseline?.value ?? null) : null;
}

export function judgementFields(judgement: WindowJudgement, rule: TriggerRule): JudgementFields {
  const rise = absoluteLevels(rule, 'rise', judgement.baseline);
  const fall = absoluteLevels(rule, 'fall', judgement.baseline);
  return {
    status: judgement.status,
    status_rank: statusRank(judgement.status),
    raw_status: judgement.rawStatus,
    change: judgement.change,
    rate: judgement.rate,
    baseline: judgement.baseline?.value ?? null,
    baseline_id: judgement.baseline?.id ?? null,
    cause: judgement.cause,
    trigger_alert: rise?.alert ?? null,
    trigger_alarm: rise?.alarm ?? null,
    trigger_action: rise?.action ?? null,
    lower_alert: fall?.alert ?? null,
    lower_alarm: fall?.alarm ?? null,
    lower_action: fall?.action ?? null,
  };
}

export const UNJUDGED: UnjudgedFields = {
  status: null,
  status_rank: null,
  raw_status: null,
  change: null,
  rate: null,
  baseline: null,
  baseline_id: null,
  cause: null,
  trigger_alert: null,
  trigger_alarm: null,
  trigger_action: null,
  lower_alert: null,
  lower_alarm: null,
  lower_action: null,
};

export function isJudged(window: WindowDocument): window is JudgedWindowDocument {
  return window.status !== null;
}

export function readingDocument(reading: Reading): ReadingDocument {
  return {
    ...instrumentFields(reading),
    observed_at: reading.observedAt,
    value: reading.value,
    value_micro: toMicroUnits(reading.value),
    northing: reading.northing,
    easting: reading.easting,
    source: sourceOf(reading),
    author: reading.author ?? null,
    note: reading.note ?? null,
  };
}

/** A window recomputed from the readings index. */
export interface RecomputedWindowFacts {
  readonly instrument: InstrumentDescription;
  readonly windowStart: number;
  readonly windowMs: number;
  readonly aggregate: WindowAggregate;
}

/** A window document's values and instrument, without a judgement yet. */
export function windowDocument(facts: RecomputedWindowFacts, computedAt: number): WindowDocument {
  return {
    ...instrumentFields(facts.instrument),
    window_start: facts.windowStart,
    window_end: facts.windowStart + facts.windowMs,
    count: facts.aggregate.count,
    sum_micro: facts.aggregate.sumMicro,
    mean: meanOf(facts.aggregate),
    min: minOf(facts.aggregate),
    max: maxOf(facts.aggregate),
    first_observed_at: facts.aggregate.firstAt,
    last_observed_at: facts.aggregate.lastAt,
    ...UNJUDGED,
    computed_at: computedAt,
  };
}

/** The window as the domain's status machine takes it. */
export function windowFactsOf(window: WindowDocument): WindowFacts {
  return {
    windowStart: window.window_start,
    windowEnd: window.window_end,
    count: window.count,
    sumMicro: window.sum_micro,
    mean: window.mean,
    min: window.min,
    max: window.max,
  };
}

/** The instrument a window document describes. */
export function instrumentOf(window: WindowDocument): Pick<InstrumentDescription, 'type' | 'surfaceLevel'> {
  return { type: window.instrument_type, surfaceLevel: window.surface_level };
}

/** The latest-status document of an instrument whose latest judged window is `window`. */
export function statusDocument(
  window: JudgedWindowDocument,
  current: { status: TriggerStatus; status_since: number; previous_status: TriggerStatus | null; machine_state: StatusMachineState },
  basis: StatusBasis,
  updatedAt: number,
): StatusDocument {
  const { sum_micro: _sum, first_observed_at: _first, computed_at: _computed, ...fields } = window;
  return { ...fields, ...current, updated_at: updatedAt, basis };
}
