import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../lambdas/shared/lambda-credentials.js';

describe('the credential chain of a deployed function', () => {
  beforeEach(() => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'])
      vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('gives the role credentials Lambda puts in the environment, session token included', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('reads the environment at each call, so credentials Lambda refreshes are picked up', async () => {
    const provider = defaultProvider();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'first');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    expect((await provider()).accessKeyId).toBe('first');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'second');
    expect((await provider()).accessKeyId).toBe('second');
  });

  it('says the bundle expects Lambda’s environment when there are no credentials in it', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'only-the-key');
    await expect(defaultProvider()()).rejects.toThrow(/built for AWS Lambda, which sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });
});
