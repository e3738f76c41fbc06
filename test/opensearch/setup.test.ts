import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVED_OBJECTS_NDJSON } from '../../lambdas/opensearch/dashboards/saved-objects.generated.js';
import { renderSavedObjects } from '../../lambdas/opensearch/saved-objects.js';
import { applyOpenSearchSetup } from '../../lambdas/opensearch/setup.js';
import { physicalResourceId, setupOptionsFrom } from '../../lambdas/opensearch/setup-request.js';
import { createOpenSearchClient } from '../../lambdas/realtime/client.js';
import { readingsIndex, statusIndex, windowsIndex } from '../../lambdas/realtime/index-names.js';
import { STATUS_PROPERTIES, WINDOW_PROPERTIES } from '../../lambdas/realtime/index-templates.js';
import { deleteExpiredIndices, retentionPolicyId } from '../../lambdas/realtime/retention.js';
import { startFakeDomain, type FakeDomain } from './fake-domain-plugins.js';
import { describeWithOpenSearch, dropPrefix, openSearchUrl, testClient, uniquePrefix } from './support.js';

const DAY = 86_400_000;
const ADMIN = 'arn:aws:iam::123456789012:role/dashboards-admin';
const VIEWER = 'arn:aws:iam::123456789012:role/dashboards-viewer';
const WRITER = 'arn:aws:iam::123456789012:role/realtime-processor';

function customResourceEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:ap-southeast-2:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:ap-southeast-2:123456789012:stack/geotech/1',
    RequestId: 'request-1',
    LogicalResourceId: 'SetupResource',
    ResourceType: 'Custom::OpenSearchSetup',
    ResourceProperties: { ...properties, ServiceToken: 'arn:aws:lambda:ap-southeast-2:123456789012:function:provider' },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: 'geotech-opensearch-setup',
      OldResourceProperties: common.ResourceProperties,
    };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'geotech-opensearch-setup' };
}

describe('setup request', () => {
  it('takes prefix and retention from the resource properties first, then the environment', () => {
    const env = { OPENSEARCH_INDEX_PREFIX: 'envprefix', RETENTION_DAYS: '14' };
    expect(setupOptionsFrom(customResourceEvent('Create', {}), env)).toMatchObject({ indexPrefix: 'envprefix', retentionDays: 14 });
    expect(
      setupOptionsFrom(
        customResourceEvent('Update', { IndexPrefix: 'site7', RetentionDays: '90', AdminRoleArns: [ADMIN], WriterRoleArns: [WRITER] }),
        env,
      ),
    ).toEqual({
      indexPrefix: 'site7',
      retentionDays: 90,
      access: { adminRoleArns: [ADMIN], viewerRoleArns: [], writerRoleArns: [WRITER] },
    });
    expect(physicalResourceId('site7')).toBe('site7-opensearch-setup');
  });

  it('refuses properties that are not what the stack should send', () => {
    expect(() => setupOptionsFrom(customResourceEvent('Create', { WriterRoleArns: ['arn:aws:iam::123:user/bob'] }), {})).toThrow(
      /WriterRoleArns: holds "arn:aws:iam::123:user\/bob"/,
    );
    expect(() => setupOptionsFrom(customResourceEvent('Create', { ViewerRoleArns: VIEWER }), {})).toThrow(/ViewerRoleArns: must be a list/);
    expect(() => setupOptionsFrom(customResourceEvent('Create', { RetentionDays: '0' }), {})).toThrow(
      /RETENTION_DAYS: must be a whole number of days/,
    );
  });
});

