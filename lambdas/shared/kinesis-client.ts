import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A Kinesis client over HTTP/1.1 with keep-alive. The SDK's default for Kinesis is HTTP/2,
 * which only SubscribeToShard needs and which plain-HTTP endpoints (the local emulator)
 * do not speak. Region, credentials and endpoint come from the SDK's usual sources unless
 * given, so `AWS_ENDPOINT_URL_KINESIS` (or `AWS_ENDPOINT_URL`) redirects it.
 */
export function createKinesisClient(config: KinesisClientConfig = {}): KinesisClient {
  return new KinesisClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000 }), ...config });
}
