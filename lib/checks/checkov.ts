import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../constructs/pipeline-function.js';

/**
 * checkov (a second, independent scanner beside cdk-nag and cfn-lint) over the synthesized
 * templates: what it found, which of those findings this project accepts (checkov-skips.json,
 * each with its reason) and what is left. `npm run checkov` (bin/checkov.ts) runs it on every
 * supported configuration; CI fails on any finding the skip file does not list.
 */

/** The skip file, relative to the project root. */
export const CHECKOV_SKIPS_PATH = 'lib/checks/checkov-skips.json';

/** Where .ci/run installs checkov: a virtual environment of its own, outside the repository. */
export const CHECKOV_VENV = path.join(homedir(), '.cache', 'geotech-ci', 'checkov');

const SkipSchema = z.object({
  check: z.string().regex(/^CKV2?_AWS_\d+$/, 'must be a checkov AWS check ID such as CKV_AWS_117'),
  resources: z.array(z.string().regex(/^[A-Za-z0-9]+$/, 'must be the start of a logical ID')).min(1),
  reason: z.string().min(60, 'must say why the finding does not apply to this project'),
});

const SkipFileSchema = z.object({ $comment: z.string().optional(), skips: z.array(SkipSchema) });

/** A finding this project accepts: a check on resources whose logical IDs start with one of `resources`. */
export type CheckovSkip = z.infer<typeof SkipSchema>;

/** One failed check, as checkov's JSON output names it. */
export interface CheckovFailure {
  readonly check: string;
  /** The resource's logical ID. */
  readonly logicalId: string;
  readonly name: string;
}

export interface CheckovJudgement {
  /** Failures no skip covers: each fails the build. */
  readonly unlisted: readonly CheckovFailure[];
  /** Failures a skip covers. */
  readonly skipped: readonly CheckovFailure[];
}

/** Reads and checks the skip file. */
export function loadCheckovSkips(file = path.join(PROJECT_ROOT, CHECKOV_SKIPS_PATH)): CheckovSkip[] {
  return SkipFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).skips;
}

/** The failed checks in checkov's JSON report (`-o json`) of one template. */
export function checkovFailures(report: unknown): CheckovFailure[] {
  const reports = (Array.isArray(report) ? report : [report]) as { results?: { failed_checks?: unknown[] } }[];
  return reports.flatMap((one) =>
    (one.results?.failed_checks ?? []).map((entry) => {
      const failed = entry as { check_id: string; check_name: string; resource: string };
      return { check: failed.check_id, name: failed.check_name, logicalId: failed.resource.replace(/^[^.]*::[^.]*::[^.]*\./, '') };
    }),
  );
}

/** Sorts failures into those a skip covers and those it does not. */
export function judgeCheckov(failures: readonly CheckovFailure[], skips: readonly CheckovSkip[]): CheckovJudgement {
  const covered = (failure: CheckovFailure) =>
    skips.some((skip) => skip.check === failure.check && skip.resources.some((prefix) => failure.logicalId.startsWith(prefix)));
  return { unlisted: failures.filter((failure) => !covered(failure)), skipped: failures.filter(covered) };
}

/** Skip entries (check and resource prefix) that matched no failure in any template: stale, to be removed. */
export function staleSkips(failures: readonly CheckovFailure[], skips: readonly CheckovSkip[]): string[] {
  return skips.flatMap((skip) =>
    skip.resources
      .filter((prefix) => !failures.some((failure) => failure.check === skip.check && failure.logicalId.startsWith(prefix)))
      .map((prefix) => `${skip.check} ${prefix}`),
  );
}

/** The checkov executable: $CHECKOV, else the one .ci/run installs, else `checkov` on the PATH; undefined when there is none. */
export function checkovExecutable(): string | undefined {
  if (process.env.CHECKOV) return process.env.CHECKOV;
  const installed = path.join(CHECKOV_VENV, 'bin', 'checkov');
  if (existsSync(installed)) return installed;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'checkov'));
  return onPath.find((candidate) => existsSync(candidate));
}
