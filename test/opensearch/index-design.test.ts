import { describe, expect, it } from 'vitest';
import { signsRequests } from '../../lambdas/realtime/client.js';
import { realtimeConfigFrom, retentionDaysFrom } from '../../lambdas/realtime/config.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';
import {
  checkpointsIndex,
  dayOfDailyIndex,
  readingsIndex,
  statusIndex,
  streamProgressIndex,
  windowsIndex,
} from '../../lambdas/realtime/index-names.js';
import {
  CHECKPOINT_PROPERTIES,
  fieldMapping,
  indexTemplates,
  READING_PROPERTIES,
  STATUS_PROPERTIES,
  WINDOW_PROPERTIES,
} from '../../lambdas/realtime/index-templates.js';
import { expiredIndices, retentionPolicy } from '../../lambdas/realtime/retention.js';

const DAY = 86_400_000;
const T = Date.parse('2026-03-01T23:59:59.999Z');

/** Whether an index name matches an index pattern with `*` wildcards. */
function matches(pattern: string, name: string): boolean {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name);
}

describe('index names', () => {
  it('puts a document in the daily index of its event time (UTC), whatever the arrival time', () => {
    expect(readingsIndex('geotech', T)).toBe('geotech-readings-2026.03.01');
    expect(readingsIndex('geotech', T + 1)).toBe('geotech-readings-2026.03.02');
    expect(windowsIndex('geotech', Date.parse('2026-12-31T23:59:50Z'))).toBe('geotech-windows-2026.12.31');
  });

  it('reads the day back from a daily index name and nothing else', () => {
    expect(dayOfDailyIndex('geotech', readingsIndex('geotech', T))).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(dayOfDailyIndex('geotech', windowsIndex('geotech', T))).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(dayOfDailyIndex('geotech', statusIndex('geotech'))).toBeNull();
    expect(dayOfDailyIndex('geotech', 'other-readings-2026.03.01')).toBeNull();
    expect(dayOfDailyIndex('geotech', 'geotech-readings-2026.02.30')).toBeNull();
  });
});

describe('index templates', () => {
  const templates = indexTemplates('geotech');

  it('cover the readings, windows, status, checkpoint and stream progress indices and nothing else', () => {
    const names = [
      readingsIndex('geotech', T),
      windowsIndex('geotech', T),
      statusIndex('geotech'),
      checkpointsIndex('geotech'),
      streamProgressIndex('geotech'),
    ];
    expect(checkpointsIndex('geotech')).toBe('geotech-status-checkpoints');
    for (const name of names) expect(templates.filter((t) => t.body.index_patterns.some((p) => matches(p, name)))).toHaveLength(1);
    expect(templates.some((t) => t.body.index_patterns.some((p) => matches(p, 'geotech-other')))).toBe(false);
  });

  it('map every field explicitly and refuse unknown ones', () => {
    for (const template of templates) expect(template.body.template.mappings.dynamic).toBe('strict');
    expect(fieldMapping(READING_PROPERTIES, 'value_micro')).toEqual({ type: 'long' });
    expect(fieldMapping(READING_PROPERTIES, 'instrument_id')).toEqual({ type: 'keyword' });
    // Where a reading came from: polled, or entered by hand, by whom, with what note.
    for (const field of ['source', 'author', 'note']) expect(fieldMapping(READING_PROPERTIES, field), field).toEqual({ type: 'keyword' });
    expect(fieldMapping(WINDOW_PROPERTIES, 'position')).toEqual({ type: 'geo_point' });
    expect(fieldMapping(WINDOW_PROPERTIES, 'window_start')?.type).toBe('date');
    expect(fieldMapping(WINDOW_PROPERTIES, 'sum_micro')).toEqual({ type: 'long' });
    expect(fieldMapping(STATUS_PROPERTIES, 'basis.status')).toEqual({ type: 'keyword' });
    expect(fieldMapping(STATUS_PROPERTIES, 'basis.nothing')).toBeUndefined();
    // The judgement of a window, and the levels drawn in absolute terms both ways.
    for (const field of ['status', 'raw_status', 'baseline_id', 'cause'])
      expect(fieldMapping(WINDOW_PROPERTIES, field), field).toEqual({ type: 'keyword' });
    for (const field of ['change', 'rate', 'baseline', 'trigger_alert', 'trigger_action', 'lower_alert', 'lower_action'])
      expect(fieldMapping(WINDOW_PROPERTIES, field), field).toEqual({ type: 'double' });
    // The machine state is kept whole in the source, not indexed, in the status document (after and before the
    // latest window) and in each checkpoint.
    for (const [properties, path] of [
      [STATUS_PROPERTIES, 'machine_state'],
      [STATUS_PROPERTIES, 'basis.machine_state'],
      [CHECKPOINT_PROPERTIES, 'machine_state'],
    ] as const)
      expect(fieldMapping(properties, path), path).toEqual({ type: 'object', enabled: false });
    expect(fieldMapping(STATUS_PROPERTIES, 'machine_state.status')).toBeUndefined();
  });

  it('take the replica count as an option (1 by default, for a multi-AZ domain)', () => {
    expect(templates[0]?.body.template.settings.number_of_replicas).toBe(1);
    expect(indexTemplates('geotech', { replicas: 0 })[0]?.body.template.settings.number_of_replicas).toBe(0);
  });
});

