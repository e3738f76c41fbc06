import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceAuthConfig } from './config.js';

/** Static credentials or a provider of them, as the AWS SDK takes them. */
export type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** The headers that authorise a GET of `url`. */
export type RequestAuthoriser = (url: URL) => Promise<Record<string, string>>;

export const noAuthorisation: RequestAuthoriser = async () => ({});

/** Header the source API reads its key from. */
export const API_KEY_HEADER = 'x-api-key';

/** An `x-api-key` header whose value comes from `apiKey()` (which should cache). */
export function apiKeyAuthoriser(apiKey: () => Promise<string>): RequestAuthoriser {
  return async () => ({ [API_KEY_HEADER]: await apiKey() });
}

export interface SigV4AuthoriserOptions {
  readonly region: string;
  readonly credentials: Credentials;
  /** Signing name. Default `lambda`, the name Lambda function URLs with IAM auth verify. */
  readonly service?: string;
  /** Signing time. Default: now. */
  readonly now?: () => Date;
}

/**
 * Signs each GET with AWS Signature Version 4. The returned headers (authorization,
 * x-amz-date, and x-amz-security-token for temporary credentials) are added to the
 * request; the host header that was signed is the one fetch sends for the URL.
 */
export function sigV4Authoriser(options: SigV4AuthoriserOptions): RequestAuthoriser {
  const signer = new SignatureV4({
    service: options.service ?? 'lambda',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    // GETs have no body to hash; the canonical SigV4 form signs only host and x-amz-date.
    applyChecksum: false,
  });
  return async (url) => {
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values.length === 1 ? (values[0] as string) : values;
    }
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { host: url.host },
      },
      options.now ? { signingDate: options.now() } : {},
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') headers[name] = value;
    }
    return headers;
  };
}

export interface SourceAuthDependencies {
  /** Credentials for `iam`; the function's own in Lambda. */
  readonly credentials: () => Credentials;
  /** Reads a secret's string value, with caching, for `api-key`. */
  readonly readSecret: (secretArn: string) => Promise<string>;
}

/** The authoriser a {@link SourceAuthConfig} calls for. */
export function authoriserFor(config: SourceAuthConfig, dependencies: SourceAuthDependencies): RequestAuthoriser {
  switch (config.mode) {
    case 'none':
      return noAuthorisation;
    case 'iam':
      return sigV4Authoriser({ region: config.region, credentials: dependencies.credentials() });
    case 'api-key':
      return apiKeyAuthoriser(() => dependencies.readSecret(config.secretArn));
  }
}
