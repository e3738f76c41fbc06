import { existsSync } from 'node:fs';
import { describe } from 'vitest';

/** Debian's `chromium`, which the browser tests drive with playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, with nothing of its own reaching out (updates, sync, first-run pages). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** In headless Chromium when it is installed; skipped with a message when not, except under CI (CI=true), where that fails. */
export function describeWithChromium(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) describe(name, suite);
  else if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${CHROMIUM} not found: install it with \`apt-get install chromium\` (CI=true, so this cannot be skipped)`);
    });
  } else {
    console.warn(`Skipping "${name}": ${CHROMIUM} not found (install it with \`apt-get install chromium\`)`);
    describe.skip(name, suite);
  }
}
