/**
 * `npm run console:build`: builds the site console into lib/console/web/dist/ (see lib/console/build.ts).
 */
import { buildConsole, CONSOLE_DIST_DIR } from '../lib/console/build.js';

const started = performance.now();
const build = buildConsole({ outDir: CONSOLE_DIST_DIR });
console.log(
  `built the site console in ${Math.round(performance.now() - started)} ms: ${build.files.filter((f) => !f.endsWith('.map')).join(', ')}`,
);
