import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { levelsInValueTerms, type Direction } from '../../lambdas/domain/trigger-rules.js';
import { formatValue } from './html/format.js';
import type { InstrumentState } from './report-data.js';

const LEVEL_NAMES = ['alert', 'alarm', 'action'] as const;

/** A trigger level in the instrument's own terms (its unit, absolute), as a chart draws it. */
export interface AbsoluteLevel {
  readonly name: (typeof LEVEL_NAMES)[number];
  readonly direction: Direction;
  readonly value: number;
}

/**
 * The level bands of an instrument's rule in absolute terms: an `absolute` band's levels as
 * they are, a `change` band's at the baseline in force plus the level (none before there is
 * a baseline). Rate bands judge a rate, not a value, and have no level to draw.
 */
export function absoluteLevels(instrument: Pick<InstrumentState, 'rule' | 'baseline'>): AbsoluteLevel[] {
  const levels: AbsoluteLevel[] = [];
  for (const band of instrument.rule.bands) {
    const values = levelsInValueTerms(band, instrument.baseline?.value ?? null);
    if (values) for (const name of LEVEL_NAMES) levels.push({ name, direction: band.direction, value: values[name] });
  }
  return levels;
}

/** The rule in words: each band's quantity, direction and levels, signed. */
export function ruleText(instrument: Pick<InstrumentState, 'rule' | 'type' | 'unit'>): string {
  const { rule, type, unit } = instrument;
  const signed = (value: number, change: boolean) => `${change && value > 0 ? '+' : ''}${formatValue(type, value)}`;
  const parts = rule.bands.map((band) => {
    const change = band.quantity === 'change';
    const what = `${band.direction === 'rise' ? 'Rise' : 'Fall'} ${change ? 'from baseline' : 'of the value'}`;
    return `${what}: ${LEVEL_NAMES.map((name) => `${name} ${signed(band.levels[name], change)}`).join(', ')} ${unit}`;
  });
  for (const band of rule.rateBands)
    parts.push(
      `${band.direction === 'rise' ? 'Rising' : 'Falling'} rate over ${band.periodHours} h: ${LEVEL_NAMES.map((name) => `${name} ${signed(band.levels[name], true)}`).join(', ')} ${unit}/day`,
    );
  return parts.length ? `${parts.join('; ')}.` : 'No trigger levels.';
}

/** The baseline in words, or why there is none yet. */
export function baselineText(
  instrument: Pick<InstrumentState, 'baseline' | 'rule' | 'type' | 'unit'>,
  time: (ms: number) => string,
): string {
  const b = instrument.baseline;
  if (!b) return `No baseline yet (the mean of the first ${instrument.rule.baselineReadings} readings).`;
  return `Baseline ${formatValue(instrument.type as InstrumentType, b.value)} ${instrument.unit} (${b.id === 'initial' ? 'initial' : `re-baseline ${b.id}`}, from ${time(b.effectiveFrom)}).`;
}
