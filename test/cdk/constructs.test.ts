import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../lib/constructs/content-hash.js';
import { BatchStore } from '../../lib/batch-store/batch-store.js';
import { EncryptedQueue } from '../../lib/constructs/encrypted-queue.js';
import { QuarantineRecorder } from '../../lib/processing/quarantine-recorder.js';
import { EncryptedTopic } from '../../lib/constructs/encrypted-topic.js';
import { EscalationNotifier, type EscalationNotifierProps } from '../../lib/alarms/escalation-notifier.js';
import { PollSource } from '../../lib/ingestion/poll-source.js';
import { wildcardResource } from '../../lib/nag.js';
import { cdkJsonContext } from './synth.js';

/** Small stacks with no functions, so nothing is bundled; the feature flags are cdk.json's. */
function stackWithRole(): { stack: Stack; role: iam.Role } {
  const stack = new Stack(new App({ context: cdkJsonContext() }), 'Test', { env: { account: '123456789012', region: 'ap-southeast-2' } });
  return { stack, role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) };
}

function statementsOf(stack: Stack): Record<string, unknown>[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
  );
}

describe('PollSource', () => {
  it('reaches an API without a key with SOURCE_AUTH=none and grants nothing', () => {
    const { stack, role } = stackWithRole();
    const config = PollSource.api('https://api.example.com/').bind(role);
    expect(config.environment).toEqual({ SOURCE_BASE_URL: 'https://api.example.com/', SOURCE_AUTH: 'none' });
    expect(statementsOf(stack)).toEqual([]);
  });

  it('reads a key referenced by name from any version of that secret only, never from the environment', () => {
    const { stack, role } = stackWithRole();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'site/api-key');
    const config = PollSource.api('https://api.example.com/', { apiKeySecret: secret }).bind(role);
    expect(config.environment).toEqual({
      SOURCE_BASE_URL: 'https://api.example.com/',
      SOURCE_AUTH: 'api-key',
      SOURCE_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:site/api-key',
    });
    expect(statementsOf(stack)).toEqual([
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:site/api-key-??????',
      },
    ]);
  });

  it('uses the full ARN of a secret whose ARN is known', () => {
    const { stack, role } = stackWithRole();
    const arn = 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:site/api-key-AbCdEf';
    PollSource.api('https://api.example.com/', { apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', arn) }).bind(role);
    expect(statementsOf(stack)).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn }]);
  });
});

describe('EncryptedQueue', () => {
  it('lets a producer send and use the data key, and nothing else', () => {
    const { stack, role } = stackWithRole();
    const queue = new EncryptedQueue(stack, 'Queue', {
      queueName: 'q',
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    });
    queue.grantSend(role);
    const actions = statementsOf(stack)
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    expect(actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage']);
  });

  it('lets a consumer do what a Lambda event source mapping does, and nothing else', () => {
    const { stack, role } = stackWithRole();
    const queue = new EncryptedQueue(stack, 'Queue', {
      queueName: 'q',
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    });
    queue.grantConsume(role);
    const actions = statementsOf(stack)
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    expect(actions).toEqual(['kms:Decrypt', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
  });
});

describe('QuarantineRecorder', () => {
  it('refuses a queue whose visibility timeout is shorter than the function timeout, as Lambda would at deploy', () => {
    const { stack } = stackWithRole();
    const queue = new EncryptedQueue(stack, 'Queue', {
      queueName: 'q',
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      visibilityTimeout: Duration.seconds(20),
    });
    const store = new BatchStore(stack, 'Store', { clusterIdentifier: 'test-batch' });
    expect(() => new QuarantineRecorder(stack, 'Recorder', { functionName: 'recorder', queue, store })).toThrow(
      "the quarantine recorder's timeout (30 s) exceeds the queue's visibility timeout (20 s)",
    );
  });
});

describe('EscalationNotifier', () => {
  function props(stack: Stack, overrides: Partial<EscalationNotifierProps>): EscalationNotifierProps {
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    return {
      functionName: 'escalation',
      firstTier: new EncryptedTopic(stack, 'Alerts', { topicName: 'alerts', displayName: 'Alerts', encryptionKey }),
      tiers: 2,
      topicNamePrefix: 'alerts',
      stageLabel: 'test',
      encryptionKey,
      store: new BatchStore(stack, 'Store', { clusterIdentifier: 'test-batch' }),
      reminderIntervalMinutes: 30,
      siteTimeZone: 'UTC',
      acknowledgeUrl: 'https://api.example.com',
      ...overrides,
    };
  }

  it('refuses a contact of a tier it does not have, and a number of tiers outside 1 to 5, before building anything', () => {
    const { stack } = stackWithRole();
    const contact = { tier: 3, levels: ['action'] as const, protocol: 'email' as const, endpoint: 'lead@example.com' };
    expect(() => new EscalationNotifier(stack, 'Escalation', props(stack, { contacts: [contact] }))).toThrow(
      'the contact lead@example.com names tier 3, but there are 2 tiers',
    );
    const other = stackWithRole().stack;
    expect(() => new EscalationNotifier(other, 'Escalation', props(other, { tiers: 6 }))).toThrow(
      'escalation tiers must be a whole number from 1 to 5 (got 6)',
    );
    expect(stack.node.tryFindChild('Escalation')).toBeUndefined();
  });
});

describe('cdk-nag finding names', () => {
  it('renders a tokenised ARN the way cdk-nag names IAM5 findings', () => {
    const { stack, role } = stackWithRole();
    expect(wildcardResource(stack, `${role.roleArn}/*`)).toBe(
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(role.node.defaultChild as iam.CfnRole)}.Arn>/*]`,
    );
    expect(wildcardResource(stack, 'arn:aws:s3:::bucket/*')).toBe('AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]');
  });
});

describe('contentHash', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('changes when a file under the directories changes, is added or is renamed, and ignores other directories', () => {
    root = mkdtempSync(path.join(tmpdir(), 'geotech-hash-'));
    mkdirSync(path.join(root, 'db/migrations'), { recursive: true });
    mkdirSync(path.join(root, 'other'));
    writeFileSync(path.join(root, 'db/migrations/0001_init.sql'), 'create table a ();');
    const first = contentHash(root, ['db']);
    expect(contentHash(root, ['db'])).toBe(first);

    writeFileSync(path.join(root, 'other/file.txt'), 'unrelated');
    expect(contentHash(root, ['db'])).toBe(first);

    writeFileSync(path.join(root, 'db/migrations/0001_init.sql'), 'create table b ();');
    const edited = contentHash(root, ['db']);
    expect(edited).not.toBe(first);

    writeFileSync(path.join(root, 'db/migrations/0002_more.sql'), '');
    const added = contentHash(root, ['db']);
    expect(added).not.toBe(edited);

    rmSync(path.join(root, 'db/migrations/0002_more.sql'));
    writeFileSync(path.join(root, 'db/migrations/0003_more.sql'), '');
    expect(contentHash(root, ['db'])).not.toBe(added);
  });

  it('hashes a missing directory as empty rather than failing', () => {
    root = mkdtempSync(path.join(tmpdir(), 'geotech-hash-'));
    expect(contentHash(root, ['absent'])).toBe(contentHash(root, []));
  });
});
