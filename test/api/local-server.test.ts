import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JwtAuthorizer } from '../../local/api/jwt-authorizer.js';
import { startAlarmApiServer, type AlarmApiServer } from '../../local/api/server.js';
import { loadOrCreateSigningKey, loadUsers, LocalSignIn, TOKEN_LIFETIME_SECONDS } from '../../local/api/sign-in.js';

/**
 * The local alarm API server and its sign-in stand-in (for Cognito and API Gateway's JWT
 * authorizer), over real HTTP, in front of a handler that records the events it is given:
 * what reaches the handler and what is refused before it.
 */
describe('local alarm API server with the sign-in stand-in', () => {
  let scratch: string;
  let server: AlarmApiServer;
  let signIn: LocalSignIn;
  const events: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
  let answer: (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<unknown> = async () => ({ statusCode: 204 });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'alarm-api-server-'));
    signIn = new LocalSignIn({
      users: await loadUsers('local/users.json'),
      signingKey: await loadOrCreateSigningKey(join(scratch, 'key.json')),
    });
    server = await startAlarmApiServer({
      handler: async (event) => {
        events.push(event);
        return (await answer(event)) as never;
      },
      authorizer: new JwtAuthorizer(signIn.authorizerOptions()),
      signIn,
      maxBodyBytes: 64 * 1024,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    events.length = 0;
    answer = async () => ({ statusCode: 204 });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const tokenFor = async (username: string, password: string) => {
    const response = await post('/local/sign-in', { username, password });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  it('signs a user of the users file in and gives a bearer token that lasts an hour', async () => {
    const response = await post('/local/sign-in', { username: 'engineer', password: 'local-engineer' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: TOKEN_LIFETIME_SECONDS });
    expect(String(body.accessToken).split('.')).toHaveLength(3);
  });

  it('refuses a wrong password or an unknown user with the same 401 problem', async () => {
    for (const credentials of [
      { username: 'engineer', password: 'local-viewer' },
      { username: 'nobody', password: 'local-engineer' },
    ]) {
      const response = await post('/local/sign-in', credentials);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 401, detail: expect.stringContaining('unknown user or wrong password') });
    }
  });

  it('takes the sign-in only as a JSON POST', async () => {
    const form = await fetch(`${server.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'engineer',
    });
    expect(form.status).toBe(415);
    const get = await fetch(`${server.url}/local/sign-in`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const missing = await post('/local/sign-in', { username: 'engineer' });
    expect(missing.status).toBe(400);
  });

  it('gives the handler the payload 2.0 event API Gateway sends, with the claims flattened as its JWT authorizer does', async () => {
    const token = await tokenFor('engineer', 'local-engineer');
    const id = 'PZ-101@2026-11-22T08:30:40.000Z';
    const response = await fetch(`${server.url}/alarms/${encodeURIComponent(id)}/acknowledge?a=1&a=2&b=x%20y`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Custom': 'one' },
      body: JSON.stringify({ note: 'checked' }),
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /alarms/{id}/acknowledge',
      rawPath: `/alarms/${id}`.concat('/acknowledge'),
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      pathParameters: { id },
      body: '{"note":"checked"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: `/alarms/${id}/acknowledge` },
        routeKey: 'POST /alarms/{id}/acknowledge',
        stage: '$default',
      },
    });
    expect(event.headers['x-custom']).toBe('one');
    const claims = event.requestContext.authorizer.jwt.claims;
    expect(claims).toMatchObject({
      'cognito:groups': '[engineers]',
      'cognito:username': 'engineer',
      email: 'engineer@site.local',
      iss: signIn.issuer,
      aud: signIn.audience,
      token_use: 'id',
    });
    expect(typeof claims.exp).toBe('string');
    expect(claims.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('base64-encodes a body that is not text, as API Gateway does', async () => {
    const token = await tokenFor('viewer', 'local-viewer');
    await fetch(`${server.url}/response-plans`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0x00, 0x7f]),
    });
    expect(events[0]).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0xff, 0x00, 0x7f]).toString('base64') });
  });

  const refusedBeforeTheHandler = async (response: Response, reason: RegExp) => {
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(response.headers.get('www-authenticate')).toMatch(reason);
    expect(events).toHaveLength(0);
  };

  it('refuses a request without a token with 401 before the handler', async () => {
    await refusedBeforeTheHandler(await fetch(`${server.url}/alarms`), /error_description="the request has no token/);
  });

  it('refuses an expired token with 401 before the handler', async () => {
    const [engineer] = await loadUsers('local/users.json');
    const expired = await signIn.issueToken(engineer!, Date.now() - (TOKEN_LIFETIME_SECONDS + 60) * 1000);
    await refusedBeforeTheHandler(
      await fetch(`${server.url}/alarms`, { headers: { authorization: `Bearer ${expired}` } }),
      /error_description="the token has expired/,
    );
  });

  it('refuses a token signed with another key (forged), for another audience or with a broken signature', async () => {
    const [engineer] = await loadUsers('local/users.json');
    const forger = new LocalSignIn({ users: [engineer!], signingKey: await loadOrCreateSigningKey(join(scratch, 'forger.json')) });
    await refusedBeforeTheHandler(
      await fetch(`${server.url}/alarms`, { headers: { authorization: `Bearer ${await forger.issueToken(engineer!)}` } }),
      /error_description="the token is not signed by a key this API trusts/,
    );
    const otherAudience = new LocalSignIn({
      users: [engineer!],
      signingKey: await loadOrCreateSigningKey(join(scratch, 'key.json')),
      audience: 'someone-else',
    });
    await refusedBeforeTheHandler(
      await fetch(`${server.url}/alarms`, { headers: { authorization: `Bearer ${await otherAudience.issueToken(engineer!)}` } }),
      /error_description="the token does not have a valid audience/,
    );
    const genuine = await signIn.issueToken(engineer!);
    const [header, payload] = genuine.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), 'cognito:groups': ['admins'] })).toString('base64url')}.${genuine.split('.')[2]}`;
    await refusedBeforeTheHandler(
      await fetch(`${server.url}/alarms`, { headers: { authorization: `Bearer ${tampered}` } }),
      /error_description="the token signature is not valid/,
    );
    await refusedBeforeTheHandler(
      await fetch(`${server.url}/alarms`, { headers: { authorization: 'Bearer not-a-token' } }),
      /error_description="the token is not a valid JWT/,
    );
  });

  it('answers a path or method with no route 404, as an HTTP API does, without calling the handler', async () => {
    const token = await tokenFor('engineer', 'local-engineer');
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['DELETE', '/alarms'],
      ['GET', '/alarms/'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
    expect(events).toHaveLength(0);
  });

  it('refuses a body over its limit with 413 without calling the handler', async () => {
    const token = await tokenFor('engineer', 'local-engineer');
    const response = await fetch(`${server.url}/response-plans`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: 'x'.repeat(65 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('answers 500 as API Gateway does when the handler throws', async () => {
    const token = await tokenFor('engineer', 'local-engineer');
    answer = async () => {
      throw new Error('boom');
    };
    const response = await fetch(`${server.url}/alarms`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('listens on loopback only', async () => {
    await expect(
      startAlarmApiServer({
        handler: async () => ({ statusCode: 204 }),
        authorizer: new JwtAuthorizer(signIn.authorizerOptions()),
        host: '0.0.0.0',
      }),
    ).rejects.toThrow(/loopback only/);
  });

  it('keeps the signing key of a data directory across restarts, so tokens stay valid', async () => {
    const first = await loadOrCreateSigningKey(join(scratch, 'key.json'));
    const second = await loadOrCreateSigningKey(join(scratch, 'key.json'));
    expect(second).toEqual(first);
    expect(first.kid).toMatch(/^[0-9a-f]{16}$/);
  });
});
