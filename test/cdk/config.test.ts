import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPipelineApp } from '../../lib/app.js';
import { ConfigError as SharedConfigError } from '../../lambdas/shared/config-error.js';
import { CONFIG_DEFAULTS, CONFIG_KEYS, ConfigError, loadConfig, type PipelineConfig } from '../../lib/config.js';
import { PROJECT_ROOT } from '../../lib/constructs/pipeline-function.js';
import { cdkJsonContext } from './synth.js';

/** Loads a configuration from a context object, as `app.node.tryGetContext` would serve it. */
const load = (context: Record<string, unknown>): PipelineConfig => loadConfig((key) => context[key], Object.keys(context));

/** The problems a context is rejected with, as `key: message` lines. */
function problems(context: Record<string, unknown>): string[] {
  try {
    load(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.key}: ${problem.message}`);
    throw error;
  }
  throw new Error(`context was accepted: ${JSON.stringify(context)}`);
}

describe('configuration defaults', () => {
  it('gives the same configuration from cdk.json as from the defaults in code', () => {
    expect(load(cdkJsonContext())).toEqual(load({}));
  });

  it('lists every key cdk.json sets among the configuration keys (besides CDK feature flags)', () => {
    const configKeys = Object.keys(cdkJsonContext()).filter((key) => !key.startsWith('@'));
    expect(configKeys.filter((key) => !(CONFIG_KEYS as string[]).includes(key))).toEqual([]);
  });

  it('gives CONFIG_DEFAULTS when no key is set', () => {
    expect(load({})).toEqual(CONFIG_DEFAULTS);
  });

  it('defaults to a stage named dev with the simulator as the source and deletion protection on', () => {
    expect(load({})).toMatchObject({ env: 'dev', simulator: true, deletionProtection: true, streamMode: 'on-demand' });
  });

  it('puts the site in Melbourne unless told otherwise, and accepts UTC and other IANA names', () => {
    expect(load({}).siteTimeZone).toBe('Australia/Melbourne');
    expect(load({ siteTimeZone: 'UTC' }).siteTimeZone).toBe('UTC');
    expect(load({ siteTimeZone: 'Pacific/Auckland' }).siteTimeZone).toBe('Pacific/Auckland');
  });
});

describe('reading -c values', () => {
  it('turns the strings the CLI passes into numbers, booleans and lists', () => {
    const config = load({
      pollIntervalSeconds: '5',
      auroraMinCapacity: '0',
      auroraMaxCapacity: '8.5',
      deletionProtection: 'false',
      simulator: 'false',
      sourceBaseUrl: 'https://api.example.com/v1/',
      alertEmails: 'a@example.com, b@example.com',
      alertSms: '+61400111222',
      streamMode: 'provisioned',
      shardCount: '4',
    });
    expect(config).toMatchObject({
      pollIntervalSeconds: 5,
      auroraMinCapacity: 0,
      auroraMaxCapacity: 8.5,
      deletionProtection: false,
      simulator: false,
      alertEmails: ['a@example.com', 'b@example.com'],
      alertSms: ['+61400111222'],
      shardCount: 4,
    });
  });

  it('reads escalation contacts as tier, levels (lowest first) and an email address or phone number', () => {
    expect(
      load({ escalationContacts: '2:action+alarm:lead@example.com, 3:ACTION:+61400111222, 1:alert+alert:site@example.com' })
        .escalationContacts,
    ).toEqual([
      { tier: 2, levels: ['alarm', 'action'], protocol: 'email', endpoint: 'lead@example.com' },
      { tier: 3, levels: ['action'], protocol: 'sms', endpoint: '+61400111222' },
      { tier: 1, levels: ['alert'], protocol: 'email', endpoint: 'site@example.com' },
    ]);
    expect(load({ escalationContacts: ['2:alert+alarm+action:lead@example.com'] }).escalationContacts).toEqual([
      { tier: 2, levels: ['alert', 'alarm', 'action'], protocol: 'email', endpoint: 'lead@example.com' },
    ]);
    expect(load({ escalationTiers: '5', reminderIntervalMinutes: '0' })).toMatchObject({ escalationTiers: 5, reminderIntervalMinutes: 0 });
  });

  it('accepts JSON arrays from cdk.json and an empty -c list', () => {
    expect(load({ opsEmails: ['ops@example.com'] }).opsEmails).toEqual(['ops@example.com']);
    expect(load({ opsEmails: '' }).opsEmails).toEqual([]);
  });

  it('accepts averaging windows up to an hour that divide a day', () => {
    expect(load({ windowSeconds: '3600' }).windowSeconds).toBe(3600);
    expect(load({ windowSeconds: 1800 }).windowSeconds).toBe(1800);
    expect(load({ windowSeconds: '' }).windowSeconds).toBe(CONFIG_DEFAULTS.windowSeconds);
  });

  it('accepts OpenSearch versions with or without the OpenSearch_ prefix', () => {
    expect(load({ openSearchEngineVersion: 'OpenSearch_3.1' }).openSearchEngineVersion).toBe('3.1');
    expect(load({ openSearchEngineVersion: '2.19' }).openSearchEngineVersion).toBe('2.19');
  });
});

describe('invalid values', () => {
  it.each([
    [{ env: 'Prod' }, 'env: must be 1-16 lowercase letters, digits or hyphens'],
    [{ streamMode: 'fast' }, 'streamMode: must be one of on-demand, provisioned (got "fast")'],
    [{ windowSeconds: '7200' }, 'windowSeconds: must be a whole number of seconds from 1 to 3600 (got "7200")'],
    [{ windowSeconds: 'ten' }, 'windowSeconds: must be a whole number of seconds from 1 to 3600 (got "ten")'],
    [{ windowSeconds: 7 }, 'windowSeconds: must divide a day (86400 s)'],
    [{ windowSeconds: 1000 }, 'windowSeconds: must divide a day (86400 s)'],
    [{ batchSize: 'lots' }, 'batchSize: must be a whole number from 1 to 10000 (got "lots")'],
    [{ pollIntervalSeconds: 2.5 }, 'pollIntervalSeconds: must be a whole number from 1 to 30 (got 2.5)'],
    [{ streamRetentionHours: 12 }, 'streamRetentionHours: must be a whole number from 24 to 8760 (got 12)'],
    [{ auroraMaxCapacity: '3.3' }, 'auroraMaxCapacity: must be a number from 1 to 256 in steps of 0.5 (got "3.3")'],
    [{ deletionProtection: 'yes' }, 'deletionProtection: must be true or false (got "yes")'],
    [{ auroraEngineVersion: '16.99' }, 'auroraEngineVersion: must be an Aurora PostgreSQL version known to aws-cdk-lib: '],
    [{ openSearchEngineVersion: '9.9' }, 'openSearchEngineVersion: must be an OpenSearch version known to aws-cdk-lib: '],
    [{ openSearchInstanceType: 't2.small.search' }, 'openSearchInstanceType: t2 instances do not support encryption at rest'],
    [{ openSearchInstanceType: 'large' }, 'openSearchInstanceType: must be an OpenSearch instance type'],
    [{ alertEmails: 'a@example.com,not-an-address' }, 'alertEmails[1]: must be an email address (got "not-an-address")'],
    [{ alertSms: ['0400111222'] }, 'alertSms[0]: must be a phone number in E.164 form'],
    [{ simulator: false, sourceBaseUrl: 'http://api.example.com' }, 'sourceBaseUrl: must be an https URL (got "http://api.example.com")'],
    [{ logRetentionDays: 10 }, 'logRetentionDays: must be one of 1, 3, 5, 7, 14, 30'],
    [{ dashboardsDomainPrefix: 'my-cognito-login' }, 'dashboardsDomainPrefix: must be 1-63 lowercase letters'],
    [{ consoleDomainName: 'https://console.example.com' }, 'consoleDomainName: must be a lowercase DNS name'],
    [
      { consoleCertificateArn: 'arn:aws:acm:ap-southeast-2:123456789012:certificate/0b3c9d2e-1f4a-4b5c-8d6e-7f8091a2b3c4' },
      'consoleCertificateArn: must be the ARN of an ACM certificate in us-east-1',
    ],
    [{ region: 'sydney' }, 'region: must be an AWS Region code'],
    [{ quicksightPrincipals: 'alice' }, 'quicksightPrincipals[0]: must be a QuickSight user or group ARN'],
    [{ siteTimeZone: 'Melbourne' }, 'siteTimeZone: must be an IANA time zone name such as Australia/Melbourne or UTC (got "Melbourne")'],
    [
      { siteTimeZone: 'australia/sydney' },
      'siteTimeZone: must be an IANA time zone name such as Australia/Melbourne or UTC (did you mean Australia/Sydney?) (got "australia/sydney")',
    ],
    [{ siteTimeZone: 10 }, 'siteTimeZone: must be an IANA time zone name such as Australia/Melbourne or UTC (got 10)'],
    [{ escalationTiers: 6 }, 'escalationTiers: must be a whole number from 1 to 5 (got 6)'],
    [{ escalationTiers: 0 }, 'escalationTiers: must be a whole number from 1 to 5 (got 0)'],
    [{ reminderIntervalMinutes: 1441 }, 'reminderIntervalMinutes: must be a whole number from 0 to 1440 (got 1441)'],
    [
      { escalationContacts: 'lead@example.com' },
      'escalationContacts[0]: must be <tier>:<levels joined by +>:<email or +E.164 number>, e.g. 2:alarm+action:lead@example.com (got "lead@example.com")',
    ],
    [
      { escalationContacts: '2:critical:lead@example.com' },
      'escalationContacts[0]: level "critical" is not one of alert, alarm, action (got "2:critical:lead@example.com")',
    ],
    [
      { escalationContacts: ['2:normal+alarm:lead@example.com'] },
      'escalationContacts[0]: level "normal" is not one of alert, alarm, action',
    ],
    [
      { escalationContacts: '2::lead@example.com' },
      'escalationContacts[0]: names no level; give one or more of alert, alarm, action joined by +',
    ],
    [{ escalationContacts: '0:alarm:lead@example.com' }, 'escalationContacts[0]: tier "0" must be a whole number from 1 to 5'],
    [{ escalationContacts: 'two:alarm:lead@example.com' }, 'escalationContacts[0]: tier "two" must be a whole number from 1 to 5'],
    [
      { escalationContacts: '2:alarm:lead@example.com,3:action:0400111222' },
      'escalationContacts[1]: address "0400111222" must be an email address or a phone number in E.164 form, e.g. +61400000000 (got "3:action:0400111222")',
    ],
    [{ escalationContacts: [{ tier: 2 }] }, 'escalationContacts[0]: must be <tier>:<levels joined by +>:<email or +E.164 number>'],
  ])('rejects %j naming the key and what it accepts', (context, expected) => {
    expect(problems(context).join('\n')).toContain(expected);
  });

  it('reports every invalid key at once', () => {
    expect(problems({ streamMode: 'fast', batchSize: 0, simulator: 'maybe' }).map((line) => line.split(':')[0])).toEqual([
      'streamMode',
      'batchSize',
      'simulator',
    ]);
  });

  it("throws the project's ConfigError, its message listing each key under the subject and where keys are set", () => {
    let thrown: unknown;
    try {
      load({ streamMode: 'fast', batchSize: 0 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SharedConfigError);
    expect((thrown as SharedConfigError).subject).toBe('deployment configuration');
    expect((thrown as Error).message).toBe(
      [
        'Invalid deployment configuration (set keys in cdk.json "context" or with -c key=value):',
        '  - streamMode: must be one of on-demand, provisioned (got "fast")',
        '  - batchSize: must be a whole number from 1 to 10000 (got 0)',
      ].join('\n'),
    );
  });

  it('names an unknown key and suggests the key it resembles', () => {
    expect(problems({ windowSecond: 30 })).toEqual(['windowSecond: is not a configuration key (did you mean windowSeconds?)']);
    expect(problems({ colour: 'blue' })[0]).toMatch(/^colour: is not a configuration key; known keys: env, production, account, /);
  });

  it("leaves the CDK's own context keys alone", () => {
    expect(() =>
      load({ '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:enable-path-metadata': true, 'acknowledged-issue-numbers': [1] }),
    ).not.toThrow();
  });
});

describe('keys that depend on each other', () => {
  it.each([
    [{ shardCount: 2 }, 'shardCount: applies only to a provisioned stream'],
    [
      { streamRetentionHours: 24, maxRecordAgeSeconds: 172_800 },
      'maxRecordAgeSeconds: must not exceed the stream retention (streamRetentionHours=24, i.e. 86400 s)',
    ],
    [{ streamRetentionHours: 24 }, 'maxRecordAgeSeconds: must not exceed the stream retention (streamRetentionHours=24'],
    [
      { stream: 'msk', mskRetentionHours: 24, maxRecordAgeSeconds: 172_800 },
      'maxRecordAgeSeconds: must not exceed the topic retention (mskRetentionHours=24, i.e. 86400 s)',
    ],
    [{ stream: 'msk', streamMode: 'provisioned', shardCount: 2 }, 'shardCount: applies only to a Kinesis stream'],
    [
      { region: 'ap-southeast-4' },
      'region: ap-southeast-4 (Asia Pacific (Melbourne)) has no RDS Data API for Aurora PostgreSQL Serverless v2',
    ],
    [{ production: true }, 'alertEmails: production=true needs someone to receive trigger-level alerts'],
    [{ production: true, alertSms: '+61400111222' }, 'opsEmails: production=true needs someone to receive the operations alarms'],
    [
      { production: true, alertEmails: 'a@example.com', opsEmails: 'o@example.com' },
      'openSearchProfile: production=true needs openSearchProfile=production',
    ],
    [{ openSearchProfile: 'production', openSearchInstanceCount: 4 }, 'openSearchInstanceCount: must be a multiple of 3'],
    [
      { openSearchProfile: 'production', openSearchInstanceType: 't3.medium.search' },
      'openSearchInstanceType: t3.medium.search is burstable',
    ],
    [{ openSearchMasterInstanceType: 'm7g.large.search' }, 'openSearchMasterInstanceType: applies only to openSearchProfile=production'],
    [{ dashboardsAllowedCidrs: '203.0.113.0/24,10.0.0.1' }, 'dashboardsAllowedCidrs[1]: must be an IPv4 or IPv6 CIDR block'],
    [
      { sourceApiKeyKmsKeyArn: 'arn:aws:kms:ap-southeast-2:123456789012:key/0d4e7b52-1f7a-4a4d-9c55-3a2e1f0b9c11' },
      'sourceApiKeyKmsKeyArn: applies only to the source API key secret',
    ],
    [{ auroraMinCapacity: 8, auroraMaxCapacity: 4 }, 'auroraMinCapacity: must not exceed auroraMaxCapacity (4)'],
    [
      { auroraEngineVersion: '16.2', auroraMinCapacity: 0 },
      'auroraMinCapacity: 0 (auto-pause) needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3',
    ],
    [{ auroraEngineVersion: '15.2' }, 'auroraEngineVersion: 15.2 has no RDS Data API on Aurora Serverless v2'],
    [{ sourceBaseUrl: 'https://api.example.com' }, 'sourceBaseUrl: is set while simulator=true'],
    [{ simulator: false }, 'sourceBaseUrl: is required when simulator=false'],
    [{ sourceApiKeySecretName: 'geotech/source-key' }, 'sourceApiKeySecretName: applies only to a real source'],
    [{ env: 'aws-test' }, 'dashboardsDomainPrefix: is required when env contains "aws", "amazon" or "cognito"'],
    [{ consoleDomainName: 'console.example.com' }, 'consoleCertificateArn: consoleDomainName and consoleCertificateArn go together'],
    [
      { escalationContacts: '4:action:lead@example.com' },
      'escalationContacts[0]: names tier 4 but escalationTiers is 3; raise escalationTiers or give the contact a tier from 1 to 3',
    ],
    [
      { escalationTiers: 1, escalationContacts: '1:alarm:lead@example.com,2:action:+61400111222' },
      'escalationContacts[1]: names tier 2 but escalationTiers is 1',
    ],
    [
      { escalationContacts: '2:alarm:lead@example.com,3:action:lead@example.com,2:action:Lead@Example.com' },
      'escalationContacts[2]: subscribes Lead@Example.com to tier 2 again (as escalationContacts[0] does); give an address one entry per tier, its levels joined by +',
    ],
    [
      { alertSms: '+61400111222', escalationContacts: '1:action:+61400111222' },
      'escalationContacts[0]: subscribes +61400111222 to tier 1, which alertSms already subscribes for every level; keep one of the two',
    ],
    [
      { alertEmails: 'site@example.com', escalationContacts: '1:action:site@example.com' },
      'escalationContacts[0]: subscribes site@example.com to tier 1, which alertEmails already subscribes for every level',
    ],
  ])('rejects %j', (context, expected) => {
    expect(problems(context).join('\n')).toContain(expected);
  });

  it('accepts the combinations those rules allow', () => {
    expect(() => load({ streamMode: 'provisioned', shardCount: 2 })).not.toThrow();
    expect(() => load({ streamRetentionHours: 168, maxRecordAgeSeconds: 604_800 })).not.toThrow();
    // The topic's retention bounds the record age with MSK; the Kinesis retention no longer does.
    expect(() => load({ stream: 'msk', streamRetentionHours: 24, mskRetentionHours: 168 })).not.toThrow();
    expect(() => load({ auroraEngineVersion: '16.3', auroraMinCapacity: 0 })).not.toThrow();
    expect(() =>
      load({ simulator: false, sourceBaseUrl: 'https://api.example.com', sourceApiKeySecretName: 'geotech/source-key' }),
    ).not.toThrow();
    expect(() => load({ env: 'aws-test', dashboardsDomainPrefix: 'geotech-test-login' })).not.toThrow();
    expect(() =>
      load({
        escalationTiers: 5,
        alertEmails: 'site@example.com',
        escalationContacts: '5:action:lead@example.com,4:action:lead@example.com,2:alarm+action:site@example.com',
      }),
    ).not.toThrow();
    expect(() =>
      load({ production: true, alertSms: '+61400111222', opsEmails: 'ops@example.com', openSearchProfile: 'production' }),
    ).not.toThrow();
    expect(() =>
      load({ openSearchProfile: 'production', openSearchInstanceCount: 6, openSearchMasterInstanceType: 'r7g.large.search' }),
    ).not.toThrow();
    expect(load({ dashboardsAllowedCidrs: '203.0.113.0/24, 2001:db8::/32' }).dashboardsAllowedCidrs).toEqual([
      '203.0.113.0/24',
      '2001:db8::/32',
    ]);
    expect(() => load({ region: 'ap-southeast-2' })).not.toThrow();
  });

  it('keeps readings in the stream for 7 days by default and gives up on a record a day before it leaves', () => {
    expect(load({})).toMatchObject({ streamRetentionHours: 168, maxRecordAgeSeconds: 6 * 86_400 });
  });
});

describe('at synth', () => {
  it('stops the app before building anything when the configuration is invalid', () => {
    expect(() => createPipelineApp({ context: { ...cdkJsonContext(), streamMode: 'fast' } })).toThrow(ConfigError);
  });

  it('prints the problems and exits with status 1 when run as the CDK app', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'geotech-cdk-config-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bin/app.ts')], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), retryAttempts: -1 }) },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Invalid deployment configuration (set keys in cdk.json "context" or with -c key=value):\n');
      expect(result.stderr).toContain('retryAttempts: must be a whole number from 0 to 10000 (got -1)');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
