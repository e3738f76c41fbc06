import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from '../support/chromium.js';
import { formatWallTime } from '../../lambdas/domain/site-time.js';
import { STATUS_COLOURS } from '../../local/report/html/palette.js';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline.js';

/** What the page functions use of the browser (the tests compile without the DOM library). */
declare const sessionStorage: { getItem(key: string): string | null };
declare const document: { querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }> };

const ARTIFACTS = resolve('test-artifacts/console');
/** Where the README's screenshots are, refreshed from these when CONSOLE_README_SCREENSHOTS=1. */
const README_IMAGES = resolve('lib/console/screenshots');
const ZONE = 'Australia/Melbourne';
const WINDOW_SECONDS = 2;

/** Waits for a condition, asking every half second, failing after `timeoutMs` with what `explain` says of the state then. */
async function until(condition: () => Promise<boolean>, timeoutMs: number, explain?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms${explain ? `: ${await explain()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}

/**
 * The site console in headless Chromium against a running local pipeline (simulator,
 * kinesis-local, PGlite behind the local Data API, processors, alarm store, the local API
 * and its sign-in stand-in, the console server): what an engineer and a viewer see and do.
 */
describeWithChromium('the site console in headless Chromium against the running local pipeline', () => {
  let dataDir: string;
  let pipeline: LocalPipeline;
  let browser: Browser;
  let contexts: BrowserContext[] = [];
  let engineer: Watched;
  let viewer: Watched;
  let alarmId = '';

  const query = <T>(sql: string, params?: Record<string, unknown>) =>
    pipeline.database.query<T & Record<string, unknown>>(sql, params as never);

  async function signedIn(username: string, password: string): Promise<Watched> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const watched: Watched = { page, problems: [], requests: [] };
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') watched.problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
    page.on('request', (request) => watched.requests.push(request.url()));
    await page.goto(`${pipeline.console.url}/`);
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Site plan' }).waitFor();
    return watched;
  }

  async function shot(page: Page, name: string): Promise<void> {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    if (process.env.CONSOLE_README_SCREENSHOTS === '1') {
      mkdirSync(README_IMAGES, { recursive: true });
      copyFileSync(path, join(README_IMAGES, `${name}.png`));
    }
  }

  /** A user's token, from their page's session. */
  const token = (w: Watched) => w.page.evaluate(() => sessionStorage.getItem('geotech-console-session') ?? '');

  /** Sends `body` to the API as the engineer, through the console's API path, as the pages do. */
  async function asEngineer(path: string, body: object): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${pipeline.console.url}/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(engineer)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'console-browser-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    pipeline = await startLocalPipeline({
      dataDir,
      simulatorPort: 0,
      kinesisPort: 0,
      dataApiPort: 0,
      psqlPort: 0,
      apiPort: 0,
      consolePort: 0,
      instrumentsPerType: 4,
      faultRate: 0,
      pollIntervalSeconds: 2,
      windowSeconds: WINDOW_SECONDS,
      tumblingWindowSeconds: 2,
      allowedLatenessSeconds: 1,
      shards: 2,
      realtime: 'off',
      siteTimeZone: ZONE,
      escalationIntervalSeconds: 60,
    });
    pipeline.run();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    engineer = await signedIn('engineer', 'local-engineer');
    viewer = await signedIn('viewer', 'local-viewer');
    // Every instrument judged at least once, so the plan has a status for each.
    await until(
      async () => ((await query<{ n: number }>('SELECT count(*)::int AS n FROM instrument_status'))[0]?.n ?? 0) >= 20,
      150_000,
      async () => {
        const unjudged = await query<{ instrument_id: string; readings: number; windows: number }>(
          `SELECT i.instrument_id,
                  (SELECT count(*)::int FROM readings r WHERE r.instrument_id = i.instrument_id) AS readings,
                  (SELECT count(*)::int FROM window_aggregates w WHERE w.instrument_id = i.instrument_id) AS windows
             FROM instruments i
            WHERE NOT EXISTS (SELECT 1 FROM instrument_status s WHERE s.instrument_id = i.instrument_id)
            ORDER BY i.instrument_id`,
        );
        return `${unjudged.length} instrument(s) not yet judged: ${unjudged.map((u) => `${u.instrument_id} (${u.readings} readings, ${u.windows} windows)`).join(', ')}; summary ${JSON.stringify(await pipeline.summary())}`;
      },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    contexts = [];
    await browser?.close();
    await pipeline?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('draws every instrument on the plan in its status colour, with its id and status as text', async () => {
    const { page } = engineer;
    await page.goto(`${pipeline.console.url}/`);
    await page.locator('svg.plan g.instrument').first().waitFor();
    // The page polls every 5 s and the pipeline keeps judging: read both until they agree.
    await expect
      .poll(
        async () => {
          const stored = await query<{ instrument_id: string; status: string | null; silent: boolean }>(
            `SELECT i.instrument_id, s.status FROM instruments i LEFT JOIN instrument_status s USING (instrument_id)
             WHERE i.easting IS NOT NULL AND i.northing IS NOT NULL ORDER BY 1`,
          );
          const drawn = await page.$$eval('svg.plan g.instrument', (groups) =>
            groups
              .map((g) => {
                const path = g.querySelector('path')!;
                const silent = g.getAttribute('data-silent') === 'true';
                return {
                  id: g.getAttribute('data-instrument')!,
                  status: g.getAttribute('data-status'),
                  colour: silent ? path.getAttribute('stroke') : path.getAttribute('fill'),
                  title: g.querySelector('title')?.textContent ?? '',
                };
              })
              .sort((a, b) => a.id.localeCompare(b.id)),
          );
          const expected = stored.map((row) => ({ id: row.instrument_id, status: row.status ?? 'unevaluated' }));
          const colourOk = drawn.every((d) => d.colour === STATUS_COLOURS[(d.status ?? 'unevaluated') as keyof typeof STATUS_COLOURS]);
          const titleOk = drawn.every((d) => d.title.startsWith(`${d.id},`) && d.title.includes('status '));
          return { shown: drawn.map((d) => ({ id: d.id, status: d.status })), colourOk, titleOk, expected };
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toSatisfy(
        (v: { shown: unknown; expected: unknown; colourOk: boolean; titleOk: boolean }) =>
          JSON.stringify(v.shown) === JSON.stringify(v.expected) && v.colourOk && v.titleOk,
      );
    const rows = await page.$$eval('table.instruments-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-instrument')));
    expect(rows).toHaveLength(20);
    // Keyboard: the plan takes focus, an arrow key selects an instrument, and its description is read out.
    await page.locator('svg.plan').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#plan-selection').textContent()).toMatch(/^BH-\d+, .+, status /);
    await shot(page, 'site-plan');
  });

  it('shows an alarm within 10 s of the status change that opens it', async () => {
    // A piezometer re-baselined 150 kPa above where it reads (as after a recalibration), and
    // three windows of two hand readings each at its old level: every reading of a window is
    // at Action, so the re-reads confirm it at once. The simulator's later readings are at the
    // old level too, so the alarm stays open (a step held by hand readings alone would clear at
    // the simulator's next reading, which a loaded machine may judge in the same batch).
    const [piezometer] = await query<{ instrument_id: string; value: number }>(
      `SELECT b.instrument_id, b.value FROM instrument_baselines b JOIN instruments i USING (instrument_id)
       WHERE i.instrument_type = 'piezometer' AND NOT EXISTS (SELECT 1 FROM alarms a WHERE a.instrument_id = b.instrument_id AND a.state = 'open')
       ORDER BY 1 LIMIT 1`,
    );
    expect(piezometer).toBeDefined();
    const start = Math.floor((Date.now() - 8_000) / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000;
    const rebaselined = await asEngineer(`/instruments/${encodeURIComponent(piezometer!.instrument_id)}/baselines`, {
      value: Math.round(piezometer!.value + 150),
      effectiveFrom: new Date(start).toISOString(),
      reason: 'test: re-baselined 150 kPa above the readings',
    });
    expect(rebaselined.status).toBe(201);
    const readings = [0, 1, 2].flatMap((w) =>
      [200, 1200].map((offset) => ({
        instrumentId: piezometer!.instrument_id,
        value: piezometer!.value,
        observedAt: new Date(start + w * WINDOW_SECONDS * 1000 + offset).toISOString(),
        note: 'test: a hand reading at the old level',
      })),
    );
    const posted = await asEngineer('/readings', { readings });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ accepted: 6, rejected: [] });
    await engineer.page.goto(`${pipeline.console.url}/alarms`);

    let opened: { alarm_id: string } | undefined;
    await expect
      .poll(
        async () => {
          [opened] = await query<{ alarm_id: string }>(`SELECT alarm_id FROM alarms WHERE instrument_id = :id AND state = 'open'`, {
            id: piezometer!.instrument_id,
          });
          return opened?.alarm_id;
        },
        { timeout: 45_000, interval: 200 },
      )
      .toBeDefined();
    alarmId = opened!.alarm_id;
    // From the moment the alarm is in the store, the page (polling every 5 s) has 10 s to show it.
    await engineer.page.locator(`tr[data-alarm="${alarmId}"]`).waitFor({ timeout: 10_000 });
    await expect.poll(() => engineer.page.locator(`tr[data-alarm="${alarmId}"] .badge`).textContent()).toBe('Action');
    await shot(engineer.page, 'alarms');
  });

  it('shows a viewer the alarm without the acknowledge form, and the API refuses a viewer who tries', async () => {
    const { page } = viewer;
    await page.goto(`${pipeline.console.url}/alarms/${encodeURIComponent(alarmId)}`);
    await page.locator('[data-role-note="viewer"]').waitFor();
    expect(await page.locator('form.acknowledge').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    // The same request the form would send, with the viewer's token (from the test, so the page logs no refusal).
    const response = await fetch(`${pipeline.console.url}/api/alarms/${encodeURIComponent(alarmId)}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(viewer)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'a viewer trying' }),
    });
    const refused = { status: response.status, body: (await response.json()) as { detail?: string } };
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('needs the engineers group');
    expect(await query(`SELECT 1 FROM alarm_acknowledgements WHERE alarm_id = :id`, { id: alarmId })).toEqual([]);
  });

  it('lets an engineer acknowledge with a note, and shows the acknowledgement and its audit entry', async () => {
    const { page } = engineer;
    await page.goto(`${pipeline.console.url}/alarms/${encodeURIComponent(alarmId)}`);
    await page.locator('form.acknowledge').waitFor();
    // Action needs a note: the browser holds the form back without one, the API would refuse it.
    await page.getByLabel('Note (required)').fill('Works stopped in the zone; designer called.');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('status').filter({ hasText: 'Acknowledged Action.' }).waitFor();
    await page.getByText('Nothing is waiting for an acknowledgement.').waitFor();
    await page.locator('table.audit tr[data-action="acknowledged"]').waitFor();
    expect(await page.locator('table.acknowledgements tbody tr').first().textContent()).toContain(
      'Works stopped in the zone; designer called.',
    );
    const stored = await query<{ action: string; actor: string }>(
      `SELECT action, actor FROM alarm_audit WHERE alarm_id = :id AND action = 'acknowledged'`,
      {
        id: alarmId,
      },
    );
    expect(stored).toHaveLength(1);
    await shot(page, 'alarm');
  });

  it('takes a manual reading from the form through the pipeline onto the instrument chart', async () => {
    const { page } = engineer;
    const [standpipe] = await query<{ instrument_id: string; value: number }>(
      `SELECT r.instrument_id, r.value_micro / 1000000.0 AS value FROM readings r JOIN instruments i USING (instrument_id)
       WHERE i.instrument_type = 'water_standpipe' ORDER BY r.observed_at DESC LIMIT 1`,
    );
    const observedAt = Math.floor(Date.now() / 1000) * 1000 - 20_000;
    await page.goto(`${pipeline.console.url}/readings`);
    await page.getByLabel('Instrument', { exact: true }).fill(standpipe!.instrument_id);
    await page.getByLabel(/^Value/).fill(String(Math.round(Number(standpipe!.value) * 1000 - 150) / 1000));
    await page.getByLabel(`Time read (${ZONE})`).fill(formatWallTime(observedAt, ZONE).replace(' ', 'T'));
    await page.getByLabel('Note (optional)').fill('dipped by hand');
    await page.getByRole('button', { name: 'Send reading' }).click();
    await page.locator('[data-outcome="accepted"]').waitFor();

    await page.getByRole('link', { name: standpipe!.instrument_id }).click();
    await page.getByRole('heading', { name: new RegExp(`^${standpipe!.instrument_id}`) }).waitFor();
    await page.waitForFunction(
      (at) =>
        [...document.querySelectorAll('svg.chart .reading.manual')].some((m) => Date.parse(m.getAttribute('data-observed-at')!) === at),
      observedAt,
      { timeout: 60_000, polling: 500 },
    );
    const title = await page.locator('svg.chart .reading.manual title').first().textContent();
    expect(title).toContain('Manual reading');
    expect(title).toContain('dipped by hand');
    const [stored] = await query<{ source: string; author: string; note: string }>(
      `SELECT source, author, note FROM readings WHERE instrument_id = :id AND observed_at = :at::timestamptz`,
      { id: standpipe!.instrument_id, at: new Date(observedAt).toISOString() },
    );
    expect(stored).toMatchObject({ source: 'manual', note: 'dipped by hand' });
    expect(stored!.author).toContain('engineer');
    await shot(page, 'instrument');
  });

  it('lets an engineer edit the registry: each refusal shown beside its field, a good rule saved', async () => {
    const { page } = engineer;
    const [extensometer] = await query<{ instrument_id: string }>(
      `SELECT instrument_id FROM instruments WHERE instrument_type = 'extensometer' ORDER BY 1 LIMIT 1`,
    );
    const id = extensometer!.instrument_id;
    const problemsBefore = engineer.problems.length;
    const stored = async () =>
      (
        await query<{ source: string; alert: string | null }>(
          `SELECT trigger_levels_source AS source, trigger_rule #>> '{bands,0,levels,alert}' AS alert FROM instruments WHERE instrument_id = :id`,
          { id },
        )
      )[0];
    await page.goto(`${pipeline.console.url}/instruments/${encodeURIComponent(id)}`);
    await page.getByText('Edit the trigger rule or re-baseline').click();
    const band = page.locator('fieldset.band').first();
    // The default rise band is +10 / +15 / +20 mm: an Alert above the Alarm level is refused.
    await band.getByLabel('alert (mm)', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await band.locator('.errors li').first().waitFor();
    expect(await band.locator('.errors').textContent()).toContain('rise levels must ascend');
    expect(await stored()).toEqual({ source: 'default', alert: null });

    await band.getByLabel('alert (mm)', { exact: true }).fill('12');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rule saved' }).waitFor();
    expect(await stored()).toEqual({ source: 'manual', alert: '12' });
    await page.locator('[data-rule-source="manual"]').waitFor();

    // A baseline outside an extensometer's physical range (±500 mm) is refused beside the value.
    const form = page.locator('form.baseline-form');
    await form.getByLabel('Baseline value (mm)').fill('9999');
    await form.getByLabel('Reason').fill('re-zeroed after repair');
    await form.getByRole('button', { name: 'Add baseline' }).click();
    await form.locator('.field.invalid .errors li').first().waitFor();
    expect(await form.locator('.field.invalid label').first().textContent()).toBe('Baseline value (mm)');
    // Chromium logs each refused request (400) as a console error: exactly the two refusals, and nothing else, taken off the list.
    expect(engineer.problems.slice(problemsBefore)).toEqual(
      Array(2).fill('console error: Failed to load resource: the server responded with a status of 400 (Bad Request)'),
    );
    engineer.problems.splice(problemsBefore);
  });

  it('uploads a CSV, reports each bad row with its reason and stores the good ones', async () => {
    const { page } = engineer;
    const instruments = await query<{ instrument_id: string; instrument_type: string }>(
      'SELECT instrument_id, instrument_type FROM instruments ORDER BY 1',
    );
    const of = (type: string) => instruments.find((i) => i.instrument_type === type)!.instrument_id;
    const at = (secondsAgo: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - secondsAgo * 1000).toISOString();
    const csv = [
      'instrument_id,observed_at,value,note',
      `${of('extensometer')},${at(40)},1.25,good row`,
      `${of('strain_gauge')},${at(41)},120.5,good row`,
      `NO-SUCH-1,${at(42)},3.2,unknown instrument`,
      `${of('extensometer')},${at(43)},abc,not a number`,
      `${of('extensometer')},${new Date(Date.now() + 3_600_000).toISOString()},1.3,an hour ahead`,
      `${of('piezometer')},${at(44)},99999,beyond the physical range`,
    ].join('\n');
    await page.goto(`${pipeline.console.url}/readings`);
    await page.getByLabel('CSV file').setInputFiles({ name: 'readings.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
    await page.getByRole('button', { name: 'Upload' }).click();
    const receipt = page.locator('[data-received]');
    await receipt.waitFor();
    expect(await receipt.getAttribute('data-received')).toBe('6');
    expect(await receipt.getAttribute('data-accepted')).toBe('2');
    const rejected = await page.$$eval('table.rejected-rows tbody tr', (trs) =>
      trs.map((tr) => ({
        row: tr.getAttribute('data-row'),
        reason: tr.getAttribute('data-reason'),
        detail: tr.lastElementChild?.textContent ?? '',
      })),
    );
    expect(rejected.map(({ row, reason }) => ({ row, reason }))).toEqual([
      { row: '3', reason: 'unknown_instrument' },
      { row: '4', reason: 'non_numeric_reading' },
      { row: '5', reason: 'future_timestamp' },
      { row: '6', reason: 'out_of_range' },
    ]);
    for (const r of rejected) expect(r.detail.length).toBeGreaterThan(5);
    await shot(page, 'manual-readings');
    await expect
      .poll(
        async () =>
          (
            await query<{ note: string }>(
              `SELECT note FROM readings WHERE source = 'manual' AND note = 'good row' AND instrument_id IN (:a, :b)`,
              {
                a: of('extensometer'),
                b: of('strain_gauge'),
              },
            )
          ).length,
        { timeout: 60_000, interval: 500 },
      )
      .toBe(2);
  });

  it('logged no console error and sent no request beyond loopback', () => {
    expect([...engineer.problems, ...viewer.problems]).toEqual([]);
    const outside = [...engineer.requests, ...viewer.requests].filter((url) => !/^(https?:\/\/127\.0\.0\.1(:\d+)?\/|data:)/.test(url));
    expect(outside).toEqual([]);
    expect(engineer.requests.length).toBeGreaterThan(10);
  });
});
