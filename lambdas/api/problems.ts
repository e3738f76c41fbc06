import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Errors of the alarm API as RFC 9457 problem documents (`application/problem+json`): a
 * `type` naming the kind of problem (a URN the README lists; not meant to be fetched), a
 * `title` that is the same for every problem of that type, the HTTP `status`, a `detail`
 * saying what went wrong with this request in words a person can act on, the `instance`
 * (the request path), and for input problems `errors`, one per field at fault.
 */

/** One field of the request that failed validation. */
export interface FieldProblem {
  /** Where: `body.note`, `query.level`, `body.rules.2.entry.limitMinutes`. */
  readonly field: string;
  readonly problem: string;
}

/** An RFC 9457 problem document. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Every kind of problem the API answers with: its type URN's last segment, status and title. */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'The request is not valid' },
  'note-required': { status: 400, title: 'A note is required' },
  'note-too-long': { status: 400, title: 'The note is too long' },
  unauthenticated: { status: 401, title: 'Not signed in' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'internal-error': { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

/** The `type` URI of a kind of problem. */
export function problemType(kind: ProblemKind): string {
  return `urn:geotech:problem:${kind}`;
}

/** A problem document of `kind` with this request's `detail`. */
export function problem(
  kind: ProblemKind,
  detail: string,
  extra: { readonly instance?: string; readonly errors?: readonly FieldProblem[] } = {},
): Problem {
  const { status, title } = PROBLEM_TYPES[kind];
  return {
    type: problemType(kind),
    title,
    status,
    detail,
    ...(extra.instance === undefined ? {} : { instance: extra.instance }),
    ...(extra.errors === undefined || extra.errors.length === 0 ? {} : { errors: extra.errors }),
  };
}

/**
 * Thrown by route code to answer with a problem; the handler turns it into the response.
 * Anything else thrown is an internal error (logged, answered with a 500 that says no more).
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly problem: Problem,
    /** Extra response headers, e.g. `allow` for a 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
  }
}

/** Shorthand: a {@link ProblemError} of `kind`. */
export function fail(kind: ProblemKind, detail: string, errors?: readonly FieldProblem[]): ProblemError {
  return new ProblemError(problem(kind, detail, errors === undefined ? {} : { errors }));
}

/** The Lambda (payload 2.0) response carrying `problem`, with `instance` set to the request path when it has none. */
export function problemResponse(
  body: Problem,
  instance: string | undefined,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  const document = body.instance === undefined && instance !== undefined ? { ...body, instance } : body;
  return {
    statusCode: body.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(document),
  };
}

/** Whether a parsed JSON value looks like a problem document (for clients: the CLI). */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.title === 'string' && typeof candidate.status === 'number' && typeof candidate.detail === 'string';
}
