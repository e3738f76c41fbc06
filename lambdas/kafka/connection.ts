import type { ConnectionOptions } from '@platformatic/kafka';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import * as z from 'zod/mini';
import { ConfigError } from '../shared/config-error.js';
import { parseEnvironment, requiredText, unsetWhenBlank, type Environment } from '../shared/environment.js';

/**
 * Where a function's Kafka client connects, and how it authenticates: the one reading of
 * KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC and KAFKA_AUTH for every Kafka-using function (the
 * poller, the topic resource) and the local runtime.
 *
 * - `msk-iam` (Amazon MSK with IAM access control): TLS, and SASL OAUTHBEARER with a token
 *   signed by AWS's MSK IAM signer from the function's own credentials (a new token for
 *   each connection, so none outlives its 15 minutes);
 * - `none` (the local broker): plaintext on loopback.
 */

export const KAFKA_AUTH_MODES = ['msk-iam', 'none'] as const;
export type KafkaAuthMode = (typeof KAFKA_AUTH_MODES)[number];

export interface KafkaConnection {
  /** `host:port` of each bootstrap broker. */
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  readonly auth: KafkaAuthMode;
  /** The region the MSK IAM token is signed for (`msk-iam` only). */
  readonly region: string | undefined;
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const bootstrapServers = z
  .pipe(
    requiredText('comma-separated host:port of the bootstrap brokers'),
    z.transform((value: string) => value.split(',').map((entry) => entry.trim())),
  )
  .check(
    z.refine(
      (entries: string[]) => entries.length > 0 && entries.every((entry) => HOST_PORT.test(entry)),
      'must be comma-separated host:port entries, e.g. b-1.cluster.kafka.eu-west-1.amazonaws.com:9098',
    ),
  );

/** KAFKA_AUTH (default `msk-iam`) and AWS_REGION: how a Kafka client authenticates, for functions given their brokers otherwise. */
export const kafkaAuthVariables = {
  KAFKA_AUTH: unsetWhenBlank(z._default(z.enum(KAFKA_AUTH_MODES, { error: `must be one of ${KAFKA_AUTH_MODES.join(', ')}` }), 'msk-iam')),
  AWS_REGION: unsetWhenBlank(z.optional(z.string())),
};

/** The variables of a Kafka connection, for a function's environment schema. */
export const kafkaConnectionVariables = {
  KAFKA_BOOTSTRAP_SERVERS: bootstrapServers,
  KAFKA_TOPIC: requiredText('the readings topic'),
  ...kafkaAuthVariables,
};

const connectionSchema = z.object(kafkaConnectionVariables);

/** Reads the Kafka connection from the environment; throws ConfigError naming each variable at fault. */
export function readKafkaConnection(env: Environment, subject = 'Kafka connection environment'): KafkaConnection {
  const parsed = parseEnvironment(connectionSchema, env, subject);
  return { bootstrapServers: parsed.KAFKA_BOOTSTRAP_SERVERS, topic: parsed.KAFKA_TOPIC, ...readKafkaAuth(env, subject) };
}

/** The authentication part of the environment; an `msk-iam` without a region is refused. */
export function readKafkaAuth(env: Environment, subject: string): Pick<KafkaConnection, 'auth' | 'region'> {
  const parsed = parseEnvironment(z.object(kafkaAuthVariables), env, subject);
  if (parsed.KAFKA_AUTH === 'msk-iam' && !parsed.AWS_REGION) {
    throw new ConfigError(subject, [
      { key: 'AWS_REGION', message: 'is required with KAFKA_AUTH=msk-iam (the region its tokens are signed for; Lambda sets it)' },
    ]);
  }
  return { auth: parsed.KAFKA_AUTH, region: parsed.AWS_REGION };
}

/** Signs an MSK IAM token for `region`; replaceable in tests of the option building. */
export type MskTokenSigner = (region: string) => Promise<string>;

const signWithFunctionCredentials: MskTokenSigner = async (region) =>
  (await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: defaultProvider() })).token;

/** The client options of a connection: bootstrap brokers, and TLS with SASL for MSK IAM. */
export function kafkaClientOptions(
  connection: Pick<KafkaConnection, 'bootstrapServers' | 'auth' | 'region'>,
  sign: MskTokenSigner = signWithFunctionCredentials,
): { bootstrapBrokers: string[] } & ConnectionOptions {
  const bootstrapBrokers = [...connection.bootstrapServers];
  if (connection.auth === 'none') return { bootstrapBrokers };
  const region = connection.region;
  if (!region) throw new Error('msk-iam needs the region its tokens are signed for');
  return {
    bootstrapBrokers,
    tls: {},
    sasl: { mechanism: 'OAUTHBEARER', token: () => sign(region) },
  };
}
