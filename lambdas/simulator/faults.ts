import { LEGACY_INSTRUMENT_NAMES, type ApiItem, type RawItem } from './endpoints.js';
import { unitHash, type KeyPart } from './random.js';

/** Faults applied to individual items, in the order they are applied. */
export const ITEM_FAULTS = [
  'legacyNames',
  'nullFields',
  'emptyStrings',
  'malformedTimestamps',
  'nonNumericReadings',
  'duplicateItems',
] as const;

/** Faults applied to a whole response. */
export const RESPONSE_FAULTS = ['http5xx', 'invalidJson', 'slowResponses'] as const;

export const FAULT_KINDS = [...ITEM_FAULTS, ...RESPONSE_FAULTS] as const;

export type ItemFault = (typeof ITEM_FAULTS)[number];
export type ResponseFault = (typeof RESPONSE_FAULTS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The chance, 0..1, of each fault: per item for item faults, per response for response faults. */
export type FaultRates = Readonly<Record<FaultKind, number>>;

export const NO_FAULTS: FaultRates = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;

/**
 * What a fault draw is keyed by. Every draw is a pure function of the seed, the scope
 * (the endpoint path), the request time and, for items, the item's position, so the
 * same request at the same time is always faulted the same way.
 */
export interface FaultContext {
  readonly seed: string;
  readonly scope: string;
  readonly at: number;
}

const ALL_FIELDS = ['borehole_number', 'instrument', 'surface_level', 'northing', 'easting', 'reading', 'timestamp'] as const;
const REQUIRED_FIELDS = ['borehole_number', 'instrument', 'reading', 'timestamp'] as const;
const BLANKS = ['', ' ', '   '] as const;
const NON_NUMERIC_READINGS = ['n/a', 'ERR', '--', '#N/A', 'offline'] as const;

function roll(context: FaultContext, kind: FaultKind, ...parts: readonly KeyPart[]): number {
  return unitHash(context.seed, 'fault', kind, context.scope, context.at, ...parts);
}

function pick<T>(options: readonly T[], unit: number): T {
  return options[Math.floor(unit * options.length)]!;
}

/** Applies the item faults to a response's items; duplicates follow their original. */
export function injectItemFaults(items: readonly ApiItem[], rates: FaultRates, context: FaultContext): RawItem[] {
  const served: RawItem[] = [];
  items.forEach((item, index) => {
    const hits = (kind: ItemFault): boolean => rates[kind] > 0 && roll(context, kind, index) < rates[kind];
    const variant = (kind: ItemFault): number => roll(context, kind, index, 'variant');
    const faulted: Record<string, unknown> = { ...item };
    if (hits('legacyNames')) faulted.instrument = LEGACY_INSTRUMENT_NAMES[item.instrument];
    if (hits('nullFields')) faulted[pick(ALL_FIELDS, variant('nullFields'))] = null;
    if (hits('emptyStrings')) {
      faulted[pick(REQUIRED_FIELDS, variant('emptyStrings'))] = pick(BLANKS, roll(context, 'emptyStrings', index, 'blank'));
    }
    if (hits('malformedTimestamps')) faulted.timestamp = malformedTimestamp(context.at, variant('malformedTimestamps'));
    if (hits('nonNumericReadings')) faulted.reading = pick(NON_NUMERIC_READINGS, variant('nonNumericReadings'));
    served.push(faulted);
    if (hits('duplicateItems')) served.push({ ...faulted });
  });
  return served;
}

/** A timestamp for instant `at` written in one of the broken ways real loggers write them. */
function malformedTimestamp(at: number, unit: number): string {
  const iso = new Date(at).toISOString();
  const [date = '', time = ''] = iso.split('T');
  const [year, month, day] = date.split('-');
  const variants = [
    `${date}T25${time.slice(2)}`,
    `${year}-13-${day}T${time}`,
    `${day}/${month}/${year} ${time.slice(0, 8)}`,
    '0000-00-00T00:00:00Z',
    'pending',
  ];
  return pick(variants, unit);
}

/** Whether this response is faulted with `kind`. */
export function hitsResponseFault(rates: FaultRates, context: FaultContext, kind: ResponseFault): boolean {
  return rates[kind] > 0 && roll(context, kind) < rates[kind];
}

export interface ServerError {
  readonly status: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, string>>;
}

const SERVER_ERRORS: readonly ServerError[] = [
  { status: 500, reason: 'Internal Server Error', headers: {} },
  { status: 502, reason: 'Bad Gateway', headers: {} },
  { status: 503, reason: 'Service Unavailable', headers: { 'retry-after': '5' } },
  { status: 504, reason: 'Gateway Timeout', headers: {} },
];

/** Which 5xx a faulted response returns. */
export function drawServerError(context: FaultContext): ServerError {
  return pick(SERVER_ERRORS, roll(context, 'http5xx', 'status'));
}

/**
 * Breaks a JSON body the ways a failing upstream does: cut off part-way, a bare `NaN`
 * where a number belongs, or a trailing comma. The result never parses.
 */
export function corruptJson(body: string, context: FaultContext): string {
  const unit = roll(context, 'invalidJson', 'variant');
  const reading = /"reading":-?[\d.]+/;
  if (unit < 1 / 3 && reading.test(body)) return body.replace(reading, '"reading":NaN');
  if (unit < 2 / 3) return `${body.slice(0, -1)},}`;
  const cut = Math.max(1, Math.floor(body.length * (0.3 + 0.6 * roll(context, 'invalidJson', 'cut'))));
  return body.slice(0, Math.min(cut, body.length - 1));
}
