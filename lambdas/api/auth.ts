import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { fail } from './problems.js';

/**
 * Who is calling, from the claims API Gateway's JWT authorizer verified (issuer, audience,
 * expiry and signature are its job; the handler never sees an unverified token). Roles come
 * from the user pool groups in `cognito:groups`: `engineers` or `admins` make an engineer
 * (list, read, acknowledge, edit response plans), `viewers` a viewer (list and read); a user
 * in none of them is refused.
 */

export type Role = 'engineer' | 'viewer';

/** The authenticated caller. */
export interface Caller {
  /** The user's stable id: the token's `sub`. */
  readonly userId: string;
  /** For display: the e-mail, else the user name, else the id. */
  readonly userName: string;
  readonly role: Role;
  readonly groups: readonly string[];
}

/** The user pool groups the stack creates for the API's roles. */
export const ALARM_API_GROUPS = { engineers: 'engineers', viewers: 'viewers' } as const;
/** Groups that make a caller an engineer (an `admins` group too, where a pool has one). */
export const ENGINEER_GROUPS = [ALARM_API_GROUPS.engineers, 'admins'] as const;
/** Groups that make a caller a viewer. */
export const VIEWER_GROUPS = [ALARM_API_GROUPS.viewers] as const;

type Claims = APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer']['jwt']['claims'];

/**
 * The groups in a `cognito:groups` claim. API Gateway flattens claims to strings in payload
 * 2.0, an array becoming `[engineers viewers]`; a raw token (or another authorizer) gives
 * the array itself, or a comma-separated list. All three are read.
 */
export function parseGroups(claim: Claims[string] | undefined): string[] {
  if (claim === undefined) return [];
  if (Array.isArray(claim)) return claim.map(String).filter((group) => group !== '');
  const text = String(claim).trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed.map(String).filter((group) => group !== '');
      } catch {
        // Not JSON: read it as API Gateway writes it.
      }
    }
    return inner.split(/[\s,]+/).filter((group) => group !== '');
  }
  return text.split(/[\s,]+/).filter((group) => group !== '');
}

/** The role the groups give, or null for none. Engineer wins over viewer. */
export function roleOf(groups: readonly string[]): Role | null {
  if (groups.some((group) => (ENGINEER_GROUPS as readonly string[]).includes(group))) return 'engineer';
  if (groups.some((group) => (VIEWER_GROUPS as readonly string[]).includes(group))) return 'viewer';
  return null;
}

function claimText(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/**
 * The caller of `event`. Throws a 401 problem when the event carries no verified claims
 * (the route is not behind the authorizer) and a 403 when the user is in no group the API
 * knows.
 */
export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  const userId = claims ? claimText(claims, 'sub') : undefined;
  if (!claims || userId === undefined) {
    throw fail(
      'unauthenticated',
      'the request carries no verified identity; sign in and send the token as "Authorization: Bearer <token>"',
    );
  }
  const groups = parseGroups(claims['cognito:groups']);
  const role = roleOf(groups);
  if (role === null) {
    throw fail(
      'forbidden',
      `user ${displayName(claims, userId)} is in none of the groups the alarm API knows (${[...ENGINEER_GROUPS, ...VIEWER_GROUPS].join(', ')}); ask an administrator to add them to engineers or viewers`,
    );
  }
  return { userId, userName: displayName(claims, userId), role, groups };
}

function displayName(claims: Claims, userId: string): string {
  return claimText(claims, 'email') ?? claimText(claims, 'cognito:username') ?? claimText(claims, 'username') ?? userId;
}

/** Throws a 403 problem unless the caller is an engineer; `action` completes "… needs the engineers group". */
export function requireEngineer(caller: Caller, action: string): void {
  if (caller.role === 'engineer') return;
  throw fail('forbidden', `${action} needs the engineers group; ${caller.userName} is a viewer (groups: ${caller.groups.join(', ')})`);
}
