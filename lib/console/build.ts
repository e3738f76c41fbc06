import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type BuildOptions } from 'esbuild';

/**
 * The site console's build: esbuild bundles `web/src/main.tsx` (Preact, the shared
 * geometry and domain modules, the stylesheet) for the browser into `web/dist/`, with
 * content-hashed asset names (cached for a year) and an `index.html` that names them
 * (never cached). `build-manifest.json` lists every input, so a build is known to be stale
 * when any of them changed since. `npm run console:build`, the local runtime (when the
 * build is missing or stale) and the CDK construct (at synth) all build with this.
 */

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CONSOLE_WEB_DIR = path.join(PROJECT_ROOT, 'lib/console/web');
export const CONSOLE_DIST_DIR = path.join(CONSOLE_WEB_DIR, 'dist');
const ENTRY = path.join(CONSOLE_WEB_DIR, 'src/main.tsx');
const TEMPLATE = path.join(CONSOLE_WEB_DIR, 'index.html');
const MANIFEST = 'build-manifest.json';
/** Besides the bundle's inputs, what shapes the output: the template, this file and the dependency versions. */
const BUILD_INPUTS = [TEMPLATE, path.join(PROJECT_ROOT, 'lib/console/build.ts'), path.join(PROJECT_ROOT, 'package-lock.json')];

/** Browsers the bundle is written for: those of the last few years (ES2022, CSS nesting not assumed). */
export const CONSOLE_TARGETS = ['es2022', 'chrome111', 'firefox111', 'safari16.4', 'edge111'];

export interface ConsoleBuild {
  readonly outDir: string;
  /** The files written, relative to outDir (source maps included). */
  readonly files: readonly string[];
  /** The script and stylesheet index.html loads, relative to outDir. */
  readonly script: string;
  readonly stylesheet: string | undefined;
}

/** esbuild options of the console's bundle, minified as deployed unless told otherwise. */
export function consoleBuildOptions(outDir: string, minify = true): BuildOptions & { metafile: true } {
  return {
    entryPoints: { app: ENTRY },
    bundle: true,
    outdir: path.join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: CONSOLE_TARGETS,
    minify,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(CONSOLE_WEB_DIR, 'tsconfig.json'),
    legalComments: 'linked',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  };
}

/** Builds the console into `outDir` (replacing what was there). */
export function buildConsole(options: { outDir?: string; minify?: boolean } = {}): ConsoleBuild {
  const outDir = options.outDir ?? CONSOLE_DIST_DIR;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = buildSync(consoleBuildOptions(outDir, options.minify ?? true));
  const outputs = Object.entries(result.metafile.outputs).map(([file, output]) => ({
    file: path.relative(outDir, path.resolve(PROJECT_ROOT, file)),
    entry: output.entryPoint,
  }));
  const script = outputs.find((o) => o.entry !== undefined && o.file.endsWith('.js'))?.file;
  if (!script) throw new Error('the console build wrote no script');
  const stylesheet = outputs.find((o) => o.file.endsWith('.css'))?.file;
  const tags = [
    stylesheet ? `<link rel="stylesheet" href="/${toUrl(stylesheet)}" />` : '',
    `<script type="module" src="/${toUrl(script)}"></script>`,
  ].filter(Boolean);
  const html = readFileSync(TEMPLATE, 'utf8').replace('<!-- assets -->', tags.join('\n    '));
  writeFileSync(path.join(outDir, 'index.html'), html);
  const inputs = [...Object.keys(result.metafile.inputs).map((input) => path.resolve(PROJECT_ROOT, input)), ...BUILD_INPUTS];
  writeFileSync(
    path.join(outDir, MANIFEST),
    `${JSON.stringify({ inputs: inputs.map((i) => path.relative(PROJECT_ROOT, i)).sort() }, null, 2)}\n`,
  );
  return { outDir, files: ['index.html', ...outputs.map((o) => o.file)], script, stylesheet };
}

/**
 * Why the build in `outDir` cannot be served as it is (missing, or an input changed after
 * it was built), or undefined when it is up to date.
 */
export function consoleBuildStaleness(outDir: string = CONSOLE_DIST_DIR): string | undefined {
  const manifestPath = path.join(outDir, MANIFEST);
  if (!existsSync(manifestPath) || !existsSync(path.join(outDir, 'index.html'))) return 'not built yet';
  const builtAt = statSync(manifestPath).mtimeMs;
  const { inputs } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: string[] };
  for (const input of inputs) {
    const file = path.resolve(PROJECT_ROOT, input);
    if (!existsSync(file)) return `${input} is gone`;
    if (statSync(file).mtimeMs > builtAt) return `${input} changed`;
  }
  // A new module in the app's sources is not in the manifest yet, but the file that imports it changed.
  return undefined;
}

/** Builds the console when its build is missing or stale; says what it did. */
export function ensureConsoleBuilt(outDir: string = CONSOLE_DIST_DIR): { built: boolean; reason: string | undefined } {
  const reason = consoleBuildStaleness(outDir);
  if (reason !== undefined) buildConsole({ outDir });
  return { built: reason !== undefined, reason };
}

function toUrl(relative: string): string {
  return relative.split(path.sep).join('/');
}
