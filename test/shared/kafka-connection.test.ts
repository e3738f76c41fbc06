import { describe, expect, it } from 'vitest';
import { kafkaClientOptions, readKafkaConnection } from '../../lambdas/kafka/connection.js';
import { ConfigError } from '../../lambdas/shared/config-error.js';

describe('the Kafka connection of a function', () => {
  it('reads brokers, topic and authentication, defaulting to MSK IAM', () => {
    expect(
      readKafkaConnection({
        KAFKA_BOOTSTRAP_SERVERS: 'b-1.site.kafka.eu-west-1.amazonaws.com:9098, b-2.site.kafka.eu-west-1.amazonaws.com:9098',
        KAFKA_TOPIC: 'geotech-dev-readings',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({
      bootstrapServers: ['b-1.site.kafka.eu-west-1.amazonaws.com:9098', 'b-2.site.kafka.eu-west-1.amazonaws.com:9098'],
      topic: 'geotech-dev-readings',
      auth: 'msk-iam',
      region: 'eu-west-1',
    });
  });

  it('names each variable at fault', () => {
    const read = () => readKafkaConnection({ KAFKA_BOOTSTRAP_SERVERS: 'localhost', KAFKA_AUTH: 'scram' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/KAFKA_BOOTSTRAP_SERVERS: must be comma-separated host:port/);
    expect(read).toThrow(/KAFKA_TOPIC: is required/);
    expect(read).toThrow(/KAFKA_AUTH: must be one of msk-iam, none/);
  });

  it('refuses MSK IAM without a region to sign for', () => {
    expect(() => readKafkaConnection({ KAFKA_BOOTSTRAP_SERVERS: 'b:9098', KAFKA_TOPIC: 't' })).toThrow(
      /AWS_REGION: is required with KAFKA_AUTH=msk-iam/,
    );
  });

  it('plaintext locally; TLS and SASL OAUTHBEARER with a freshly signed token for MSK IAM', async () => {
    expect(kafkaClientOptions({ bootstrapServers: ['127.0.0.1:9092'], auth: 'none', region: undefined })).toEqual({
      bootstrapBrokers: ['127.0.0.1:9092'],
    });
    const signed: string[] = [];
    const options = kafkaClientOptions({ bootstrapServers: ['b:9098'], auth: 'msk-iam', region: 'eu-west-1' }, async (region) => {
      signed.push(region);
      return `token-${signed.length}`;
    });
    expect(options.tls).toEqual({});
    expect(options.sasl?.mechanism).toBe('OAUTHBEARER');
    const token = options.sasl?.token as () => Promise<string>;
    expect(await token()).toBe('token-1');
    expect(await token()).toBe('token-2');
    expect(signed).toEqual(['eu-west-1', 'eu-west-1']);
  });
});
