import { describe, expect, it } from 'vitest';
import { initialLookbackMs, parsePollerConfig } from '../../lambdas/poller/config.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';
import { DEFAULT_SOURCE_PATHS } from '../../lambdas/domain/source-api.js';

const MINIMAL = { STREAM_NAME: 'readings', SOURCE_BASE_URL: 'https://abc.lambda-url.ap-southeast-2.on.aws/' };

function problemsOf(env: Record<string, string | undefined>): { key: string; message: string }[] {
  try {
    parsePollerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parsePollerConfig', () => {
  it('fills in the documented defaults', () => {
    expect(parsePollerConfig(MINIMAL)).toEqual({
      streamName: 'readings',
      stream: { kind: 'kinesis' },
      sourceBaseUrl: MINIMAL.SOURCE_BASE_URL,
      sourcePaths: [...DEFAULT_SOURCE_PATHS],
      sourceAuth: { mode: 'none' },
      pollIntervalMs: 10_000,
      requestTimeoutMs: 5_000,
      requestMaxAttempts: 3,
      maxFutureSkewMs: 60_000,
      quarantineQueueUrl: undefined,
      historyMode: 'auto',
      initialLookback: {
        byPath: {
          'params/water_standpipe': 1_200,
          'params/pore_pressure': 600,
          'params/settlement/x': 43_800,
          'params/settlement/y': 180,
          'params/settlement/z': 120,
        },
        otherSeconds: 3_600,
      },
      historyPageLimit: 2_000,
      cursorTableName: undefined,
    });
  });

  it('reads the history settings: mode, one lookback for every path or per path, page size, cursor table', () => {
    const config = parsePollerConfig({
      ...MINIMAL,
      SOURCE_HISTORY_MODE: 'on',
      INITIAL_LOOKBACK_SECONDS: 'params/settlement/x=86400, *=120',
      HISTORY_PAGE_LIMIT: '500',
      CURSOR_TABLE_NAME: 'cursors',
    });
    expect(config.historyMode).toBe('on');
    expect(initialLookbackMs(config.initialLookback, 'params/settlement/x')).toBe(86_400_000);
    expect(initialLookbackMs(config.initialLookback, '/params/pore_pressure/')).toBe(600_000);
    expect(initialLookbackMs(config.initialLookback, 'api/other')).toBe(120_000);
    expect(config.historyPageLimit).toBe(500);
    expect(config.cursorTableName).toBe('cursors');
    const flat = parsePollerConfig({ ...MINIMAL, INITIAL_LOOKBACK_SECONDS: '900' });
    expect(initialLookbackMs(flat.initialLookback, 'params/settlement/x')).toBe(900_000);
  });

  it('names every bad history setting', () => {
    expect(() =>
      parsePollerConfig({
        ...MINIMAL,
        SOURCE_HISTORY_MODE: 'sometimes',
        INITIAL_LOOKBACK_SECONDS: 'params/x=-5,oops',
        HISTORY_PAGE_LIMIT: '0',
      }),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/SOURCE_HISTORY_MODE: must be one of auto, on, off[\s\S]*HISTORY_PAGE_LIMIT/),
      }),
    );
    expect(() => parsePollerConfig({ ...MINIMAL, INITIAL_LOOKBACK_SECONDS: 'params/x=-5,oops' })).toThrow(
      /INITIAL_LOOKBACK_SECONDS: has "-5" where a whole number of seconds[\s\S]*INITIAL_LOOKBACK_SECONDS: has the entry "oops"/,
    );
  });

  it('reads every variable', () => {
    const config = parsePollerConfig({
      ...MINIMAL,
      SOURCE_PATHS: ' params/all/ , params/pore_pressure',
      SOURCE_AUTH: 'api-key',
      SOURCE_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:key',
      POLL_INTERVAL_SECONDS: '2.5',
      REQUEST_TIMEOUT_MS: '800',
      MAX_FUTURE_SKEW_SECONDS: '0',
      QUARANTINE_QUEUE_URL: 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/quarantine',
    });
    expect(config).toMatchObject({
      sourcePaths: ['params/all/', 'params/pore_pressure'],
      sourceAuth: { mode: 'api-key', secretArn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:key' },
      pollIntervalMs: 2_500,
      requestTimeoutMs: 800,
      maxFutureSkewMs: 0,
      quarantineQueueUrl: 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/quarantine',
    });
  });

  it('treats blank variables as unset', () => {
    expect(parsePollerConfig({ ...MINIMAL, POLL_INTERVAL_SECONDS: ' ', SOURCE_PATHS: '', SOURCE_AUTH: '' })).toMatchObject({
      pollIntervalMs: 10_000,
      sourcePaths: [...DEFAULT_SOURCE_PATHS],
      sourceAuth: { mode: 'none' },
    });
  });

  it('names every missing required variable at once', () => {
    expect(
      problemsOf({})
        .map((p) => p.key)
        .sort(),
    ).toEqual(['SOURCE_BASE_URL', 'STREAM_NAME']);
    expect(() => parsePollerConfig({})).toThrow(/STREAM_NAME: is required/);
  });

  it('writes to a Kafka topic with STREAM_KIND=kafka, naming the topic as the stream, and then needs no STREAM_NAME', () => {
    const config = parsePollerConfig({
      SOURCE_BASE_URL: MINIMAL.SOURCE_BASE_URL,
      STREAM_KIND: 'kafka',
      KAFKA_BOOTSTRAP_SERVERS: 'b-1.site.kafka.ap-southeast-2.amazonaws.com:9098',
      KAFKA_TOPIC: 'geotech-dev-readings',
      AWS_REGION: 'ap-southeast-2',
    });
    expect(config.streamName).toBe('geotech-dev-readings');
    expect(config.stream).toEqual({
      kind: 'kafka',
      connection: {
        bootstrapServers: ['b-1.site.kafka.ap-southeast-2.amazonaws.com:9098'],
        topic: 'geotech-dev-readings',
        auth: 'msk-iam',
        region: 'ap-southeast-2',
      },
    });
  });

  it('names the Kafka variables missing with STREAM_KIND=kafka together with the others, and refuses an unknown kind', () => {
    expect(
      problemsOf({ STREAM_KIND: 'kafka' })
        .map((p) => p.key)
        .sort(),
    ).toEqual(['KAFKA_BOOTSTRAP_SERVERS', 'KAFKA_TOPIC', 'SOURCE_BASE_URL']);
    expect(problemsOf({ ...MINIMAL, STREAM_KIND: 'pulsar' })).toEqual([
      { key: 'STREAM_KIND', message: expect.stringMatching(/must be one of kinesis, kafka/) },
    ]);
  });

  it('names the variable and the bad value', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ POLL_INTERVAL_SECONDS: 'ten' }, 'POLL_INTERVAL_SECONDS', /must be a number of seconds \(got "ten"\)/],
      [{ POLL_INTERVAL_SECONDS: '0' }, 'POLL_INTERVAL_SECONDS', /must be a positive number of seconds/],
      [{ REQUEST_TIMEOUT_MS: '1.5' }, 'REQUEST_TIMEOUT_MS', /whole number of milliseconds from 1 to 900000 \(got "1.5"\)/],
      [{ MAX_FUTURE_SKEW_SECONDS: '-1' }, 'MAX_FUTURE_SKEW_SECONDS', /must not be negative/],
      [{ SOURCE_AUTH: 'basic' }, 'SOURCE_AUTH', /must be one of none, iam, api-key \(got "basic"\)/],
      [{ SOURCE_BASE_URL: 'ftp://source' }, 'SOURCE_BASE_URL', /must be an http or https URL/],
      [{ STREAM_NAME: 'has spaces' }, 'STREAM_NAME', /Kinesis stream name/],
      [{ QUARANTINE_QUEUE_URL: 'queue' }, 'QUARANTINE_QUEUE_URL', /http or https URL/],
      [{ SOURCE_PATHS: 'params/a,,params/b' }, 'SOURCE_PATHS', /empty entry/],
      [{ SOURCE_PATHS: 'params/a,params/a' }, 'SOURCE_PATHS', /params\/a more than once/],
      [{ SOURCE_AUTH: 'api-key' }, 'SOURCE_API_KEY_SECRET_ARN', /required when SOURCE_AUTH is api-key/],
      [{ SOURCE_AUTH: 'iam' }, 'AWS_REGION', /required when SOURCE_AUTH is iam/],
    ];
    for (const [overrides, variable, message] of cases) {
      const problems = problemsOf({ ...MINIMAL, ...overrides });
      expect(problems, JSON.stringify(overrides)).toHaveLength(1);
      expect(problems[0]?.key).toBe(variable);
      expect(problems[0]?.message).toMatch(message);
    }
  });

  it('signs for the function region when SOURCE_AUTH is iam', () => {
    expect(parsePollerConfig({ ...MINIMAL, SOURCE_AUTH: 'iam', AWS_REGION: 'ap-southeast-2' }).sourceAuth).toEqual({
      mode: 'iam',
      region: 'ap-southeast-2',
    });
  });
});
