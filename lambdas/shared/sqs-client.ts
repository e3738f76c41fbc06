import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * An SQS client; region, credentials and endpoint from the SDK's usual sources unless
 * given, so `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`) redirects it.
 */
export function createSqsClient(config: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000 }), ...config });
}
