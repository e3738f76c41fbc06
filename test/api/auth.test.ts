import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { callerOf, parseGroups, roleOf } from '../../lambdas/api/auth.js';
import { ProblemError } from '../../lambdas/api/problems.js';

const eventWith = (claims: Record<string, string | string[]> | undefined) =>
  ({
    requestContext: { authorizer: claims === undefined ? undefined : { jwt: { claims, scopes: null } } },
  }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

function refusal(claims: Record<string, string | string[]> | undefined): ProblemError {
  try {
    callerOf(eventWith(claims));
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('roles from the JWT claims', () => {
  it('reads cognito:groups as API Gateway flattens it, as an array, as JSON text or comma-separated', () => {
    expect(parseGroups('[engineers viewers]')).toEqual(['engineers', 'viewers']);
    expect(parseGroups('[viewers]')).toEqual(['viewers']);
    expect(parseGroups('[]')).toEqual([]);
    expect(parseGroups(['admins', 'viewers'])).toEqual(['admins', 'viewers']);
    expect(parseGroups('["engineers","viewers"]')).toEqual(['engineers', 'viewers']);
    expect(parseGroups('engineers,viewers')).toEqual(['engineers', 'viewers']);
    expect(parseGroups(undefined)).toEqual([]);
  });

  it('makes engineers and admins engineers, viewers viewers, and anyone else nothing', () => {
    expect(roleOf(['viewers', 'engineers'])).toBe('engineer');
    expect(roleOf(['admins'])).toBe('engineer');
    expect(roleOf(['viewers'])).toBe('viewer');
    expect(roleOf(['contractors'])).toBeNull();
  });

  it('takes the id from sub and the name from the e-mail, else the user name', () => {
    expect(
      callerOf(eventWith({ sub: 'u-1', email: 'lead@example.com', 'cognito:username': 'u-1', 'cognito:groups': '[engineers]' })),
    ).toEqual({
      userId: 'u-1',
      userName: 'lead@example.com',
      role: 'engineer',
      groups: ['engineers'],
    });
    expect(callerOf(eventWith({ sub: 'u-2', username: 'site-viewer', 'cognito:groups': '[viewers]' })).userName).toBe('site-viewer');
  });

  it('refuses an event without verified claims (401) and a user in no known group (403)', () => {
    expect(refusal(undefined).problem).toMatchObject({ status: 401, type: 'urn:geotech:problem:unauthenticated' });
    expect(refusal({ email: 'x@example.com' }).problem.status).toBe(401);
    expect(refusal({ sub: 'u-3', email: 'sub@example.com', 'cognito:groups': '[contractors]' }).problem).toMatchObject({
      status: 403,
      detail: expect.stringMatching(/^user sub@example\.com is in none of the groups the alarm API knows \(engineers, admins, viewers\)/),
    });
  });
});
