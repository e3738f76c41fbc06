import { createLogger } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { kafkaClientOptions, readKafkaAuth } from './connection.js';
import { createTopicResourceHandler } from './topic-resource.js';

/** The readings topic's custom resource: brokers from the event, TLS and MSK IAM from KAFKA_AUTH (default msk-iam) and the region Lambda runs in. */
const auth = readKafkaAuth(process.env, 'readings topic resource environment');

export const handler = createTopicResourceHandler({
  connect: (bootstrapServers) => kafkaClientOptions({ bootstrapServers, ...auth }),
  logger: createLogger(SERVICE_NAMES.topicResource),
});
