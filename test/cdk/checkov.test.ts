import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkovFailures, judgeCheckov, loadCheckovSkips, staleSkips, type CheckovSkip } from '../../lib/checks/checkov.js';

/**
 * The rules `npm run checkov` applies to checkov's reports (bin/checkov.ts runs checkov itself
 * over every configuration; test/cdk/pipeline-stack.test.ts runs it on the default template
 * where it is installed).
 */

/** A report as checkov's `-o json` writes it for one CloudFormation template. */
const report = (...failed: [check: string, resource: string][]) => ({
  check_type: 'cloudformation',
  results: {
    passed_checks: [],
    failed_checks: failed.map(([check_id, resource]) => ({ check_id, check_name: `${check_id} name`, resource })),
  },
  summary: { failed: failed.length },
});

const SKIPS: CheckovSkip[] = [
  {
    check: 'CKV_AWS_117',
    resources: ['PollerHandlerFunction', 'BatchProcessorHandlerFunction'],
    reason: 'The functions reach every store through public AWS endpoints; a VPC would need a NAT gateway for nothing.',
  },
];

describe('judging checkov findings', () => {
  it("names each failure by check and logical ID, from checkov's resource names", () => {
    expect(checkovFailures(report(['CKV_AWS_158', 'AWS::Logs::LogGroup.PollerHandlerLogGroup738B6927']))).toEqual([
      { check: 'CKV_AWS_158', name: 'CKV_AWS_158 name', logicalId: 'PollerHandlerLogGroup738B6927' },
    ]);
    expect(
      checkovFailures([report(['CKV_AWS_117', 'AWS::Lambda::Function.A1']), report(['CKV_AWS_116', 'AWS::Lambda::Function.B2'])]),
    ).toHaveLength(2);
  });

  it('passes a failure the skip file lists for that check and resource, and nothing else', () => {
    const failures = checkovFailures(
      report(
        ['CKV_AWS_117', 'AWS::Lambda::Function.PollerHandlerFunction87E2F781'],
        ['CKV_AWS_117', 'AWS::Lambda::Function.NewFunctionABC123'],
        ['CKV_AWS_116', 'AWS::Lambda::Function.PollerHandlerFunction87E2F781'],
        ['CKV_AWS_158', 'AWS::Logs::LogGroup.PollerHandlerLogGroup738B6927'],
      ),
    );
    const { unlisted, skipped } = judgeCheckov(failures, SKIPS);
    expect(skipped.map((failure) => `${failure.check} ${failure.logicalId}`)).toEqual(['CKV_AWS_117 PollerHandlerFunction87E2F781']);
    expect(unlisted.map((failure) => `${failure.check} ${failure.logicalId}`)).toEqual([
      'CKV_AWS_117 NewFunctionABC123',
      'CKV_AWS_116 PollerHandlerFunction87E2F781',
      'CKV_AWS_158 PollerHandlerLogGroup738B6927',
    ]);
  });

  it('names the skips no finding needs any more', () => {
    const failures = checkovFailures(report(['CKV_AWS_117', 'AWS::Lambda::Function.PollerHandlerFunction87E2F781']));
    expect(staleSkips(failures, SKIPS)).toEqual(['CKV_AWS_117 BatchProcessorHandlerFunction']);
  });
});

describe('the skip file', () => {
  it('holds only checkov AWS checks, each with resources and a reason', () => {
    const skips = loadCheckovSkips();
    expect(skips.length).toBeGreaterThan(0);
    for (const skip of skips) {
      expect(skip.check).toMatch(/^CKV2?_AWS_\d+$/);
      expect(skip.resources.length).toBeGreaterThan(0);
      expect(skip.reason.length, `${skip.check} ${skip.resources.join(',')}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('skips no check that the stack fixes: log group encryption, RDS monitoring, TLS and logging checks are not in it', () => {
    const checks = new Set(loadCheckovSkips().map((skip) => skip.check));
    for (const fixed of ['CKV_AWS_158', 'CKV_AWS_118', 'CKV_AWS_353', 'CKV_AWS_354', 'CKV_AWS_96', 'CKV_AWS_84', 'CKV_AWS_83', 'CKV_AWS_5'])
      expect(checks.has(fixed), fixed).toBe(false);
  });

  it('refuses an entry without a reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'checkov-skips-'));
    try {
      const file = path.join(dir, 'skips.json');
      writeFileSync(file, JSON.stringify({ skips: [{ check: 'CKV_AWS_117', resources: ['Poller'], reason: 'no' }] }));
      expect(() => loadCheckovSkips(file)).toThrow(/must say why the finding does not apply/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
