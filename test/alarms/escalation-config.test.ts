import { describe, expect, it } from 'vitest';
import { readEscalationConfig } from '../../lambdas/alarms/escalation-config.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';

const TOPIC = (n: number) => `arn:aws:sns:ap-southeast-2:123456789012:geotech-dev-escalation-tier-${n}`;
const MINIMAL = {
  DB_CLUSTER_ARN: 'arn:aws:rds:ap-southeast-2:123456789012:cluster:geotech',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:geotech',
  ESCALATION_TOPIC_ARNS: [1, 2, 3].map(TOPIC).join(','),
  ACKNOWLEDGE_URL: 'https://abc123.execute-api.ap-southeast-2.amazonaws.com/',
};

function problemsOf(env: Record<string, string | undefined>): { key: string; message: string }[] {
  try {
    readEscalationConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('the escalation function’s environment', () => {
  it('fills in the documented defaults', () => {
    expect(readEscalationConfig(MINIMAL)).toEqual({
      clusterArn: MINIMAL.DB_CLUSTER_ARN,
      secretArn: MINIMAL.DB_SECRET_ARN,
      database: 'geotech',
      topicArns: [TOPIC(1), TOPIC(2), TOPIC(3)],
      policy: { tiers: 3, reminderIntervalMinutes: 30 },
      siteTimeZone: 'Australia/Melbourne',
      acknowledgeUrl: 'https://abc123.execute-api.ap-southeast-2.amazonaws.com',
    });
  });

  it('reads the tiers, reminders and zone, and allows topics beyond the tiers', () => {
    const config = readEscalationConfig({
      ...MINIMAL,
      ESCALATION_TIERS: '2',
      REMINDER_INTERVAL_MINUTES: '0',
      SITE_TIME_ZONE: 'Australia/Perth',
      ESCALATION_TOPIC_ARNS: ` ${TOPIC(1)} , ${TOPIC(2)},${TOPIC(3)}`,
    });
    expect(config).toMatchObject({
      policy: { tiers: 2, reminderIntervalMinutes: 0 },
      siteTimeZone: 'Australia/Perth',
      topicArns: [TOPIC(1), TOPIC(2), TOPIC(3)],
    });
  });

  it('names every bad variable and the value it had', () => {
    expect(
      problemsOf({
        ...MINIMAL,
        ESCALATION_TOPIC_ARNS: `${TOPIC(1)},alerts`,
        ESCALATION_TIERS: '6',
        REMINDER_INTERVAL_MINUTES: '1.5',
        SITE_TIME_ZONE: 'Melbourne',
        ACKNOWLEDGE_URL: 'ftp://example.com',
        DB_CLUSTER_ARN: '',
      }).map((p) => p.key),
    ).toEqual([
      'DB_CLUSTER_ARN',
      'ESCALATION_TOPIC_ARNS',
      'ESCALATION_TIERS',
      'REMINDER_INTERVAL_MINUTES',
      'SITE_TIME_ZONE',
      'ACKNOWLEDGE_URL',
    ]);
    expect(problemsOf({ ...MINIMAL, ESCALATION_TOPIC_ARNS: `${TOPIC(1)},alerts` })).toEqual([
      { key: 'ESCALATION_TOPIC_ARNS', message: expect.stringContaining('not one: "alerts"') },
    ]);
    expect(problemsOf({ ...MINIMAL, ACKNOWLEDGE_URL: undefined })).toEqual([{ key: 'ACKNOWLEDGE_URL', message: expect.any(String) }]);
  });

  it('refuses more tiers than topics', () => {
    expect(problemsOf({ ...MINIMAL, ESCALATION_TIERS: '4' })).toEqual([
      { key: 'ESCALATION_TIERS', message: 'is 4, but ESCALATION_TOPIC_ARNS names 3 topic(s): every tier needs a topic' },
    ]);
  });
});
