import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { createTopicResourceHandler, readTopicProperties } from '../../lambdas/kafka/topic-resource.js';
import { describeTopic, PartitionDecreaseError, withAdmin } from '../../lambdas/kafka/topics.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';

const bootstrap = (): string => inject('kafkaBootstrap');
const connect = (servers: string[]) => ({ bootstrapBrokers: servers });
const handler = createTopicResourceHandler({ connect });

let serial = 0;
function properties(overrides: Record<string, string> = {}) {
  return { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider', BootstrapServers: bootstrap(), ...overrides };
}

function event(
  type: 'Create' | 'Update' | 'Delete',
  props: Record<string, string>,
  extra: { physicalId?: string; old?: Record<string, string> } = {},
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: props.ServiceToken!,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/geotech-dev/1',
    RequestId: `request-${++serial}`,
    LogicalResourceId: 'ReadingsTopic',
    ResourceType: 'Custom::ReadingsTopic',
    ResourceProperties: props as never,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Update')
    return { ...common, RequestType: 'Update', PhysicalResourceId: extra.physicalId!, OldResourceProperties: (extra.old ?? {}) as never };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: extra.physicalId! };
}

const described = (topic: string) => withAdmin({ bootstrapBrokers: [bootstrap()] }, (admin) => describeTopic(admin, topic));
const exists = (topic: string) =>
  withAdmin({ bootstrapBrokers: [bootstrap()] }, async (admin) => (await admin.listTopics()).includes(topic));

describe('the readings topic custom resource, against a real broker (CloudFormation itself is the fake: events built here)', () => {
  it('creates the topic with its partitions and retention, and a repeated Create changes nothing', async () => {
    const props = properties({ Topic: 'site-a-readings', Partitions: '3', RetentionMs: '604800000' });
    const created = await handler(event('Create', props));
    expect(created).toEqual({
      PhysicalResourceId: 'site-a-readings',
      Data: { Topic: 'site-a-readings', Partitions: '3', Change: 'created' },
    });
    expect(await described('site-a-readings')).toEqual({ partitions: 3, retentionMs: 604_800_000 });
    const again = await handler(event('Create', props));
    expect(again.Data?.Change).toBe('unchanged');
    expect(await described('site-a-readings')).toEqual({ partitions: 3, retentionMs: 604_800_000 });
  });

  it('raises partitions and changes retention on Update, and refuses fewer partitions leaving the topic as it was', async () => {
    const old = properties({ Topic: 'site-b-readings', Partitions: '2', RetentionMs: '86400000' });
    await handler(event('Create', old));
    const raised = properties({ Topic: 'site-b-readings', Partitions: '5', RetentionMs: '172800000' });
    const updated = await handler(event('Update', raised, { physicalId: 'site-b-readings', old }));
    expect(updated.Data?.Change).toBe('updated');
    expect(await described('site-b-readings')).toEqual({ partitions: 5, retentionMs: 172_800_000 });

    const fewer = properties({ Topic: 'site-b-readings', Partitions: '4', RetentionMs: '1000' });
    await expect(handler(event('Update', fewer, { physicalId: 'site-b-readings', old: raised }))).rejects.toBeInstanceOf(
      PartitionDecreaseError,
    );
    expect(await described('site-b-readings')).toEqual({ partitions: 5, retentionMs: 172_800_000 });
  });

  it('a new topic name is a replacement: the new topic is made, and the Delete CloudFormation then sends removes the old one', async () => {
    const old = properties({ Topic: 'site-c-readings', Partitions: '1', RetentionMs: '3600000' });
    await handler(event('Create', old));
    const renamed = properties({ Topic: 'site-c2-readings', Partitions: '1', RetentionMs: '3600000' });
    const replaced = await handler(event('Update', renamed, { physicalId: 'site-c-readings', old }));
    expect(replaced.PhysicalResourceId).toBe('site-c2-readings');
    expect(await exists('site-c2-readings')).toBe(true);
    await handler(event('Delete', old, { physicalId: 'site-c-readings' }));
    expect(await exists('site-c-readings')).toBe(false);
    expect(await exists('site-c2-readings')).toBe(true);
  });

  it('Delete of a topic already gone succeeds, and RetainOnDelete keeps the topic', async () => {
    const gone = properties({ Topic: 'never-made', Partitions: '1', RetentionMs: '3600000' });
    await expect(handler(event('Delete', gone, { physicalId: 'never-made' }))).resolves.toEqual({ PhysicalResourceId: 'never-made' });
    const kept = properties({ Topic: 'site-d-readings', Partitions: '1', RetentionMs: '3600000', RetainOnDelete: 'true' });
    await handler(event('Create', kept));
    await handler(event('Delete', kept, { physicalId: 'site-d-readings' }));
    expect(await exists('site-d-readings')).toBe(true);
  });

  it('names every property at fault', () => {
    let error: unknown;
    try {
      readTopicProperties({ BootstrapServers: '', Topic: 'bad topic', Partitions: '0', RetentionMs: '-5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.key).sort();
    expect(keys).toEqual(['BootstrapServers', 'Partitions', 'RetentionMs', 'Topic']);
  });
});
