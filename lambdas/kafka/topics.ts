import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes, type ConnectionOptions } from '@platformatic/kafka';

/**
 * The readings topic's administration through the Kafka admin API: the same on Amazon MSK
 * (from the topic custom resource) and on the local broker (from the local runtime).
 *
 * Rules:
 * - **Ensure** is idempotent: a missing topic is created with its partitions and
 *   `retention.ms`; an existing one has its partitions raised and its retention set to what
 *   is asked; one that already matches is left alone.
 * - **Partitions never decrease.** Kafka cannot remove partitions, and a topic recreated
 *   with fewer would lose its records and reorder instruments; asking for fewer is refused
 *   with {@link PartitionDecreaseError} and the topic is left as it is.
 * - **Delete** of a topic that is not there succeeds (CloudFormation may retry a delete).
 */

export interface TopicSettings {
  readonly topic: string;
  /** 1 or more. */
  readonly partitions: number;
  /** How long the broker keeps records, ms (-1: forever). */
  readonly retentionMs: number;
}

/** What {@link ensureTopic} did. */
export type TopicChange =
  | { readonly kind: 'created' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'updated'; readonly partitionsFrom?: number; readonly retentionMsFrom?: number };

/** A topic asked to have fewer partitions than it has. */
export class PartitionDecreaseError extends Error {
  override readonly name = 'PartitionDecreaseError';
  constructor(
    readonly topic: string,
    readonly current: number,
    readonly requested: number,
  ) {
    super(
      `topic ${topic} has ${current} partitions and cannot be given ${requested}: Kafka never removes partitions ` +
        `(raise the setting, or move to a new topic name to start over)`,
    );
  }
}

export type AdminConnection = { readonly bootstrapBrokers: string[] } & ConnectionOptions;

/** Runs `work` with an admin client of `connection`, closing it after. */
export async function withAdmin<T>(connection: AdminConnection, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'geotech-topic-admin', ...connection, retries: 3, timeout: 30_000 });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export function validateTopicSettings(settings: TopicSettings): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(settings.topic)) {
    throw new Error(`topic name ${JSON.stringify(settings.topic)} must be 1 to 249 letters, digits, '.', '_' or '-'`);
  }
  if (!Number.isInteger(settings.partitions) || settings.partitions < 1) {
    throw new Error(`partitions must be a whole number of 1 or more (got ${settings.partitions})`);
  }
  if (!Number.isInteger(settings.retentionMs) || (settings.retentionMs < 1 && settings.retentionMs !== -1)) {
    throw new Error(`retentionMs must be a positive whole number of milliseconds, or -1 for no limit (got ${settings.retentionMs})`);
  }
}

/** Creates the topic, or brings its partitions and retention to `settings`. */
export async function ensureTopic(admin: Admin, settings: TopicSettings): Promise<TopicChange> {
  validateTopicSettings(settings);
  const { topic, partitions, retentionMs } = settings;
  if (!(await admin.listTopics()).includes(topic)) {
    try {
      await admin.createTopics({ topics: [topic], partitions, configs: [{ name: 'retention.ms', value: String(retentionMs) }] });
      return { kind: 'created' };
    } catch (error) {
      // Created meanwhile (a retried Create): bring it to the settings below.
      if (!(await admin.listTopics()).includes(topic)) throw error;
    }
  }
  const currentPartitions = await partitionCount(admin, topic);
  if (partitions < currentPartitions) throw new PartitionDecreaseError(topic, currentPartitions, partitions);
  const currentRetention = await retentionOf(admin, topic);
  if (partitions > currentPartitions) await admin.createPartitions({ topics: [{ name: topic, count: partitions }] });
  if (currentRetention !== retentionMs) {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: String(retentionMs) }],
        },
      ],
    });
  }
  if (partitions === currentPartitions && currentRetention === retentionMs) return { kind: 'unchanged' };
  return {
    kind: 'updated',
    ...(partitions !== currentPartitions ? { partitionsFrom: currentPartitions } : {}),
    ...(currentRetention !== retentionMs ? { retentionMsFrom: currentRetention } : {}),
  };
}

/** Deletes the topic; true when it was there. */
export async function deleteTopic(admin: Admin, topic: string): Promise<boolean> {
  if (!(await admin.listTopics()).includes(topic)) return false;
  await admin.deleteTopics({ topics: [topic] });
  return true;
}

/** The topic's partitions and retention as the broker holds them. */
export async function describeTopic(admin: Admin, topic: string): Promise<{ partitions: number; retentionMs: number }> {
  return { partitions: await partitionCount(admin, topic), retentionMs: await retentionOf(admin, topic) };
}

async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
  const described = metadata.topics.get(topic);
  if (!described) throw new Error(`topic ${topic} is listed but has no metadata`);
  return described.partitionsCount;
}

async function retentionOf(admin: Admin, topic: string): Promise<number> {
  const [description] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms'] }],
  });
  const value = description?.configs.find((config) => config.name === 'retention.ms')?.value;
  if (value === null || value === undefined) throw new Error(`topic ${topic} reports no retention.ms`);
  return Number(value);
}