describe('retention', () => {
  it('deletes readings and windows indices after the configured age, never the status index', () => {
    const { policy } = retentionPolicy('geotech', 45);
    expect(policy.states.find((s) => s.name === 'hot')?.transitions).toEqual([
      { state_name: 'delete', conditions: { min_index_age: '45d' } },
    ]);
    expect(policy.states.find((s) => s.name === 'delete')?.actions).toEqual([{ delete: {} }]);
    const patterns = policy.ism_template.flatMap((t) => t.index_patterns);
    expect(patterns.some((p) => matches(p, readingsIndex('geotech', T)))).toBe(true);
    expect(patterns.some((p) => matches(p, windowsIndex('geotech', T)))).toBe(true);
    expect(patterns.some((p) => matches(p, statusIndex('geotech')))).toBe(false);
    expect(patterns.some((p) => matches(p, checkpointsIndex('geotech')))).toBe(false);
  });

  it('refuses a retention that is not a positive whole number of days', () => {
    expect(() => retentionPolicy('geotech', 0)).toThrow(RangeError);
    expect(() => retentionPolicy('geotech', 1.5)).toThrow(RangeError);
    expect(() => retentionDaysFrom({ RETENTION_DAYS: '-3' })).toThrow(
      /RETENTION_DAYS: must be a whole number of days from 1 to 36500 \(got "-3"\)/,
    );
    expect(retentionDaysFrom({})).toBe(30);
  });

  it('finds the daily indices whose day lies wholly before the retention', () => {
    const now = Date.parse('2026-03-31T12:00:00Z');
    const names = [0, 29, 30, 31, 40].map((days) => readingsIndex('geotech', now - days * DAY));
    expect(expiredIndices([...names, statusIndex('geotech'), 'other-readings-2020.01.01'], 'geotech', 30, now)).toEqual([
      names[3],
      names[4],
    ]);
  });
});

describe('configuration', () => {
  const base = { OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9200' };

  it('has the documented defaults', () => {
    expect(realtimeConfigFrom(base)).toEqual({
      endpoint: 'http://127.0.0.1:9200',
      auth: 'none',
      region: undefined,
      indexPrefix: 'geotech',
      windowMs: 10_000,
      allowedLatenessMs: 30_000,
      quarantineQueueUrl: undefined,
    });
  });

  it('signs with SigV4 by default inside Lambda, only over https', () => {
    const lambda = {
      OPENSEARCH_ENDPOINT: 'https://search-x.ap-southeast-2.es.amazonaws.com/',
      AWS_LAMBDA_FUNCTION_NAME: 'f',
      AWS_REGION: 'ap-southeast-2',
    };
    const config = realtimeConfigFrom(lambda);
    expect(config).toMatchObject({ auth: 'iam', region: 'ap-southeast-2', endpoint: 'https://search-x.ap-southeast-2.es.amazonaws.com' });
    expect(signsRequests(config)).toBe(true);
    expect(signsRequests({ ...config, auth: 'none' })).toBe(false);
    expect(() => realtimeConfigFrom({ ...base, OPENSEARCH_AUTH: 'iam', AWS_REGION: 'x' })).toThrow(/needs an https endpoint/);
  });

  it('refuses bad values with the variable named', () => {
    expect(() => realtimeConfigFrom({})).toThrow(/OPENSEARCH_ENDPOINT: must be an http or https URL/);
    expect(() => realtimeConfigFrom({ ...base, OPENSEARCH_AUTH: 'basic' })).toThrow(/OPENSEARCH_AUTH: must be iam or none/);
    expect(() => realtimeConfigFrom({ ...base, OPENSEARCH_INDEX_PREFIX: 'Geo Tech' })).toThrow(/OPENSEARCH_INDEX_PREFIX/);
    expect(() => realtimeConfigFrom({ ...base, WINDOW_SECONDS: '7' })).toThrow(/WINDOW_SECONDS: must divide a day/);
    expect(() => realtimeConfigFrom({ ...base, WINDOW_SECONDS: 'ten' })).toThrow(ConfigError);
    expect(realtimeConfigFrom({ ...base, WINDOW_SECONDS: '60' }).windowMs).toBe(60_000);
  });
});