describeWithOpenSearch('setup against OpenSearch', () => {
  let client: Client;
  const prefix = uniquePrefix('setup');

  beforeAll(() => {
    client = testClient();
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await client.close();
  });

  it('applies strict templates idempotently and adds new fields to indices created before', async () => {
    await client.indices.create({
      index: statusIndex(prefix),
      body: { mappings: { properties: { instrument_id: { type: 'keyword' } } } } as never,
    });
    const options = { indexPrefix: prefix, retentionDays: 30, replicas: 0, dashboards: false as const };
    const first = await applyOpenSearchSetup(client, options);
    const templatesAfterFirst = (await client.indices.getIndexTemplate({ name: `${prefix}-*` })).body;
    const second = await applyOpenSearchSetup(client, options);
    expect(second).toEqual(first);
    expect((await client.indices.getIndexTemplate({ name: `${prefix}-*` })).body).toEqual(templatesAfterFirst);
    expect(first.retention).toEqual({ unavailable: expect.stringMatching(/opensearch-index-management plugin is not installed/) });
    expect(first.access).toEqual({ skipped: 'no roles to map' });

    const existing = (await client.indices.getMapping({ index: statusIndex(prefix) })).body[statusIndex(prefix)]?.mappings.properties ?? {};
    expect(Object.keys(existing).sort()).toEqual(Object.keys(STATUS_PROPERTIES).sort());

    const day = Date.parse('2026-03-04T00:00:00Z');
    await client.index({
      index: windowsIndex(prefix, day),
      id: 'x',
      body: { instrument_id: 'x', window_start: day, position: { lat: -37.8, lon: 144.9 } },
    });
    const created = (await client.indices.getMapping({ index: windowsIndex(prefix, day) })).body[windowsIndex(prefix, day)]?.mappings;
    expect(created?.dynamic).toBe('strict');
    expect(created?.properties?.position).toEqual({ type: 'geo_point' });
    expect(Object.keys(created?.properties ?? {}).sort()).toEqual(Object.keys(WINDOW_PROPERTIES).sort());
    await expect(client.index({ index: windowsIndex(prefix, day), body: { instrument_id: 'y', colour: 'red' } })).rejects.toThrow(
      /strict_dynamic_mapping_exception/,
    );
  });

  it('deletes the daily indices older than the retention where ISM is not installed', async () => {
    const prefix = uniquePrefix('retention');
    const now = Date.parse('2026-04-10T15:00:00Z');
    const names = [40, 31, 30, 1].flatMap((days) => [readingsIndex(prefix, now - days * DAY), windowsIndex(prefix, now - days * DAY)]);
    for (const index of names) await client.indices.create({ index, body: { settings: { number_of_replicas: 0 } } as never });
    const deleted = await deleteExpiredIndices(client, prefix, 30, now);
    expect(deleted.sort()).toEqual(names.slice(0, 4).sort());
    const left = (await client.cat.indices({ index: [`${prefix}-readings-*`, `${prefix}-windows-*`], format: 'json', h: ['index'] })).body
      .map((row) => row.index)
      .sort();
    expect(left).toEqual(names.slice(4).sort());
    await dropPrefix(client, prefix);
  });
});

