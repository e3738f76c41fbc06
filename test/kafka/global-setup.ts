import type { TestProject } from 'vitest/node';
import { fetchKafka, findCachedKafka, kafkaPrerequisitesMissing } from '../../local/kafka/distribution.js';
import { startKafka } from '../../local/kafka/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the broker the `kafka` project's suites run against. */
    kafkaBootstrap: string;
  }
}

/**
 * Starts one real Apache Kafka broker (KRaft, single node) for the `kafka` project, or uses
 * KAFKA_BOOTSTRAP_SERVERS. The broker's jars are fetched into the cache when Maven is
 * here; a machine that can neither find nor fetch them fails the run with what to install,
 * never skips it.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
  if (fromEnv) {
    project.provide('kafkaBootstrap', fromEnv);
    return undefined;
  }
  const log = (message: string): void => console.log(`[kafka] ${message}`);
  const missing = kafkaPrerequisitesMissing(findCachedKafka() === null);
  if (missing.length > 0)
    throw new Error(`the kafka suites need a real broker: install ${missing.join(' and ')} (or set KAFKA_BOOTSTRAP_SERVERS)`);
  const distribution = findCachedKafka() ?? fetchKafka({ log });
  const server = await startKafka({ distribution, log });
  project.provide('kafkaBootstrap', server.bootstrapServers);
  return () => server.stop();
}
