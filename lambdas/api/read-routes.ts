import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod/mini';
import { RegistryError, type InstrumentRegistry } from '../batch/registry.js';
import { CSV_FIELD_NAMES, CSV_HEADER, parseManualReadingsCsv } from '../domain/manual-readings-csv.js';
import { MAX_MANUAL_READINGS, rowsFromJson } from '../domain/manual-readings.js';
import type { RuleProblem } from '../domain/trigger-rules.js';
import type { ManualReadingIntake } from '../readings/manual-intake.js';
import { decodeCursor, encodeCursor } from '../readings/pages.js';
import type { ReadModel, TimeRange } from '../readings/read-model.js';
import { requireEngineer } from './auth.js';
import { header, isJsonContentType, jsonResponse, readJsonBody } from './http.js';
import { fail, type FieldProblem } from './problems.js';
import type { InstrumentListResponse, OpenAlarmView, ReadingsUploadResponse } from './read-views.js';
import { instantParameter, parseInput, wholeNumberText } from './request-schemas.js';
import type { RouteHandler } from './router.js';
import { READ_API_ROUTES, type ReadRouteKey } from './routes.js';

/**
 * The read API's routes: what the batch store holds of each instrument (through the read
 * model), engineers' registry edits (through the registry, which checks every change), and
 * manual readings (through the intake, onto the reading stream). Every caller may read;
 * writes need the engineers group.
 */

/** An instrument's open alarm, from the alarm store. */
export interface OpenAlarm extends OpenAlarmView {
  readonly instrumentId: string;
}

/** What the read routes read and write through. */
export interface ReadApiServices {
  readonly readModel: ReadModel;
  readonly registry: InstrumentRegistry;
  readonly intake: ManualReadingIntake;
}