describeWithOpenSearch('setup with ISM, security and Dashboards faked (not in the integration-test distribution)', () => {
  let fake: FakeDomain;
  let client: Client;
  const prefix = uniquePrefix('domain');
  const access = { adminRoleArns: [ADMIN], viewerRoleArns: [VIEWER], writerRoleArns: [WRITER] };

  beforeAll(async () => {
    fake = await startFakeDomain(openSearchUrl());
    fake.roleMappings.set('all_access', {
      users: ['master'],
      backend_roles: ['arn:aws:iam::123456789012:role/setup'],
      reserved: false,
      hidden: false,
    });
    client = createOpenSearchClient({ endpoint: fake.url, auth: 'none', region: undefined });
  });
  afterAll(async () => {
    await dropPrefix(testClient(), prefix);
    await client.close();
    await fake.close();
  });

  it('creates the retention policy, maps the roles and imports the saved objects; a second run changes nothing', async () => {
    const report = await applyOpenSearchSetup(client, { indexPrefix: prefix, retentionDays: 30, replicas: 0, access });
    expect(report.retention).toEqual({ policyId: retentionPolicyId(prefix), action: 'created' });
    expect(report.dashboards).toEqual({ imported: SAVED_OBJECTS_NDJSON.trim().split('\n').length });
    const policy = fake.policies.get(retentionPolicyId(prefix))?.policy as {
      states: Array<{ transitions: Array<{ conditions: { min_index_age: string } }> }>;
      ism_template: Array<{ index_patterns: string[] }>;
    };
    expect(policy.states[0]?.transitions[0]?.conditions.min_index_age).toBe('30d');
    expect(policy.ism_template[0]?.index_patterns).toEqual([`${prefix}-readings-*`, `${prefix}-windows-*`]);
    expect(fake.calls.map(decodeURIComponent)).toContain(`POST /_plugins/_ism/add/${prefix}-readings-*,${prefix}-windows-*`);

    expect(fake.roleMappings.get('all_access')).toMatchObject({
      users: ['master'],
      backend_roles: ['arn:aws:iam::123456789012:role/setup', ADMIN],
    });
    expect(fake.roleMappings.get(`${prefix}_writer`)?.backend_roles).toEqual([WRITER]);
    expect(fake.roleMappings.get(`${prefix}_reader`)?.backend_roles).toEqual([VIEWER]);
    expect(fake.roleMappings.get('opensearch_dashboards_user')?.backend_roles).toEqual([VIEWER]);
    expect(fake.roles.get(`${prefix}_writer`)).toMatchObject({ index_permissions: [{ index_patterns: [`${prefix}-*`] }] });

    const [imported] = fake.imports;
    expect(imported?.query).toBe('?overwrite=true');
    expect(imported?.headers.securitytenant).toBe('global');
    expect(imported?.ndjson).toBe(renderSavedObjects(SAVED_OBJECTS_NDJSON, prefix));
    expect(imported?.ndjson).toContain(`"title":"${prefix}-windows-*"`);

    const writesBefore = fake.calls.filter(
      (call) => call.startsWith('PUT /_plugins/_ism') || call.includes('rolesmapping/all_access'),
    ).length;
    const again = await applyOpenSearchSetup(client, { indexPrefix: prefix, retentionDays: 30, replicas: 0, access });
    expect(again.retention).toEqual({ policyId: retentionPolicyId(prefix), action: 'unchanged' });
    expect(fake.calls.filter((call) => call.startsWith('PUT /_plugins/_ism') || call.includes('rolesmapping/all_access')).length).toBe(
      writesBefore,
    );
    expect(fake.roleMappings.get('all_access')?.backend_roles).toEqual(['arn:aws:iam::123456789012:role/setup', ADMIN]);
  });

  it('updates the policy when the retention changes and moves managed indices to it', async () => {
    const report = await applyOpenSearchSetup(client, { indexPrefix: prefix, retentionDays: 45, replicas: 0, access, dashboards: false });
    expect(report.retention).toEqual({ policyId: retentionPolicyId(prefix), action: 'updated' });
    const policy = fake.policies.get(retentionPolicyId(prefix))?.policy as {
      states: Array<{ transitions: Array<{ conditions: { min_index_age: string } }> }>;
    };
    expect(policy.states[0]?.transitions[0]?.conditions.min_index_age).toBe('45d');
    expect(fake.calls.some((call) => call.startsWith('POST /_plugins/_ism/change_policy/'))).toBe(true);
  });

  it('runs as the custom-resource handler: Create applies the setup, Delete leaves the domain alone', async () => {
    const env = { ...process.env };
    Object.assign(process.env, {
      OPENSEARCH_ENDPOINT: fake.url,
      OPENSEARCH_AUTH: 'none',
      RETENTION_DAYS: '30',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    try {
      const { handler } = await import('../../lambdas/opensearch/setup-handler.js');
      const created = await handler(
        customResourceEvent('Create', {
          IndexPrefix: prefix,
          RetentionDays: '30',
          ...Object.fromEntries(Object.entries(access).map(([k, v]) => [k[0]?.toUpperCase() + k.slice(1), v])),
        }),
      );
      expect(created).toEqual({
        PhysicalResourceId: physicalResourceId(prefix),
        Data: {
          Templates: `${prefix}-readings,${prefix}-windows,${prefix}-status,${prefix}-status-checkpoints,${prefix}-stream-progress`,
          Retention: 'updated',
          DashboardsObjects: String(SAVED_OBJECTS_NDJSON.trim().split('\n').length),
        },
      });
      const callsBefore = fake.calls.length;
      expect(await handler(customResourceEvent('Delete', { IndexPrefix: prefix }))).toEqual({
        PhysicalResourceId: 'geotech-opensearch-setup',
      });
      expect(fake.calls.length).toBe(callsBefore);
    } finally {
      process.env = env;
    }
  });
});
