import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** How long a fetched API key is reused before Secrets Manager is asked again, seconds. */
export const API_KEY_CACHE_SECONDS = 300;

/**
 * Reads the source API key from Secrets Manager, cached for {@link API_KEY_CACHE_SECONDS}
 * so a rotated key is picked up within minutes without a call per request. The secret
 * must hold the key itself as its string value.
 */
export async function readApiKeySecret(secretArn: string): Promise<string> {
  const value = await getSecret(secretArn, { maxAge: API_KEY_CACHE_SECONDS });
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`secret ${secretArn} has no string value to use as the source API key`);
  }
  return value.trim();
}