export interface ReadRouteDependencies extends ReadApiServices {
  /** The site's IANA time zone: a date in `from` or `to` is a day of the site. */
  readonly siteTimeZone: string;
  /** Each instrument's open alarm; without it the list shows none. */
  readonly openAlarms?: () => Promise<readonly OpenAlarm[]>;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** Windows or readings per page when `limit` is not given, and the most one page holds. */
export const DEFAULT_SERIES_PAGE = 1_000;
export const MAX_SERIES_PAGE = 5_000;
/** The range read when `from` is not given: the day before `to`. */
export const DEFAULT_RANGE_MS = 24 * 3_600_000;
/**
 * Largest manual-readings upload, bytes. API Gateway's HTTP API takes 10 MB, but the API
 * function's synchronous invocation takes 6 MB of event, in which the body is a JSON string
 * (a CSV's quotes and line breaks are escaped there, up to twice their size).
 */
export const MAX_UPLOAD_BYTES = 2.5 * 1024 * 1024;
/** Longest `reason` of a re-baseline. */
export const MAX_BASELINE_REASON = 500;

const RANGE_PARAMETERS = 'from, to, cursor, limit';

function seriesQuerySchema(siteTimeZone: string) {
  return z
    .strictObject(
      {
        from: instantParameter('from', siteTimeZone),
        to: instantParameter('to', siteTimeZone),
        cursor: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(200, 'must be at most 200 characters'))),
        limit: z.optional(wholeNumberText(1, MAX_SERIES_PAGE)),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter; the parameters are ${RANGE_PARAMETERS}` : undefined) },
    )
    .check(
      z.refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
        message: 'must be after from',
        path: ['to'],
      }),
    );
}

function eventsQuerySchema(siteTimeZone: string) {
  return z
    .strictObject(
      { from: instantParameter('from', siteTimeZone), to: instantParameter('to', siteTimeZone) },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown parameter; the parameters are from, to' : undefined) },
    )
    .check(
      z.refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
        message: 'must be after from',
        path: ['to'],
      }),
    );
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The body of `POST /instruments/{id}/baselines`. */
export const BASELINE_BODY_SCHEMA = z.strictObject(
  {
    value: z.number({ error: 'is required: the baseline value, a number in the instrument’s unit' }),
    effectiveFrom: z
      .string({ error: 'is required: an ISO 8601 date-time with its offset, from which windows are judged against it' })
      .check(
        z.refine(
          (text) => ISO_INSTANT.test(text) && Number.isFinite(Date.parse(text)),
          'must be an ISO 8601 date-time with its offset (2026-11-22T08:30:00Z)',
        ),
      ),
    reason: z
      .string({ error: 'is required: why the instrument is re-baselined' })
      .check(z.maxLength(MAX_BASELINE_REASON, `must be at most ${MAX_BASELINE_REASON} characters`)),
    baselineId: z.optional(z.string({ error: 'must be a string' })),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown field; the fields are value, effectiveFrom, reason and baselineId'
        : issue.code === 'invalid_type' && (issue.path ?? []).length === 0
          ? 'must be a JSON object such as {"value": 84.2, "effectiveFrom": "2026-11-22T08:30:00Z", "reason": "replaced"}'
          : undefined,
  },
);

/** The body of a JSON `POST /readings`. */
const READINGS_BODY_SCHEMA = z.strictObject(
  {
    readings: z.array(z.unknown(), { error: 'is required: a list of readings, each { instrumentId, observedAt, value, note? }' }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown field; the body is {"readings": [...]}'
        : issue.code === 'invalid_type' && (issue.path ?? []).length === 0
          ? 'must be a JSON object {"readings": [{ "instrumentId", "observedAt", "value", "note" }]}'
          : undefined,
  },
);

/** The handlers of {@link READ_API_ROUTES}, for the API's route table. */
export function readRoutes(deps: ReadRouteDependencies): Readonly<Record<ReadRouteKey, RouteHandler>> {
  const now = deps.now ?? Date.now;
  const seriesQuery = seriesQuerySchema(deps.siteTimeZone);
  const eventsQuery = eventsQuerySchema(deps.siteTimeZone);

  /** The instrument of the path, or a 404 naming it. */
  const knownInstrument = async (id: string | undefined) => {
    const instrumentId = id ?? '';
    const detail = await deps.readModel.instrument(instrumentId);
    if (!detail) throw fail('not-found', `no instrument ${instrumentId} in the registry; GET /instruments lists them`);
    return detail;
  };
  const rangeOf = (query: { from?: number; to?: number }): TimeRange => {
    const to = query.to ?? now();
    return { from: query.from ?? Math.min(to - DEFAULT_RANGE_MS, to - 1), to };
  };
  const afterOf = (cursor: string | undefined): number | null => {
    if (cursor === undefined) return null;
    const key = decodeCursor(cursor, ['number']);
    if (key === null) {
      throw fail('invalid-request', 'query.cursor is not a cursor this API gave; pass nextCursor from the previous page as it is', [
        { field: 'query.cursor', problem: 'is not a cursor this API gave' },
      ]);
    }
    return key[0] as number;
  };
  const cursorOf = (nextAfter: number | null) => (nextAfter === null ? null : encodeCursor([nextAfter]));

  return {
    'GET /instruments': async () => {
      const [instruments, open] = await Promise.all([deps.readModel.instruments(), deps.openAlarms?.() ?? Promise.resolve([])]);
      const byInstrument = new Map(open.map(({ instrumentId, ...alarm }) => [instrumentId, alarm]));
      const body: InstrumentListResponse = {
        generatedAt: new Date(now()).toISOString(),
        instruments: instruments.map((instrument) => ({ ...instrument, openAlarm: byInstrument.get(instrument.instrumentId) ?? null })),
      };
      return jsonResponse(200, body);
    },

    'GET /instruments/{id}': async ({ pathParameters }) => jsonResponse(200, await knownInstrument(pathParameters.id)),

    'GET /instruments/{id}/windows': async ({ pathParameters, query }) => {
      const parsed = parseInput(seriesQuery, query, 'query', 'the windows query is not valid');
      const instrument = await knownInstrument(pathParameters.id);
      const page = await deps.readModel.windows(instrument.instrumentId, rangeOf(parsed), {
        after: afterOf(parsed.cursor),
        limit: parsed.limit ?? DEFAULT_SERIES_PAGE,
      });
      return jsonResponse(200, { windows: page.items, nextCursor: cursorOf(page.nextAfter) });
    },

    'GET /instruments/{id}/readings': async ({ pathParameters, query }) => {
      const parsed = parseInput(seriesQuery, query, 'query', 'the readings query is not valid');
      const instrument = await knownInstrument(pathParameters.id);
      const page = await deps.readModel.readings(instrument.instrumentId, rangeOf(parsed), {
        after: afterOf(parsed.cursor),
        limit: parsed.limit ?? DEFAULT_SERIES_PAGE,
      });
      return jsonResponse(200, { readings: page.items, nextCursor: cursorOf(page.nextAfter) });
    },

    'GET /instruments/{id}/events': async ({ pathParameters, query }) => {
      const parsed = parseInput(eventsQuery, query, 'query', 'the events query is not valid');
      const instrument = await knownInstrument(pathParameters.id);
      return jsonResponse(200, await deps.readModel.events(instrument.instrumentId, rangeOf(parsed)));
    },

    'PUT /instruments/{id}/trigger-rule': async ({ event, pathParameters, caller }) => {
      requireEngineer(caller, 'changing a trigger rule');
      const body = readJsonBody(event);
      const instrument = await knownInstrument(pathParameters.id);
      await registryChange(() => deps.registry.setTriggerRule(instrument.instrumentId, body, caller.userName), 'the trigger rule');
      return jsonResponse(200, await knownInstrument(instrument.instrumentId));
    },

    'POST /instruments/{id}/baselines': async ({ event, pathParameters, caller }) => {
      requireEngineer(caller, 'adding a baseline');
      const body = parseInput(BASELINE_BODY_SCHEMA, readJsonBody(event), 'body', 'the baseline is not valid');
      const instrument = await knownInstrument(pathParameters.id);
      const effectiveFrom = Date.parse(body.effectiveFrom);
      const baselineId = body.baselineId ?? defaultBaselineId(effectiveFrom);
      await registryChange(
        () =>
          deps.registry.addBaseline(
            instrument.instrumentId,
            { baselineId, value: body.value, effectiveFrom, reason: body.reason },
            caller.userName,
          ),
        'the baseline',
      );
      return jsonResponse(201, await knownInstrument(instrument.instrumentId), {
        location: `/instruments/${encodeURIComponent(instrument.instrumentId)}`,
      });
    },

    'POST /readings': async ({ event, caller }) => {
      requireEngineer(caller, 'entering readings');
      const upload = readUpload(event);
      const result = await deps.intake.submit(upload, caller.userName);
      const body: ReadingsUploadResponse = result;
      return jsonResponse(200, body);
    },
  };
}

/** The read routes of an API built without the read API's services: each answers 404, saying so. */
export function readRoutesNotServed(): Readonly<Record<ReadRouteKey, RouteHandler>> {
  const notServed: RouteHandler = async ({ routeKey }) => {
    throw fail('not-found', `${routeKey} is not served by this API: it was started without the read API`);
  };
  return Object.fromEntries(READ_API_ROUTES.map((key) => [key, notServed])) as Record<ReadRouteKey, RouteHandler>;
}

/** `manual-20261122T083000Z`: a baseline id from its effective time, when the engineer names none. */
export function defaultBaselineId(effectiveFrom: number): string {
  const text = new Date(effectiveFrom).toISOString().replace(/[-:]/g, '');
  return `manual-${text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text}`;
}

/** Runs a registry change, answering a refused one with a 400 naming each field at fault. */
async function registryChange(change: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    const errors = error.problems.map(fieldOf);
    throw fail('invalid-request', `${what} was refused: ${errors.map((e) => `${e.field} ${e.problem}`).join('; ')}`, errors);
  }
}

/** A registry problem's field as the API names fields: `bands[0].levels` is `body.bands.0.levels`. */
function fieldOf(problem: RuleProblem): FieldProblem {
  const path = problem.field.replace(/\[(\d+)\]/g, '.$1');
  return { field: path === '(rule)' ? 'body' : `body.${path}`, problem: problem.message };
}

/** The rows of a `POST /readings` body: JSON `{ readings }` or a CSV with its header. */
function readUpload(event: APIGatewayProxyEventV2WithJWTAuthorizer) {
  const contentType = header(event, 'content-type');
  if (isJsonContentType(contentType)) {
    const body = parseInput(READINGS_BODY_SCHEMA, readJsonBody(event, MAX_UPLOAD_BYTES), 'body', 'the readings are not valid');
    if (body.readings.length > MAX_MANUAL_READINGS) throw tooManyReadings(body.readings.length);
    return rowsFromJson(body.readings);
  }
  if (!isCsvContentType(contentType)) {
    throw fail(
      'unsupported-media-type',
      `send readings as JSON ("Content-Type: application/json", {"readings": [...]}) or as CSV ("Content-Type: text/csv", header ${CSV_HEADER}), not ${contentType ?? 'a body without a Content-Type'}`,
    );
  }
  const bytes = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_UPLOAD_BYTES) throw tooLarge(bytes.length);
  const parsed = parseManualReadingsCsv(bytes.toString('utf8'));
  if (!parsed.ok) {
    if (parsed.problem === 'too-many-rows') throw fail('payload-too-large', `${parsed.detail}: split the file`);
    throw fail('invalid-request', parsed.detail);
  }
  return { rows: parsed.rows, rejected: parsed.rejected, fields: CSV_FIELD_NAMES };
}

function isCsvContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === 'text/csv';
}

function tooManyReadings(count: number) {
  return fail('payload-too-large', `the body has ${count} readings; send at most ${MAX_MANUAL_READINGS} in one upload: split the file`);
}

function tooLarge(bytes: number) {
  return fail(
    'payload-too-large',
    `the body is ${bytes} bytes; an upload takes at most ${MAX_UPLOAD_BYTES} bytes (2.5 MiB): split the file`,
  );
}
