import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { deployedBuildOptions, LAMBDA_ENTRIES } from '../lib/constructs/lambda-bundling.js';
import type { Metric } from './metric.js';

/** Built as the stack builds its functions (`lib/constructs/lambda-bundling.ts`). */
const DEPLOYED: BuildOptions = deployedBuildOptions();

/** The naive way: the same bundle, not minified. */
const NAIVE: BuildOptions = { ...DEPLOYED, minify: false };

/** Environment a handler reads at init; values only need to be well formed, nothing is called. */
const INIT_ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STREAM_NAME: 'bench',
  SOURCE_BASE_URL: 'http://127.0.0.1:9/',
  SOURCE_AUTH: 'none',
  QUARANTINE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench',
  DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:000000000000:cluster:bench',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
  DB_NAME: 'geotech',
  ESCALATION_TOPIC_ARNS:
    'arn:aws:sns:us-east-1:000000000000:bench-1,arn:aws:sns:us-east-1:000000000000:bench-2,arn:aws:sns:us-east-1:000000000000:bench-3',
  ACKNOWLEDGE_URL: 'https://alarms.example.com',
  OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9',
  OPENSEARCH_AUTH: 'none',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/** Module init time of a bundle in a fresh Node.js process: the median of several cold loads, ms. */
function initTimeMs(bundle: string, runs = 5): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(bundle).href)});process.stdout.write(String(performance.now()-t))`;
  const times = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, ...INIT_ENVIRONMENT },
        encoding: 'utf8',
      }),
    ),
  ).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

export async function benchBundles(): Promise<Metric[]> {
  // Outside the project, as in Lambda: an import left out of a bundle fails to load instead of finding node_modules.
  const outDir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const metrics: Metric[] = [];
  try {
    for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
      if (!existsSync(entry)) {
        console.warn(`bench: ${entry} does not exist yet; skipping the ${name} bundle`);
        continue;
      }
      const deployed = join(outDir, `${name}.mjs`);
      const naive = join(outDir, `${name}.naive.mjs`);
      await build({ ...DEPLOYED, entryPoints: [entry], outfile: deployed });
      await build({ ...NAIVE, entryPoints: [entry], outfile: naive });
      const size = statSync(deployed).size;
      const naiveSize = statSync(naive).size;
      const init = initTimeMs(deployed);
      const naiveInit = initTimeMs(naive, 3);
      metrics.push(
        {
          name: `${name} bundle (minified)`,
          value: Math.round(size / 1024),
          unit: 'KB',
          target: '<= 300',
          baselineRatio: round(naiveSize / size),
          baseline: 'the same bundle unminified',
        },
        {
          name: `${name} module init`,
          value: round(init),
          unit: 'ms',
          target: '<= 150',
          baselineRatio: round(naiveInit / init),
          baseline: 'the same bundle unminified',
        },
      );
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return metrics;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
