import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from '../support/chromium.js';
import { buildConsole } from '../../lib/console/build.js';
import { CALLBACK_PATH, CONSOLE_SCOPES } from '../../lib/console/console-config.js';
import { startConsoleServer, type ConsoleServer } from '../../local/console/server.js';

/** What the page functions use of the browser (the tests compile without the DOM library). */
declare const sessionStorage: { getItem(key: string): string | null };

interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => resolve(text));
  });
}

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsignedJwt = (claims: object) => `${part({ alg: 'none' })}.${part(claims)}.`;

/**
 * The console's sign-in through the Cognito hosted UI, authorization code with PKCE, in
 * headless Chromium against a Cognito stand-in (Cognito cannot run here): a loopback server
 * answering `/oauth2/authorize` with a redirect back and `/oauth2/token` only for the
 * verifier whose S256 challenge came with the code. The API is a stand-in too, answering the
 * plan page's two requests for whatever bearer token comes.
 */
describeWithChromium('sign-in through a Cognito hosted UI stand-in (authorization code with PKCE)', () => {
  let scratch: string;
  let cognito: Listening;
  let api: Listening;
  let consoleServer: ConsoleServer;
  let browser: Browser;
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const apiAuthorizations: string[] = [];
  const issued = { code: 'code-1234', challenge: '' };
  const accessToken = unsignedJwt({
    sub: 'user-1',
    username: 'user-1',
    'cognito:groups': ['engineers'],
    client_id: 'console-client',
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const idToken = unsignedJwt({ sub: 'user-1', email: 'engineer@site.example', exp: Math.floor(Date.now() / 1000) + 3600 });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'console-cognito-'));
    const build = buildConsole({ outDir: join(scratch, 'dist') });
    cognito = await listen(
      createServer((request, response) => {
        const url = new URL(request.url ?? '/', 'http://cognito.local');
        if (url.pathname === '/oauth2/authorize') {
          authorizeRequests.push(url.searchParams);
          issued.challenge = url.searchParams.get('code_challenge') ?? '';
          const back = new URL(url.searchParams.get('redirect_uri')!);
          back.searchParams.set('code', issued.code);
          back.searchParams.set('state', url.searchParams.get('state')!);
          response.writeHead(302, { location: back.href }).end();
          return;
        }
        if (url.pathname === '/oauth2/token' && request.method === 'POST') {
          void body(request).then((text) => {
            const form = new URLSearchParams(text);
            tokenRequests.push(form);
            const verifier = form.get('code_verifier') ?? '';
            const matches =
              form.get('code') === issued.code && createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
            response
              .writeHead(matches ? 200 : 400, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
              .end(
                JSON.stringify(
                  matches
                    ? { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: 3600 }
                    : { error: 'invalid_grant' },
                ),
              );
          });
          return;
        }
        response.writeHead(404).end();
      }),
    );
    api = await listen(
      createServer((request, response) => {
        apiAuthorizations.push(request.headers.authorization ?? '');
        const path = (request.url ?? '/').split('?')[0];
        const answer =
          path === '/instruments'
            ? { generatedAt: new Date().toISOString(), instruments: [] }
            : { siteTimeZone: 'UTC', alarms: [], nextCursor: null };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }),
    );
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    consoleServer = await startConsoleServer({
      apiUrl: api.url,
      siteTimeZone: 'UTC',
      port,
      distDir: build.outDir,
      auth: {
        kind: 'cognito',
        domain: cognito.url,
        clientId: 'console-client',
        redirectUri: `${origin}${CALLBACK_PATH}`,
        logoutUri: `${origin}/`,
        scopes: CONSOLE_SCOPES,
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    await api?.close();
    await cognito?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('sends the user to the hosted UI with an S256 challenge, trades the code with its verifier, and calls the API with the token', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${consoleServer.url}/alarms`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Alarms' }).waitFor();

    expect(authorizeRequests).toHaveLength(1);
    const authorize = authorizeRequests[0]!;
    expect(Object.fromEntries(authorize)).toMatchObject({
      response_type: 'code',
      client_id: 'console-client',
      redirect_uri: `${consoleServer.url}/callback`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(authorize.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.get('state')!.length).toBeGreaterThanOrEqual(32);

    expect(tokenRequests).toHaveLength(1);
    const token = tokenRequests[0]!;
    expect(Object.fromEntries(token)).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'console-client',
      code: issued.code,
      redirect_uri: `${consoleServer.url}/callback`,
    });
    expect(createHash('sha256').update(token.get('code_verifier')!).digest('base64url')).toBe(authorize.get('code_challenge'));
    expect(token.get('client_secret')).toBeNull();

    // Back where the user was going, named by the ID token, the API called with the access token.
    expect(new URL(page.url()).pathname).toBe('/alarms');
    await page.getByText('engineer@site.example').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('geotech-console-session'))).toBe(accessToken);
    expect(apiAuthorizations.length).toBeGreaterThan(0);
    expect(apiAuthorizations.every((header) => header === `Bearer ${accessToken}`)).toBe(true);
    expect(problems).toEqual([]);

    // Signing out ends the hosted UI's session too.
    const [logout] = await Promise.all([
      page.waitForRequest((request) => request.url().startsWith(`${cognito.url}/logout`)),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(Object.fromEntries(new URL(logout.url()).searchParams)).toEqual({
      client_id: 'console-client',
      logout_uri: `${consoleServer.url}/`,
    });
    await page.close();
  });

  it('refuses an answer whose state does not match the request', async () => {
    const page = await browser.newPage();
    // The hosted UI's answer comes back with another state than the tab sent.
    await page.route(`${cognito.url}/oauth2/authorize**`, (route) =>
      route.fulfill({ status: 302, headers: { location: `${consoleServer.url}/callback?code=${issued.code}&state=forged` } }),
    );
    const tokensBefore = tokenRequests.length;
    await page.goto(`${consoleServer.url}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the sign-in answer does not match the request (state)').waitFor();
    expect(tokenRequests).toHaveLength(tokensBefore);
    expect(await page.evaluate(() => sessionStorage.getItem('geotech-console-session'))).toBeNull();
    await page.close();
  });
});

async function freePort(): Promise<number> {
  const probe = await listen(createServer());
  const port = Number(new URL(probe.url).port);
  await probe.close();
  return port;
}
