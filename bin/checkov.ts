/**
 * checkov over the synthesized template of every supported configuration: `npm run checkov`.
 * Exits 1 when checkov reports a failed check that lib/checks/checkov-skips.json does not
 * list, or when an entry there matches no finding in any configuration (a stale skip), and 2
 * when checkov is not installed (.ci/run installs it in a virtual environment of its own).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createPipelineApp } from '../lib/app.js';
import {
  CHECKOV_SKIPS_PATH,
  checkovExecutable,
  checkovFailures,
  judgeCheckov,
  loadCheckovSkips,
  staleSkips,
  type CheckovFailure,
} from '../lib/checks/checkov.js';
import { PROJECT_ROOT } from '../lib/constructs/pipeline-function.js';

/** Every configuration the project supports, as context over cdk.json's: one line each. */
const CONFIGURATIONS: ReadonlyArray<{ readonly name: string; readonly context: Record<string, unknown> }> = [
  { name: 'default', context: {} },
  {
    name: 'quicksight',
    context: {
      account: '123456789012',
      region: 'ap-southeast-2',
      quicksightPrincipals: 'arn:aws:quicksight:ap-southeast-2:123456789012:group/default/site-engineers',
    },
  },
  { name: 'msk', context: { stream: 'msk' } },
  {
    name: 'production',
    context: {
      env: 'prod',
      production: true,
      openSearchProfile: 'production',
      auroraReaders: 1,
      alertEmails: 'engineer@example.com',
      opsEmails: 'ops@example.com',
      dashboardsAllowedCidrs: '203.0.113.0/24',
    },
  },
];

const executable = checkovExecutable();
if (!executable) {
  console.error('checkov is not installed: run .ci/run, or `pip install checkov` into a virtual environment and set CHECKOV to its path');
  process.exit(2);
}

const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const skips = loadCheckovSkips();
const all: CheckovFailure[] = [];
let unlistedCount = 0;

for (const configuration of CONFIGURATIONS) {
  const outdir = mkdtempSync(path.join(tmpdir(), `geotech-checkov-${configuration.name}-`));
  try {
    const { app, stack } = createPipelineApp({ context: { ...cdkJson.context, ...configuration.context }, outdir });
    const assembly = app.synth();
    const template = path.join(outdir, assembly.getStackArtifact(stack.artifactId).templateFile);
    const result = spawnSync(executable, ['-f', template, '--framework', 'cloudformation', '-o', 'json', '--quiet', '--compact'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error || (!result.stdout.trim().startsWith('{') && !result.stdout.trim().startsWith('['))) {
      console.error(`checkov did not report on ${configuration.name}: ${result.error?.message ?? result.stderr}`);
      process.exit(2);
    }
    const failures = checkovFailures(JSON.parse(result.stdout));
    all.push(...failures);
    const { unlisted, skipped } = judgeCheckov(failures, skips);
    unlistedCount += unlisted.length;
    console.log(
      `${configuration.name}: ${failures.length} failed checks, ${skipped.length} listed in ${CHECKOV_SKIPS_PATH}, ${unlisted.length} not`,
    );
    for (const failure of unlisted) console.log(`  NOT LISTED ${failure.check} ${failure.logicalId}: ${failure.name}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const stale = staleSkips(all, skips);
for (const entry of stale) console.log(`STALE SKIP ${entry}: no configuration fails it any more; remove it from ${CHECKOV_SKIPS_PATH}`);
if (unlistedCount > 0 || stale.length > 0) {
  console.log(`checkov: ${unlistedCount} failed check(s) not listed, ${stale.length} stale skip(s)`);
  process.exit(1);
}
console.log(`checkov: no failed check outside ${CHECKOV_SKIPS_PATH} in ${CONFIGURATIONS.length} configurations`);
