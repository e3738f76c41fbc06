/**
 * Runs the simulated source API on this machine: `npm run simulator -- --port 8070`.
 * See `--help` for the options.
 */
import { parseArgs } from 'node:util';
import { KNOWN_PATHS } from '../lambdas/simulator/endpoints.js';
import type { FaultKind } from '../lambdas/simulator/faults.js';
import { DEFAULT_SEED, DEFAULT_SLOW_DELAY_MS, FAULT_KNOBS, type SimulatorOptions } from '../lambdas/simulator/options.js';
import { DEFAULT_HOST, startSimulatorServer, type SimulatorServerOptions } from '../local/simulator-server.js';

const DEFAULT_PORT = 8070;

const OPTION_ROWS: readonly (readonly [string, string])[] = [
  ['--port <n>', `TCP port, 0 for any free one (default ${DEFAULT_PORT})`],
  ['--host <address>', `interface to listen on (default ${DEFAULT_HOST})`],
  ['--seed <text>', `seed of the fleet, readings and faults (default ${DEFAULT_SEED})`],
  ['--instruments-per-type <n>', 'instruments of each type (default: drawn from the seed in 50..150)'],
  ['--slow-delay-ms <n>', `delay of a slow response (default ${DEFAULT_SLOW_DELAY_MS})`],
  ...FAULT_KNOBS.map((knob) => [`--${knob.flag} <rate>`, knob.description] as const),
  ['-h, --help', 'show this help'],
];

const FLAG_WIDTH = Math.max(...OPTION_ROWS.map(([flag]) => flag.length)) + 2;

const USAGE = `Usage: npm run simulator -- [options]

Serves a simulated geotechnical instrument-reading API.

Options:
${OPTION_ROWS.map(([flag, description]) => `  ${flag.padEnd(FLAG_WIDTH)}${description}`).join('\n')}

Fault rates are 0..1 (default 0).`;

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): SimulatorServerOptions | 'help' {
  const faultFlags = Object.fromEntries(FAULT_KNOBS.map((knob) => [knob.flag, { type: 'string' } as const]));
  let parsed;
  try {
    // The same strict parseArgs set-up as the report's command line (local/report/options.ts) on purpose; the options are this command's own.
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'instruments-per-type': { type: 'string' },
        'slow-delay-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...faultFlags,
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return 'help';
  const number = (flag: string): number | undefined => {
    const text = values[flag];
    if (typeof text !== 'string') return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number (got '${text}')`);
    return value;
  };
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const knob of FAULT_KNOBS) {
    const rate = number(knob.flag);
    if (rate === undefined) continue;
    if (rate < 0 || rate > 1) throw new UsageError(`--${knob.flag} must be a rate between 0 and 1 (got ${rate})`);
    faults[knob.kind] = rate;
  }
  const options: { -readonly [K in keyof SimulatorServerOptions]: SimulatorServerOptions[K] } = {
    port: number('port') ?? DEFAULT_PORT,
    host: typeof values.host === 'string' ? values.host : DEFAULT_HOST,
    faults,
  };
  if (typeof values.seed === 'string') options.seed = values.seed;
  const count = number('instruments-per-type');
  if (count !== undefined) options.instrumentsPerType = count;
  const delay = number('slow-delay-ms');
  if (delay !== undefined) options.slowDelayMs = delay;
  return options;
}

function describe(options: SimulatorOptions, url: string, counts: string): string {
  const active = FAULT_KNOBS.filter((knob) => (options.faults?.[knob.kind] ?? 0) > 0);
  return [
    `Source API simulator listening on ${url}`,
    `Seed ${String(options.seed ?? DEFAULT_SEED)}; instruments ${counts}`,
    `Faults: ${active.length === 0 ? 'none' : active.map((knob) => `${knob.flag.replace('fault-rate-', '')} ${options.faults?.[knob.kind]}`).join(', ')}`,
    'Endpoints:',
    ...KNOWN_PATHS.map((path) => `  GET ${url}/${path}/`),
    'Press Ctrl-C to stop.',
  ].join('\n');
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  let running;
  try {
    running = await startSimulatorServer(options);
  } catch (error) {
    if (error instanceof Error) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const counts = Object.entries(running.simulator.fleet)
    .map(([type, instruments]) => `${type} ${instruments.length}`)
    .join(', ');
  console.log(describe(options, running.url, counts));
  const server = running;
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      console.log(`\n${signal} received, shutting down`);
      void server.close().then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

process.exitCode = await main();
