import { describe, expect, it } from 'vitest';
import { readApiConfig } from '../../lambdas/api/api-config.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';

const TARGET = {
  DB_CLUSTER_ARN: 'arn:aws:rds:ap-southeast-2:111122223333:cluster:geotech',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:geotech',
  STREAM_NAME: 'geotech-dev-readings',
};

describe('alarm API function environment', () => {
  it('takes the Data API target and defaults the policy, the database and the site time zone', () => {
    expect(readApiConfig(TARGET)).toEqual({
      clusterArn: TARGET.DB_CLUSTER_ARN,
      secretArn: TARGET.DB_SECRET_ARN,
      database: 'geotech',
      policy: { tiers: 3, reminderIntervalMinutes: 30 },
      siteTimeZone: 'Australia/Melbourne',
      readings: { streamName: 'geotech-dev-readings', stream: { kind: 'kinesis' }, windowSeconds: 10, maxFutureSkewMs: 60_000 },
    });
    expect(readApiConfig({ ...TARGET, WINDOW_SECONDS: '30', MAX_FUTURE_SKEW_SECONDS: '120' }).readings).toEqual({
      streamName: 'geotech-dev-readings',
      stream: { kind: 'kinesis' },
      windowSeconds: 30,
      maxFutureSkewMs: 120_000,
    });
    expect(
      readApiConfig({ ...TARGET, ESCALATION_TIERS: '5', REMINDER_INTERVAL_MINUTES: '0', SITE_TIME_ZONE: 'UTC', DB_NAME: 'site' }),
    ).toMatchObject({
      database: 'site',
      policy: { tiers: 5, reminderIntervalMinutes: 0 },
      siteTimeZone: 'UTC',
    });
  });

  it('puts manual readings on the MSK topic with STREAM_KIND=kafka, needing the Kafka variables instead of STREAM_NAME', () => {
    const { STREAM_NAME: _unused, ...target } = TARGET;
    const kafka = {
      ...target,
      STREAM_KIND: 'kafka',
      KAFKA_BOOTSTRAP_SERVERS: 'b-1.site.kafka.ap-southeast-2.amazonaws.com:9098',
      KAFKA_TOPIC: 'geotech-dev-readings',
      AWS_REGION: 'ap-southeast-2',
    };
    expect(readApiConfig(kafka).readings).toMatchObject({
      streamName: 'geotech-dev-readings',
      stream: { kind: 'kafka', connection: { auth: 'msk-iam', topic: 'geotech-dev-readings' } },
    });
    expect(() => readApiConfig({ ...target, STREAM_KIND: 'kafka' })).toThrow(
      /KAFKA_BOOTSTRAP_SERVERS: is required[\s\S]*KAFKA_TOPIC: is required/,
    );
  });

  it('names every variable at fault and the value it had', () => {
    let error: unknown;
    try {
      readApiConfig({
        DB_SECRET_ARN: TARGET.DB_SECRET_ARN,
        ESCALATION_TIERS: '6',
        REMINDER_INTERVAL_MINUTES: 'half an hour',
        SITE_TIME_ZONE: 'Melbourne',
        WINDOW_SECONDS: '7',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.key)).toEqual([
      'DB_CLUSTER_ARN',
      'ESCALATION_TIERS',
      'REMINDER_INTERVAL_MINUTES',
      'SITE_TIME_ZONE',
      'STREAM_NAME',
      'WINDOW_SECONDS',
    ]);
    expect((error as ConfigError).message).toMatch(/^Invalid alarm API function environment:\n/);
    expect((error as ConfigError).message).toContain('ESCALATION_TIERS: must be a whole number of tiers from 1 to 5 (got "6")');
  });
});
