import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, consoleBuildStaleness, type ConsoleBuild } from '../../lib/console/build.js';
import { consoleConfigProblem } from '../../lib/console/console-config.js';
import { startLocalAlarmApi, type LocalAlarmApi } from '../../local/api/local-alarm-api.js';
import { startConsoleServer, type ConsoleServer } from '../../local/console/server.js';

/**
 * The local console server over real HTTP: the bundle built as `npm run console:build`
 * builds it, served with its security headers and config.json, and `/api/*` proxied to the
 * real local API server (its sign-in stand-in and JWT authorizer stand-in).
 */
describe('the local console server, with a recording stand-in for the API function behind the real local API server', () => {
  let scratch: string;
  let build: ConsoleBuild;
  let api: LocalAlarmApi;
  let server: ConsoleServer;
  const handled: string[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'console-server-'));
    build = buildConsole({ outDir: join(scratch, 'dist') });
    api = await startLocalAlarmApi({
      // Only requests the authorizer lets through reach it; these tests send none that it should.
      handler: async (event) => {
        handled.push(event.rawPath);
        return { statusCode: 200, body: '{}' };
      },
      dataDir: join(scratch, 'data'),
      port: 0,
    });
    server = await startConsoleServer({ apiUrl: api.url, siteTimeZone: 'Australia/Melbourne', port: 0, distDir: build.outDir });
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('serves index.html, naming the hashed script and stylesheet, with the security headers and no caching', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain(`<script type="module" src="/${build.script}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/${build.stylesheet}" />`);
    expect(build.script).toMatch(/^assets\/app-[A-Z0-9]+\.js$/);
  });

  it('serves the hashed assets for a year and every app path as index.html', async () => {
    const script = await fetch(`${server.url}/${build.script}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const page of ['/alarms', '/alarms/BH-1%402026-11-22T08%3A30%3A40.000Z', '/instruments/BH-1', '/readings', '/callback?code=x']) {
      const response = await fetch(`${server.url}${page}`);
      expect(response.status, page).toBe(200);
      expect(await response.text()).toContain('<div id="app">');
    }
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    // A path out of the bundle's directory names no file of it: the app's page, never the file.
    const outside = await fetch(`${server.url}/%2e%2e/%2e%2e/package.json`);
    expect(await outside.text()).not.toContain('"dependencies"');
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('serves a config.json for the local sign-in stand-in, the API on the same origin and the site time zone', async () => {
    const response = await fetch(`${server.url}/config.json`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const config: unknown = await response.json();
    expect(config).toEqual({ apiUrl: '/api', auth: { kind: 'local' }, siteTimeZone: 'Australia/Melbourne' });
    expect(consoleConfigProblem(config)).toBeUndefined();
  });

  it('proxies /api to the local API: the sign-in stand-in answers, and its token is what the authorizer checks', async () => {
    const refused = await fetch(`${server.url}/api/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'engineer', password: 'wrong' }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    const signedIn = await fetch(`${server.url}/api/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'engineer', password: 'local-engineer' }),
    });
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };
    expect(accessToken.split('.')).toHaveLength(3);

    const anonymous = await fetch(`${server.url}/api/alarms?state=open`);
    expect(anonymous.status).toBe(401);
    const forged = await fetch(`${server.url}/api/alarms?state=open`, {
      headers: { authorization: `Bearer ${accessToken.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    expect(handled).toEqual([]);

    const authorised = await fetch(`${server.url}/api/alarms?state=open`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(authorised.status).toBe(200);
    expect(handled).toEqual(['/alarms']);
  });

  it('answers 502 with a problem document when the API is not there', async () => {
    const orphan = await startConsoleServer({ apiUrl: 'http://127.0.0.1:9', siteTimeZone: 'UTC', port: 0, distDir: build.outDir });
    try {
      const response = await fetch(`${orphan.url}/api/alarms`);
      expect(response.status).toBe(502);
      expect(((await response.json()) as { detail: string }).detail).toContain('did not answer');
    } finally {
      await orphan.close();
    }
  });

  it('knows a build is stale when one of its inputs changed after it', () => {
    const dir = join(scratch, 'stale');
    const built = buildConsole({ outDir: dir });
    expect(consoleBuildStaleness(built.outDir)).toBeUndefined();
    // The manifest lists the real inputs; one of them (the page template) changing after the build makes it stale.
    const template = 'lib/console/web/index.html';
    const before = statSync(template);
    const later = new Date(Date.now() + 60_000);
    utimesSync(template, later, later);
    try {
      expect(consoleBuildStaleness(built.outDir)).toBe(`${template} changed`);
    } finally {
      utimesSync(template, before.atime, before.mtime);
    }
    expect(consoleBuildStaleness(join(scratch, 'nothing'))).toBe('not built yet');
  });
});
