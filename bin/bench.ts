/**
 * `npm run bench`: measures the pipeline's hot paths on this machine, prints a table and
 * writes bench/results.json as {"metrics": [{name, value, unit, target, baselineRatio}]}.
 * `npm run bench -- --only processor,bundles` runs a subset and updates just those metrics
 * in the file, keeping the others. Suites may add sections beside the metrics (`scale`: the per-size table).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { benchBundles } from '../bench/bundles.js';
import { benchConsole } from '../bench/console.js';
import { benchDataApi } from '../bench/data-api.js';
import { meetsTarget, mergeMetrics, type Metric, type StoredMetric } from '../bench/metric.js';
import { benchOpenSearch } from '../bench/opensearch.js';
import { benchPipeline, benchPipelineKafka } from '../bench/pipeline.js';
import { benchProcessor } from '../bench/processor.js';
import { benchRebuild } from '../bench/rebuild.js';
import { benchScale } from '../bench/scale.js';

/** A suite's metrics, and optionally sections of results.json beside the flat metric list (e.g. a table). */
type Suite = () => Promise<Metric[] | { metrics: Metric[]; sections: Record<string, unknown> }>;

const SUITES: Readonly<Record<string, Suite>> = {
  processor: benchProcessor,
  bundles: benchBundles,
  'data-api': benchDataApi,
  pipeline: async () => [...(await benchPipeline()), ...(await benchPipelineKafka())],
  opensearch: benchOpenSearch,
  console: benchConsole,
  rebuild: benchRebuild,
  scale: benchScale,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, out: { type: 'string', default: 'bench/results.json' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`usage: npm run bench [-- --only ${Object.keys(SUITES).join(',')}] [--out bench/results.json]`);
    return;
  }
  const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SUITES);
  const unknown = selected.filter((name) => !SUITES[name]);
  if (unknown.length > 0) throw new Error(`unknown bench suite(s) ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);

  const metrics: Metric[] = [];
  const sections: Record<string, unknown> = {};
  for (const name of selected) {
    process.stderr.write(`bench: running ${name}...\n`);
    const result = await SUITES[name]!();
    if (Array.isArray(result)) metrics.push(...result);
    else {
      metrics.push(...result.metrics);
      Object.assign(sections, result.sections);
    }
  }
  printTable(metrics);
  const measured: StoredMetric[] = metrics.map(({ baseline: _baseline, ...stored }) => stored);
  const kept = values.only ? storedResults(values.out!) : {};
  mkdirSync(dirname(values.out!), { recursive: true });
  const results = { ...kept, ...sections, metrics: mergeMetrics(kept.metrics ?? [], measured) };
  writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${values.out}${values.only ? ` (updated ${measured.length} metrics, kept the rest)` : ''}`);
}

/** What results.json holds: the metrics, and the sections some suites add. */
function storedResults(file: string): { metrics?: StoredMetric[]; [section: string]: unknown } {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as { metrics?: StoredMetric[] };
}

function printTable(metrics: readonly Metric[]): void {
  const rows = metrics.map((m) => {
    const verdict = meetsTarget(m);
    return [
      m.name,
      `${m.value} ${m.unit}`,
      m.target ?? '',
      verdict === undefined ? '' : verdict ? 'met' : 'MISSED',
      m.baselineRatio === undefined ? '' : `${m.baselineRatio}x vs ${m.baseline ?? 'naive'}`,
    ];
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
