import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { INSTRUMENT_TYPE_SPECS, INSTRUMENT_TYPES } from '../lambdas/domain/instrument-types.js';
import { gridToLatLon } from '../lambdas/domain/coordinates.js';
import { TRIGGER_STATUSES } from '../lambdas/domain/trigger-levels.js';
import { generateFleet } from '../lambdas/simulator/fleet.js';
import { buildConsole } from '../lib/console/build.js';
import { startConsoleServer } from '../local/console/server.js';
import type { Metric } from './metric.js';

/** What the init script uses of the browser (the bench compiles without the DOM library). */
declare const sessionStorage: { setItem(key: string, value: string): void };

const CHROMIUM = '/usr/bin/chromium';
const PLAN_INSTRUMENTS = 2_000;
const RENDER_RUNS = 5;
/** The mark the site plan sets once it first shows instruments (lib/console/web/src/components/site-plan.tsx). */
const PLAN_RENDERED_MARK = 'console:plan-rendered';

/**
 * The site console: its bundle as browsers download it (minified, gzipped: script,
 * stylesheet and page), and the time from navigation to the first render of the site plan
 * with 2,000 instruments in headless Chromium (the page loads, reads config.json, asks the
 * API for the instruments and draws them; the median of several cold page loads). The API
 * is a stand-in answering a fixed list of 2,000 instruments, so the time is the console's alone.
 */
export async function benchConsole(): Promise<Metric[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-console-'));
  try {
    const build = buildConsole({ outDir });
    const shipped = build.files.filter((file) => !file.endsWith('.map') && !file.endsWith('.txt'));
    const raw = shipped.reduce((sum, file) => sum + readFileSync(join(outDir, file)).length, 0);
    const gzipped = shipped.reduce((sum, file) => sum + gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length, 0);
    const unminified = buildConsole({ outDir: join(outDir, 'unminified'), minify: false });
    const naive = unminified.files
      .filter((file) => !file.endsWith('.map') && !file.endsWith('.txt'))
      .reduce((sum, file) => sum + gzipSync(readFileSync(join(unminified.outDir, file)), { level: 9 }).length, 0);
    const metrics: Metric[] = [
      {
        name: 'console bundle (script, stylesheet and page, gzipped)',
        value: Math.round(gzipped / 1024),
        unit: 'KB',
        target: '<= 300',
        baselineRatio: round(naive / gzipped),
        baseline: 'the same bundle unminified, gzipped',
      },
      { name: 'console bundle (minified, before compression)', value: Math.round(raw / 1024), unit: 'KB' },
    ];
    if (!existsSync(CHROMIUM)) {
      console.warn(`bench: ${CHROMIUM} not found (apt-get install chromium); skipping the console's time to first render`);
      return metrics;
    }
    metrics.push({
      name: `console site plan first render, ${PLAN_INSTRUMENTS} instruments (headless Chromium)`,
      value: Math.round(await planFirstRenderMs(outDir)),
      unit: 'ms',
      target: '<= 1000',
    });
    return metrics;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function planFirstRenderMs(distDir: string): Promise<number> {
  const api = await startStandInApi(instrumentList(PLAN_INSTRUMENTS));
  const consoleServer = await startConsoleServer({ apiUrl: api.url, siteTimeZone: 'Australia/Melbourne', port: 0, distDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const token = standInToken();
    const times: number[] = [];
    for (let run = 0; run < RENDER_RUNS; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((value) => sessionStorage.setItem('geotech-console-session', value), token);
      const page = await context.newPage();
      await page.goto(`${consoleServer.url}/`);
      const at = await page.waitForFunction((mark) => performance.getEntriesByName(mark)[0]?.startTime, PLAN_RENDERED_MARK, {
        timeout: 30_000,
      });
      const drawn = await page.locator('svg.plan g.instrument').count();
      if (drawn !== PLAN_INSTRUMENTS) throw new Error(`the plan drew ${drawn} instruments, not ${PLAN_INSTRUMENTS}`);
      times.push(Number(await at.jsonValue()));
      await context.close();
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    await browser.close();
    await consoleServer.close();
    await api.close();
  }
}

/** `count` instruments of the simulator's site, in every status, some silent, as `GET /instruments` answers. */
function instrumentList(count: number): object {
  const perType = Math.ceil(count / INSTRUMENT_TYPES.length);
  const fleet = generateFleet('bench', Object.fromEntries(INSTRUMENT_TYPES.map((type) => [type, perType])) as never);
  const instruments = INSTRUMENT_TYPES.flatMap((type) => fleet[type])
    .slice(0, count)
    .map((instrument, i) => {
      const { latitude, longitude } = gridToLatLon(instrument.easting, instrument.northing);
      return {
        instrumentId: instrument.id,
        instrumentType: instrument.type,
        unit: INSTRUMENT_TYPE_SPECS[instrument.type].unit,
        easting: instrument.easting,
        northing: instrument.northing,
        latitude,
        longitude,
        status: i % 50 === 0 ? TRIGGER_STATUSES[1 + (i % 3)] : 'normal',
        silent: i % 97 === 0,
        lastObservedAt: new Date().toISOString(),
        latestValue: 10 + (i % 7),
        openAlarm: null,
      };
    });
  return { generatedAt: new Date().toISOString(), instruments };
}

/** An unsigned token the stand-in API takes: the console reads its claims only. */
function standInToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: 'bench', username: 'bench', 'cognito:groups': ['engineers'], exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

/** The API as far as the plan page asks it: the instruments, and no open alarms. */
async function startStandInApi(instruments: object): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify(instruments);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/instruments') response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else if (path === '/alarms')
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"siteTimeZone":"UTC","alarms":[],"nextCursor":null}');
    else response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
