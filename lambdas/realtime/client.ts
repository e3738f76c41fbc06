import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import type { OpenSearchConnectionConfig } from './config.js';

type CredentialsProvider = NonNullable<Parameters<typeof AwsSigv4Signer>[0]['getCredentials']>;

export interface OpenSearchClientOptions extends OpenSearchConnectionConfig {
  /** Credentials for SigV4. Default: the AWS SDK's default provider chain. */
  readonly getCredentials?: CredentialsProvider;
  /** Per-request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
}

/** Requests are SigV4-signed for the `es` service only against an https endpoint with `iam` auth. */
export function signsRequests(options: Pick<OpenSearchConnectionConfig, 'endpoint' | 'auth'>): boolean {
  return options.auth === 'iam' && options.endpoint.startsWith('https://');
}

/** An OpenSearch client: SigV4-signed for an Amazon OpenSearch Service domain, plain HTTP for a local server. */
export function createOpenSearchClient(options: OpenSearchClientOptions): Client {
  const common = { node: options.endpoint, requestTimeout: options.requestTimeoutMs ?? 30_000 };
  if (!signsRequests(options)) return new Client(common);
  if (!options.region) throw new Error('a SigV4-signed OpenSearch client needs a region');
  return new Client({
    ...common,
    ...AwsSigv4Signer({
      region: options.region,
      service: 'es',
      getCredentials: options.getCredentials ?? defaultProvider(),
    }),
  });
}
