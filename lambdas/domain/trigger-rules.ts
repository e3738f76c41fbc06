import { INSTRUMENT_TYPE_SPECS, type InstrumentType } from './instrument-types.js';
import { TRIGGER_STATUSES, type TriggerLevels, type TriggerStatus } from './trigger-levels.js';

/**
 * How an instrument is judged: which quantity, in which direction, against which levels,
 * and how long a rise must hold before it is notified.
 *
 * - A **level band** compares the window mean (`absolute`) or its change from the
 *   baseline in force (`change`) with three levels. A `rise` band's levels ascend
 *   (alert < alarm < action) and the status rises as the quantity reaches them; a `fall`
 *   band's levels descend (alert > alarm > action) and the status rises as the quantity
 *   drops to them. An instrument has at most one band per direction, so settlement and
 *   heave can have different limits.
 * - A **rate band** compares the rate of change of the window mean, in unit per day over
 *   a trailing period, with three levels, in the same way (a fall band's levels are
 *   negative rates).
 * - **Confirmation**: a rise of the status to a level is notified only once it has held
 *   for that level's number of consecutive windows, or at once when a window's own
 *   re-reads confirm it (two or more readings, every one of them at the level).
 */
export type Direction = 'rise' | 'fall';
export type JudgedQuantity = 'absolute' | 'change';

export interface LevelBand {
  readonly direction: Direction;
  readonly quantity: JudgedQuantity;
  /** In the type's unit: ascending for a rise band, descending for a fall band. */
  readonly levels: TriggerLevels;
}

export interface RateBand {
  readonly direction: Direction;
  /** Unit per day: ascending positive rates for a rise band, descending negative rates for a fall band. */
  readonly levels: TriggerLevels;
  /** The trailing period the rate is measured over, hours. */
  readonly periodHours: number;
}

/** Consecutive windows a rise to each level must hold before it is confirmed. */
export type ConfirmationWindows = Readonly<Record<Exclude<TriggerStatus, 'normal'>, number>>;

export interface TriggerRule {
  readonly bands: readonly LevelBand[];
  readonly rateBands: readonly RateBand[];
  readonly confirmation: ConfirmationWindows;
  /** Dead band as a fraction of a band's narrowest level gap. */
  readonly hysteresisFraction: number;
  /** Readings whose mean sets the initial baseline. */
  readonly baselineReadings: number;
}

/**
 * Alert and Alarm must hold for two windows; Action too, which delays an Action by at
 * most one window, and a window of two or more re-reads all at the level confirms at once.
 * One stray reading therefore never sends a notification.
 */
export const DEFAULT_CONFIRMATION: ConfirmationWindows = { alert: 2, alarm: 2, action: 2 };
export const DEFAULT_HYSTERESIS_FRACTION = 0.2;
export const DEFAULT_BASELINE_READINGS = 5;

/** What the levels of a type's default rule are measured from. */
interface DefaultRuleSpec {
  readonly bands: ReadonlyArray<{ direction: Direction; quantity: JudgedQuantity; levels: TriggerLevels | 'below-surface' }>;
  readonly rateBands: readonly RateBand[];
}

/**
 * The rule an instrument gets when its registry entry sets none of its own.
 * - Standpipes rise towards the ground surface (3, 2 and 1 m below it) and alarm on a
 *   drawdown of 1, 1.5 and 2 m below the baseline, which causes settlement nearby.
 * - Piezometers are judged on their change from baseline, so a deep tip is not in alarm
 *   on its first reading: +30/+50/+70 kPa, and a drawdown of -20/-30/-40 kPa.
 * - Settlement markers: settlement (negative) of 10/15/20 mm, heave of 5/8/10 mm, and a
 *   settlement rate of 2/5/10 mm/day over the trailing 24 hours.
 * - Extensometers ±10/15/20 mm and strain gauges ±1000/1500/2000 µε from baseline.
 */
export const DEFAULT_RULE_SPECS: Readonly<Record<InstrumentType, DefaultRuleSpec>> = {
  water_standpipe: {
    bands: [
      { direction: 'rise', quantity: 'absolute', levels: 'below-surface' },
      { direction: 'fall', quantity: 'change', levels: { alert: -1, alarm: -1.5, action: -2 } },
    ],
    rateBands: [],
  },
  piezometer: {
    bands: [
      { direction: 'rise', quantity: 'change', levels: { alert: 30, alarm: 50, action: 70 } },
      { direction: 'fall', quantity: 'change', levels: { alert: -20, alarm: -30, action: -40 } },
    ],
    rateBands: [],
  },
  settlement_marker: {
    bands: [
      { direction: 'rise', quantity: 'change', levels: { alert: 5, alarm: 8, action: 10 } },
      { direction: 'fall', quantity: 'change', levels: { alert: -10, alarm: -15, action: -20 } },
    ],
    rateBands: [{ direction: 'fall', levels: { alert: -2, alarm: -5, action: -10 }, periodHours: 24 }],
  },
  extensometer: {
    bands: [
      { direction: 'rise', quantity: 'change', levels: { alert: 10, alarm: 15, action: 20 } },
      { direction: 'fall', quantity: 'change', levels: { alert: -10, alarm: -15, action: -20 } },
    ],
    rateBands: [],
  },
  strain_gauge: {
    bands: [
      { direction: 'rise', quantity: 'change', levels: { alert: 1000, alarm: 1500, action: 2000 } },
      { direction: 'fall', quantity: 'change', levels: { alert: -1000, alarm: -1500, action: -2000 } },
    ],
    rateBands: [],
  },
};

