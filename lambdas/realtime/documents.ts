import { gridToLatLon } from '../domain/coordinates.js';
import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from '../domain/instrument-types.js';
import { readingIdentity } from '../domain/normalise-items.js';
import { toMicroUnits, type Reading } from '../domain/reading.js';
import { classify } from '../domain/trigger-evaluation.js';
import { defaultTriggerLevels, statusRank, triggerModeOf, type TriggerLevels, type TriggerStatus } from '../domain/trigger-levels.js';
import { maxOf, meanOf, minOf, type WindowAggregate } from '../domain/window-aggregate.js';

/**
 * The documents the real-time path writes, field for field as the index templates map
 * them (the templates are `dynamic: strict`, so a field missing there is refused).
 * Times are epoch milliseconds.
 */

/** An instrument's status, or `unknown` while it has no trigger levels (a standpipe without a surface level). */
export type InstrumentStatus = TriggerStatus | 'unknown';

export function instrumentStatusRank(status: InstrumentStatus): number {
  return status === 'unknown' ? -1 : statusRank(status);
}

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

interface TriggerFields {
  trigger_alert: number | null;
  trigger_alarm: number | null;
  trigger_action: number | null;
}

export interface ReadingDocument extends InstrumentFields {
  observed_at: number;
  value: number;
  value_micro: number;
  northing: number | null;
  easting: number | null;
}

export interface WindowDocument extends InstrumentFields, TriggerFields {
  window_start: number;
  window_end: number;
  count: number;
  sum_micro: number;
  mean: number;
  min: number;
  max: number;
  first_observed_at: number;
  last_observed_at: number;
  /** The level the window mean reaches, without hysteresis (the status index carries the hysteretic status). */
  status: InstrumentStatus;
  status_rank: number;
  computed_at: number;
}

export interface StatusBasis {
  status: InstrumentStatus;
  status_since: number | null;
  previous_status: InstrumentStatus | null;
}

export interface StatusDocument extends InstrumentFields, TriggerFields, StatusBasis {
  status_rank: number;
  window_start: number;
  window_end: number;
  mean: number;
  min: number;
  max: number;
  count: number;
  last_observed_at: number;
  updated_at: number;
  /** The status before the latest window was applied, so a recomputed latest window is re-evaluated from the same point. */
  basis: StatusBasis;
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

export function triggerLevelsOf(instrument: Pick<InstrumentDescription, 'type' | 'surfaceLevel'>): TriggerLevels | null {
  return defaultTriggerLevels(instrument.type, instrument.surfaceLevel);
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

function triggerFields(levels: TriggerLevels | null): TriggerFields {
  return { trigger_alert: levels?.alert ?? null, trigger_alarm: levels?.alarm ?? null, trigger_action: levels?.action ?? null };
}

export function readingDocument(reading: Reading): ReadingDocument {
  return {
    ...instrumentFields(reading),
    observed_at: reading.observedAt,
    value: reading.value,
    value_micro: toMicroUnits(reading.value),
    northing: reading.northing,
    easting: reading.easting,
  };
}

export interface WindowFacts {
  readonly instrument: InstrumentDescription;
  readonly windowStart: number;
  readonly windowMs: number;
  readonly aggregate: WindowAggregate;
}

export function windowDocument(facts: WindowFacts, computedAt: number): WindowDocument {
  const levels = triggerLevelsOf(facts.instrument);
  const mean = meanOf(facts.aggregate);
  const status: InstrumentStatus = levels ? classify(mean, levels, triggerModeOf(facts.instrument.type)) : 'unknown';
  return {
    ...instrumentFields(facts.instrument),
    ...triggerFields(levels),
    window_start: facts.windowStart,
    window_end: facts.windowStart + facts.windowMs,
    count: facts.aggregate.count,
    sum_micro: facts.aggregate.sumMicro,
    mean,
    min: minOf(facts.aggregate),
    max: maxOf(facts.aggregate),
    first_observed_at: facts.aggregate.firstAt,
    last_observed_at: facts.aggregate.lastAt,
    status,
    status_rank: instrumentStatusRank(status),
    computed_at: computedAt,
  };
}

/** The latest-status document for an instrument after its status advanced to `window`. */
export function statusDocument(window: WindowDocument, current: StatusBasis, basis: StatusBasis, updatedAt: number): StatusDocument {
  return {
    instrument_id: window.instrument_id,
    instrument_type: window.instrument_type,
    unit: window.unit,
    surface_level: window.surface_level,
    position: window.position,
    trigger_alert: window.trigger_alert,
    trigger_alarm: window.trigger_alarm,
    trigger_action: window.trigger_action,
    ...current,
    status_rank: instrumentStatusRank(current.status),
    window_start: window.window_start,
    window_end: window.window_end,
    mean: window.mean,
    min: window.min,
    max: window.max,
    count: window.count,
    last_observed_at: window.last_observed_at,
    updated_at: updatedAt,
    basis,
  };
}
