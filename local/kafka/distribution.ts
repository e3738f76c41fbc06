import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, javaMajorVersion, serviceCacheRoot } from '../java-runtime.js';
import { copyMavenDependencies } from '../opensearch/maven.js';

/**
 * The Apache Kafka broker the tests and `npm start -- --stream kafka` run: Apache Kafka's
 * own jars from Maven Central (the broker, `kafka_2.13`, and the command-line tools,
 * `kafka-tools`, with their runtime dependencies), copied once by Maven into a cache
 * outside the repository, one folder per version. Kafka publishes no runnable archive on
 * Maven Central, so the folder is a class path: `libs/*.jar` and a log configuration.
 * This module fetches and finds it; running it is `./server.ts`.
 */

/** The Kafka release fetched unless KAFKA_VERSION says otherwise: a 4.x broker runs in KRaft mode only, on Java 17. */
export const DEFAULT_KAFKA_VERSION = '4.1.1';
/** Kafka 4 brokers need Java 17. */
export const MIN_JAVA_FOR_KAFKA = 17;
/** The SLF4J 1.x binding onto the log4j 2 that Kafka ships, so the broker's log reaches its output. */
const LOG_BINDING = { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.24.3' } as const;

export interface KafkaDistribution {
  readonly version: string;
  /** The cached folder: `libs/` (the class path) and `log4j2.yaml`. */
  readonly home: string;
}

export interface KafkaDistributionOptions {
  /** Cache folder. Default GEOTECH_KAFKA_CACHE, else `${XDG_CACHE_HOME:-~/.cache}/geotech-pipeline/kafka`. */
  readonly cacheRoot?: string;
  /** Exact version. Default KAFKA_VERSION, else {@link DEFAULT_KAFKA_VERSION}. */
  readonly version?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress messages. Default: none. */
  readonly log?: (message: string) => void;
}

/** The distribution could not be resolved or put into the cache, or is not there. */
export class KafkaDistributionError extends Error {
  override readonly name = 'KafkaDistributionError';
}

export const FETCH_COMMAND = 'npx tsx bin/kafka-dist.ts fetch';

export function kafkaCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const pinned = env.GEOTECH_KAFKA_CACHE?.trim();
  return pinned ? pinned : serviceCacheRoot('kafka', env);
}

/** What is missing on this machine to fetch (`forFetch`) or run the broker; empty when nothing is. */
export function kafkaPrerequisitesMissing(forFetch: boolean): string[] {
  const missing: string[] = [];
  const java = javaMajorVersion();
  if (java === null) missing.push(`Java ${MIN_JAVA_FOR_KAFKA} or newer (e.g. \`apt-get install openjdk-17-jre-headless\`)`);
  else if (java < MIN_JAVA_FOR_KAFKA) missing.push(`Java ${MIN_JAVA_FOR_KAFKA} or newer (found Java ${java})`);
  if (forFetch && !hasCommand('mvn')) missing.push('Maven (e.g. `apt-get install maven`)');
  return missing;
}

/** The cached distribution of the version asked for, or null when it has not been fetched. */
export function findCachedKafka(options: KafkaDistributionOptions = {}): KafkaDistribution | null {
  const version = kafkaVersion(options);
  const home = join(options.cacheRoot ?? kafkaCacheRoot(options.env), version);
  return holdsDistribution(home) ? { version, home } : null;
}

/** The cached distribution, or an error that says how to fetch it. */
export function requireCachedKafka(options: KafkaDistributionOptions = {}): KafkaDistribution {
  const found = findCachedKafka(options);
  if (found) return found;
  const root = options.cacheRoot ?? kafkaCacheRoot(options.env);
  throw new KafkaDistributionError(`Apache Kafka ${kafkaVersion(options)} is not in the cache (${root}): run \`${FETCH_COMMAND}\` once`);
}

/**
 * Copies the broker's and tools' jars of the version with Maven into the cache (a folder
 * made aside and renamed into place, so a cut-off fetch leaves nothing half there).
 * Idempotent: a version already cached is returned as it is.
 */
export function fetchKafka(options: KafkaDistributionOptions = {}): KafkaDistribution {
  const log = options.log ?? (() => {});
  const cached = findCachedKafka(options);
  if (cached) {
    log(`Apache Kafka ${cached.version} is already in the cache`);
    return cached;
  }
  const missing = kafkaPrerequisitesMissing(true);
  if (missing.length > 0) throw new KafkaDistributionError(`cannot fetch Apache Kafka: install ${missing.join(' and ')}`);
  const version = kafkaVersion(options);
  const root = options.cacheRoot ?? kafkaCacheRoot(options.env);
  mkdirSync(root, { recursive: true });
  log(`resolving org.apache.kafka:kafka_2.13:${version} and kafka-tools with Maven`);
  const work = mkdtempSync(join(root, '.fetch-'));
  try {
    const out = copyMavenDependencies(
      work,
      { resolver: 'kafka-resolver', dependency: dependencies(version), flags: ['-DincludeScope=runtime', '-DincludeTypes=jar'] },
      (output) => new KafkaDistributionError(`Maven could not resolve Apache Kafka ${version}:\n${output}`),
    );
    const staged = join(work, 'distribution');
    mkdirSync(staged);
    renameSync(out, join(staged, 'libs'));
    writeFileSync(join(staged, 'log4j2.yaml'), LOG_CONFIGURATION);
    const home = join(root, version);
    rmSync(home, { recursive: true, force: true });
    renameSync(staged, home);
    log(`Apache Kafka ${version} cached in ${home}`);
    return { version, home };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The `-cp` argument of a Java process that runs a class of the distribution. */
export function kafkaClassPath(distribution: KafkaDistribution): string {
  return `${join(distribution.home, 'libs')}/*`;
}

function holdsDistribution(home: string): boolean {
  const libs = join(home, 'libs');
  return existsSync(libs) && readdirSync(libs).some((name) => /^kafka_2\.13-.*\.jar$/.test(name));
}

function kafkaVersion(options: KafkaDistributionOptions): string {
  const fromEnv = (options.env ?? process.env).KAFKA_VERSION?.trim();
  return options.version ?? (fromEnv ? fromEnv : DEFAULT_KAFKA_VERSION);
}

function dependencies(version: string): string {
  const dependency = (groupId: string, artifactId: string, v: string) => `    <dependency>
      <groupId>${groupId}</groupId>
      <artifactId>${artifactId}</artifactId>
      <version>${v}</version>
    </dependency>`;
  return [
    dependency('org.apache.kafka', 'kafka_2.13', version),
    dependency('org.apache.kafka', 'kafka-tools', version),
    dependency(LOG_BINDING.groupId, LOG_BINDING.artifactId, LOG_BINDING.version),
  ].join('\n');
}

/** Warnings and errors to standard output, quiet enough for a test run, whole enough to say why a start failed. */
const LOG_CONFIGURATION = `Configuration:
  name: geotech-kafka
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
      - name: kafka.server.BrokerServer
        level: INFO
`;
