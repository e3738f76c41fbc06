import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { ConfigError } from '../shared/config-error.js';
import { deleteTopic, ensureTopic, withAdmin, type AdminConnection, type TopicChange } from './topics.js';

/**
 * CloudFormation custom resource for the readings topic on Amazon MSK, for the CDK
 * custom-resource provider framework (`cr.Provider` with the function as `onEventHandler`).
 *
 * Properties (strings, as CloudFormation passes them): `BootstrapServers` (comma-separated
 * host:port), `Topic`, `Partitions`, `RetentionMs`, and `RetainOnDelete` (`true` keeps the
 * topic and its records when the resource is deleted, as the stack's deletion protection
 * keeps its other stateful resources).
 *
 * - Create and Update ensure the topic (./topics.ts: created, or partitions raised and
 *   retention set; a partition decrease fails the update and CloudFormation rolls back).
 * - A new `Topic` name is a replacement: the new topic is ensured and gets the new physical
 *   id, and CloudFormation then sends Delete for the old one.
 * - Delete removes the topic unless it is retained; a topic already gone is not an error.
 */

export interface TopicResourceResponse {
  PhysicalResourceId: string;
  Data?: { readonly Topic: string; readonly Partitions: string; readonly Change: TopicChange['kind'] };
}

export type TopicResourceHandler = (event: CloudFormationCustomResourceEvent) => Promise<TopicResourceResponse>;

export interface TopicResourceDependencies {
  /** The admin connection to the brokers named in the event (TLS and MSK IAM in AWS). */
  readonly connect: (bootstrapServers: string[]) => AdminConnection;
  readonly logger?: Pick<Logger, 'info'>;
}

const properties = z.object({
  BootstrapServers: z.string().check(z.minLength(1, 'is required (comma-separated host:port)')),
  Topic: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,249}$/, "must be 1 to 249 letters, digits, '.', '_' or '-'")),
  Partitions: z.coerce.number().check(z.refine((n) => Number.isInteger(n) && n >= 1, 'must be a whole number of 1 or more')),
  RetentionMs: z.coerce
    .number()
    .check(z.refine((n) => Number.isInteger(n) && (n >= 1 || n === -1), 'must be a positive whole number of ms, or -1')),
  RetainOnDelete: z._default(z.enum(['true', 'false']), 'false'),
});

export type TopicResourceProperties = z.infer<typeof properties>;

/** The event's properties, checked; ConfigError names each one at fault. */
export function readTopicProperties(raw: unknown): TopicResourceProperties {
  const parsed = properties.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    'readings topic resource properties',
    parsed.error.issues.map((issue) => ({ key: issue.path.join('.') || '(properties)', message: issue.message })),
  );
}

export function createTopicResourceHandler(dependencies: TopicResourceDependencies): TopicResourceHandler {
  return async (event) => {
    const props = readTopicProperties(event.ResourceProperties);
    const connection = dependencies.connect(props.BootstrapServers.split(',').map((entry) => entry.trim()));
    if (event.RequestType === 'Delete') {
      const topic = event.PhysicalResourceId;
      if (props.RetainOnDelete === 'true') {
        dependencies.logger?.info('Delete: the topic is retained', { topic });
      } else {
        const deleted = await withAdmin(connection, (admin) => deleteTopic(admin, topic));
        dependencies.logger?.info(deleted ? 'Delete: topic deleted' : 'Delete: the topic was already gone', { topic });
      }
      return { PhysicalResourceId: topic };
    }
    const change = await withAdmin(connection, (admin) =>
      ensureTopic(admin, { topic: props.Topic, partitions: props.Partitions, retentionMs: props.RetentionMs }),
    );
    dependencies.logger?.info(`${event.RequestType}: topic ${change.kind}`, { topic: props.Topic, ...change });
    return { PhysicalResourceId: props.Topic, Data: { Topic: props.Topic, Partitions: String(props.Partitions), Change: change.kind } };
  };
}
