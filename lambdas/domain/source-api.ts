import * as z from 'zod/mini';

/**
 * The source API's wire format: one envelope per instrument family, and `params/all`
 * bundling the five. Items stay `unknown` here: each is validated on its own so one
 * bad item never spoils its envelope.
 */
export const EnvelopeSchema = z.object({
  instruments: z.optional(z.int().check(z.nonnegative())),
  units: z.optional(z.string()),
  timezone: z.optional(z.string()),
  items: z.array(z.unknown()),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** Keys of the five envelopes inside the `params/all` response. */
export const ALL_ENVELOPE_KEYS = [
  'standpipe_data',
  'piezometer_data',
  'settlement_x_data',
  'settlement_y_data',
  'settlement_z_data',
] as const;

export const AllEnvelopeSchema = z.object({
  instruments: z.optional(z.int().check(z.nonnegative())),
  standpipe_data: EnvelopeSchema,
  piezometer_data: EnvelopeSchema,
  settlement_x_data: EnvelopeSchema,
  settlement_y_data: EnvelopeSchema,
  settlement_z_data: EnvelopeSchema,
});

/**
 * The paths the poller reads by default. They match the original API, which serves
 * them without a trailing slash (`params/all` fails there, so it is not a default).
 */
export const DEFAULT_SOURCE_PATHS = [
  'params/water_standpipe',
  'params/pore_pressure',
  'params/settlement/x',
  'params/settlement/y',
  'params/settlement/z',
] as const;

export const ALL_PATH = 'params/all';

export class EnvelopeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'EnvelopeError';
  }
}

/**
 * The items of a response body: an envelope's items, or, for `params/all`, the items of
 * its five envelopes in order. Throws {@link EnvelopeError} naming what is wrong.
 */
export function itemsOfResponse(path: string, body: unknown): unknown[] {
  const isAll = normalisePath(path) === ALL_PATH;
  const parsed = (isAll ? AllEnvelopeSchema : EnvelopeSchema).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new EnvelopeError(path, `not a ${isAll ? 'combined' : 'readings'} envelope (${where}: ${issue?.message ?? 'invalid'})`);
  }
  if (!isAll) return (parsed.data as Envelope).items;
  const all = parsed.data as z.infer<typeof AllEnvelopeSchema>;
  return ALL_ENVELOPE_KEYS.flatMap((key) => all[key].items);
}

/** Path without leading or trailing slashes, so `params/all/` and `/params/all` compare equal. */
export function normalisePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
