import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from '../support/chromium.js';
import { runReport } from '../../local/report/run-report.js';
import { DEMO_SITE, demoSiteReadings, writeDemoSite } from './demo-site.js';
import { toMicroUnits } from '../../lambdas/domain/reading.js';
import { openLocalDataDir } from './local-data-dir.js';

const ARTIFACTS = resolve('test-artifacts');

/** An SVG element as the page sees it (the tests compile without the DOM library). */
interface Graphic {
  getBBox(): { width: number; height: number };
}

describeWithChromium('the HTML report in headless Chromium', () => {
  let scratch: string;
  let reportUrl: string;
  let browser: Browser;
  let page: Page;
  let pz101Baseline = 0;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'report-browser-'));
    const site = await openLocalDataDir(join(scratch, 'data'));
    const period = await writeDemoSite(site.db);
    // PZ-101's initial baseline: the mean of its first 5 readings (one a window), from their micro-units.
    const first = demoSiteReadings(period)
      .filter((r) => r.reading.instrumentId === 'PZ-101')
      .slice(0, 5);
    pz101Baseline = first.reduce((sum, r) => sum + toMicroUnits(r.reading.value), 0) / (5 * 1_000_000);
    await site.close();
    mkdirSync(ARTIFACTS, { recursive: true });
    const out = join(ARTIFACTS, 'report.html');
    const edges = { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() };
    await runReport({ period: edges, dataDir: site.dataDir, out, csvDir: join(ARTIFACTS, 'report-csv') });
    reportUrl = pathToFileURL(out).href;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(reportUrl, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await browser?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('loads without console errors and without fetching anything but itself', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([reportUrl]);
  });

  it('renders every chart and the plan at a visible size', async () => {
    const boxes = await page.$$eval('svg.chart, svg.plan', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return { kind: svg.getAttribute('class'), width: box.width, height: box.height };
      }),
    );
    // Every instrument has a baseline of its own, and its levels at baseline + change, so a chart each; and the plan.
    expect(boxes.filter((b) => b.kind === 'chart')).toHaveLength(14);
    expect(boxes.filter((b) => b.kind === 'plan')).toHaveLength(1);
    for (const box of boxes) {
      expect(box.width).toBeGreaterThan(300);
      expect(box.height).toBeGreaterThan(150);
    }
  });

  it('draws a line for every instrument with readings, and the trigger levels', async () => {
    const lines = await page.$$eval('svg.chart path.line', (paths) =>
      paths.map((p) => (p as unknown as Graphic).getBBox()).map((b) => ({ width: b.width, height: b.height })),
    );
    // All fourteen instruments, the silent gauge (half a day) and the one without a position included.
    expect(lines).toHaveLength(14);
    for (const line of lines) expect(line.width).toBeGreaterThan(100);
    const levels = await page.$$eval('[data-chart="PZ-101"] .levels text', (texts) => texts.map((t) => t.textContent));
    // The baseline, and the first rise (+30 kPa) and fall (-20 kPa) levels, which its daily swing of ±6 kPa reaches neither
    // of; the axis they span rounds out to whole tens and so takes in the fall alarm level (-30 kPa) too.
    const at = (change: number) => (Math.round((pz101Baseline + change) * 100) / 100).toFixed(2);
    expect(levels).toEqual([`Baseline ${at(0)}`, `Alert ${at(30)}`, `Alert ${at(-20)}`, `Alarm ${at(-30)}`]);
  });

  it('plots every instrument with a position, the silent one hollow', async () => {
    const symbols = await page.$$eval('svg.plan g.instrument', (groups) =>
      groups.map((g) => {
        const box = (g as unknown as Graphic).getBBox();
        return {
          id: g.getAttribute('data-instrument'),
          silent: g.getAttribute('data-silent') === 'true',
          visible: box.width > 0 && box.height > 0,
        };
      }),
    );
    expect(symbols).toHaveLength(13);
    expect(symbols.every((s) => s.visible)).toBe(true);
    expect(symbols.filter((s) => s.silent).map((s) => s.id)).toEqual([DEMO_SITE.silentGauge]);
    expect(symbols.map((s) => s.id)).not.toContain(DEMO_SITE.unplotted);
  });

  it('keeps a screenshot of the whole report', async () => {
    const path = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path, fullPage: true });
    expect(existsSync(path)).toBe(true);
  });
});
