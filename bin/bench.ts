/**
 * `npm run bench`: measures the pipeline's hot paths on this machine, prints a table and
 * writes bench/results.json as {"metrics": [{name, value, unit, target, baselineRatio}]}.
 * `npm run bench -- --only processor,bundles` runs a subset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchBundles } from '../bench/bundles.js';
import { meetsTarget, type Metric } from '../bench/metric.js';
import { benchProcessor } from '../bench/processor.js';

type Suite = () => Promise<Metric[]>;

const SUITES: Record<string, Suite> = {
  processor: benchProcessor,
  bundles: benchBundles,
};

async function optionalSuite(module: string, exportName: string): Promise<Suite | undefined> {
  try {
    const loaded = (await import(module)) as Record<string, Suite | undefined>;
    return loaded[exportName];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string', default: 'bench/results.json' }, help: { type: 'boolean', short: 'h' } } });
  const extra: Record<string, [string, string]> = {
    pipeline: ['../bench/pipeline.js', 'benchPipeline'],
    'data-api': ['../bench/data-api.js', 'benchDataApi'],
    opensearch: ['../bench/opensearch.js', 'benchOpenSearch'],
  };
  for (const [name, [module, exportName]] of Object.entries(extra)) {
    const suite = await optionalSuite(module, exportName);
    if (suite) SUITES[name] = suite;
  }
  if (values.help) {
    console.log(`usage: npm run bench [-- --only ${Object.keys(SUITES).join(',')}] [--out bench/results.json]`);
    return;
  }
  const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SUITES);
  const unknown = selected.filter((name) => !SUITES[name]);
  if (unknown.length > 0) throw new Error(`unknown bench suite(s) ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);

  const metrics: Metric[] = [];
  for (const name of selected) {
    process.stderr.write(`bench: running ${name}...\n`);
    metrics.push(...(await SUITES[name]!()));
  }
  printTable(metrics);
  mkdirSync('bench', { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify({ metrics: metrics.map(({ baseline: _baseline, ...m }) => m) }, null, 2)}\n`);
  console.log(`\nwrote ${values.out}`);
}

function printTable(metrics: readonly Metric[]): void {
  const rows = metrics.map((m) => {
    const verdict = meetsTarget(m);
    return [m.name, `${m.value} ${m.unit}`, m.target ?? '', verdict === undefined ? '' : verdict ? 'met' : 'MISSED', m.baselineRatio === undefined ? '' : `${m.baselineRatio}x vs ${m.baseline ?? 'naive'}`];
  });
  const header = ['metric', 'value', 'target', '', 'vs naive'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