/** Standpipe rise levels relative to the ground surface, metres. */
const BELOW_SURFACE: TriggerLevels = { alert: -3, alarm: -2, action: -1 };

/**
 * The default rule of an instrument. A standpipe whose surface level is unknown has no
 * rise band (its drawdown band still applies).
 */
export function defaultTriggerRule(type: InstrumentType, surfaceLevel: number | null): TriggerRule {
  const spec = DEFAULT_RULE_SPECS[type];
  const bands: LevelBand[] = [];
  for (const band of spec.bands) {
    if (band.levels !== 'below-surface') bands.push({ ...band, levels: band.levels });
    else if (surfaceLevel !== null && Number.isFinite(surfaceLevel))
      bands.push({ ...band, levels: offsetLevels(BELOW_SURFACE, surfaceLevel) });
  }
  return {
    bands,
    rateBands: spec.rateBands,
    confirmation: DEFAULT_CONFIRMATION,
    hysteresisFraction: DEFAULT_HYSTERESIS_FRACTION,
    baselineReadings: DEFAULT_BASELINE_READINGS,
  };
}

function offsetLevels(levels: TriggerLevels, by: number): TriggerLevels {
  return { alert: round(levels.alert + by), alarm: round(levels.alarm + by), action: round(levels.action + by) };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** A fault in a rule, naming the field it is in. */
export interface RuleProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Checks a rule for an instrument type: levels finite, in order for their direction,
 * inside the type's physical range (absolute levels) or its span (changes), at most one
 * band per direction, rate periods positive, confirmation counts whole and at least one.
 */
export function triggerRuleProblems(rule: TriggerRule, type: InstrumentType): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { min, max } = INSTRUMENT_TYPE_SPECS[type].physicalRange;
  const span = max - min;
  const seen = new Set<Direction>();
  rule.bands.forEach((band, i) => {
    const field = `bands[${i}]`;
    if (seen.has(band.direction)) problems.push({ field: `${field}.direction`, message: `a second ${band.direction} band` });
    seen.add(band.direction);
    const order = levelOrderProblem(band.levels, band.direction);
    if (order) problems.push({ field: `${field}.levels`, message: order });
    const [low, high] = band.quantity === 'absolute' ? [min, max] : [-span, span];
    for (const level of levelValues(band.levels)) {
      if (Number.isFinite(level) && (level < low || level > high))
        problems.push({ field: `${field}.levels`, message: `${level} is outside the ${band.quantity} range ${low}..${high} of a ${type}` });
    }
  });
  const seenRates = new Set<Direction>();
  rule.rateBands.forEach((band, i) => {
    const field = `rateBands[${i}]`;
    if (seenRates.has(band.direction)) problems.push({ field: `${field}.direction`, message: `a second ${band.direction} rate band` });
    seenRates.add(band.direction);
    const order = levelOrderProblem(band.levels, band.direction);
    if (order) problems.push({ field: `${field}.levels`, message: order });
    if (!(Number.isFinite(band.periodHours) && band.periodHours > 0))
      problems.push({
        field: `${field}.periodHours`,
        message: `the rate period must be a positive number of hours (got ${band.periodHours})`,
      });
  });
  for (const level of TRIGGER_STATUSES.slice(1) as Array<keyof ConfirmationWindows>) {
    const k = rule.confirmation[level];
    if (!(Number.isInteger(k) && k >= 1 && k <= 100))
      problems.push({ field: `confirmation.${level}`, message: `must be a whole number of windows from 1 to 100 (got ${k})` });
  }
  if (!(rule.hysteresisFraction >= 0 && rule.hysteresisFraction < 1))
    problems.push({ field: 'hysteresisFraction', message: `must be at least 0 and below 1 (got ${rule.hysteresisFraction})` });
  if (!(Number.isInteger(rule.baselineReadings) && rule.baselineReadings >= 1))
    problems.push({ field: 'baselineReadings', message: `must be a whole number of readings, at least 1 (got ${rule.baselineReadings})` });
  return problems;
}

function levelValues(levels: TriggerLevels): number[] {
  return [levels.alert, levels.alarm, levels.action];
}

function levelOrderProblem(levels: TriggerLevels, direction: Direction): string | null {
  const { alert, alarm, action } = levels;
  if (!levelValues(levels).every(Number.isFinite)) return 'levels must be finite numbers';
  if (direction === 'rise' && !(alert < alarm && alarm < action))
    return `rise levels must ascend (alert ${alert} < alarm ${alarm} < action ${action})`;
  if (direction === 'fall' && !(alert > alarm && alarm > action))
    return `fall levels must descend (alert ${alert} > alarm ${alarm} > action ${action})`;
  return null;
}

/**
 * A band's levels and a quantity turned into a departure that grows towards the hazard:
 * the quantity itself for a rise band, its negation for a fall band. Levels become
 * ascending either way, so one comparison serves both directions.
 */
export function departure(direction: Direction, quantity: number): number {
  return direction === 'rise' ? quantity : -quantity;
}

export function ascendingLevels(direction: Direction, levels: TriggerLevels): TriggerLevels {
  return direction === 'rise' ? levels : { alert: -levels.alert, alarm: -levels.alarm, action: -levels.action };
}

/**
 * A level band's levels as values of the instrument's own quantity, as a chart or a level
 * line draws them: an `absolute` band's levels as they are, a `change` band's at `baseline`
 * plus the level (null before there is a baseline).
 */
export function levelsInValueTerms(band: LevelBand, baseline: number | null): TriggerLevels | null {
  if (band.quantity === 'absolute') return band.levels;
  if (baseline === null) return null;
  return offsetLevels(band.levels, baseline);
}
