import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

/**
 * A stand-in for API Gateway's HTTP API JWT authorizer, for the local alarm API: it reads
 * the token from the `Authorization` header (with or without `Bearer `), checks its
 * signature against a key set by `kid`, its issuer, its audience (`aud`, or `client_id`
 * when there is no `aud`, as API Gateway does), `exp`, `nbf` and `iat`, and gives the
 * handler the claims as payload 2.0 does: every value a string, an array as `[a b]`.
 * A request it refuses never reaches the handler.
 */

export interface JwtAuthorizerOptions {
  /** The `iss` every token must carry. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
  /** Public keys the tokens are signed with, by `kid`. */
  readonly keys: JSONWebKeySet;
  /** The clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** The claims as payload 2.0 carries them in `requestContext.authorizer.jwt.claims`. */
export type FlatClaims = Record<string, string>;

export type Authorization =
  | { readonly ok: true; readonly claims: FlatClaims; readonly scopes: string[] | null }
  | { readonly ok: false; readonly description: string };

/** Algorithms accepted: the stand-in signs with ES256, Cognito with RS256. */
const ALGORITHMS = ['ES256', 'RS256'];

export class JwtAuthorizer {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;
  private readonly now: () => number;

  constructor(private readonly options: JwtAuthorizerOptions) {
    this.keySet = createLocalJWKSet(options.keys);
    this.now = options.now ?? Date.now;
  }

  /** The verdict on a request's `Authorization` header. */
  async authorize(authorizationHeader: string | undefined): Promise<Authorization> {
    const token = authorizationHeader
      ?.trim()
      .replace(/^bearer\s+/i, '')
      .trim();
    if (!token) return { ok: false, description: 'the request has no token: send "Authorization: Bearer <token>" (sign in first)' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet, {
        issuer: this.options.issuer,
        algorithms: ALGORITHMS,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      return { ok: false, description: describeFailure(error) };
    }
    const audience = payload.aud !== undefined ? [payload.aud].flat() : payload.client_id !== undefined ? [String(payload.client_id)] : [];
    if (!audience.some((value) => this.options.audience.includes(value))) {
      return { ok: false, description: 'the token does not have a valid audience' };
    }
    if (typeof payload.iat === 'number' && payload.iat * 1000 > this.now()) {
      return { ok: false, description: 'the token was issued in the future' };
    }
    const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : null;
    return { ok: true, claims: flattenClaims(payload), scopes: scope && scope.length > 0 ? scope : null };
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired; sign in again';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token does not have a valid issuer';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is not signed by a key this API trusts';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this API does not accept';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return 'the token is not a valid JWT';
  return `the token could not be verified: ${(error as Error).message}`;
}

/** Claims as API Gateway flattens them: strings as they are, numbers and booleans as text, arrays as `[a b]`. */
export function flattenClaims(payload: JWTPayload): FlatClaims {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      Array.isArray(value)
        ? `[${value.map(String).join(' ')}]`
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value)
          : String(value),
    ]),
  );
}
