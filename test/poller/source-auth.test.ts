import { afterEach, describe, expect, it } from 'vitest';
import { readApiKeySecret } from '../../lambdas/poller/api-key-secret.js';
import { authoriserFor, sigV4Authoriser } from '../../lambdas/poller/source-auth.js';
import { SourceClient } from '../../lambdas/poller/source-client.js';
import { envelope, startScriptedSource, type ScriptedSource } from './support/scripted-source.js';

const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

let servers: ScriptedSource[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(...args: Parameters<typeof startScriptedSource>): Promise<ScriptedSource> {
  const server = await startScriptedSource(...args);
  servers.push(server);
  return server;
}

describe('SigV4 signing', () => {
  // Expected signatures from the AWS Signature Version 4 test suite (get-vanilla, get-vanilla-query-order-key-case).
  it('matches the AWS test suite for a plain GET', async () => {
    const authorise = sigV4Authoriser({
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE_CREDENTIALS,
      now: () => new Date('2015-08-30T12:36:00Z'),
    });
    expect(await authorise(new URL('https://example.amazonaws.com/'))).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  it('matches the AWS test suite for a GET with a query, parameters sorted', async () => {
    const authorise = sigV4Authoriser({
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE_CREDENTIALS,
      now: () => new Date('2015-08-30T12:36:00Z'),
    });
    const headers = await authorise(new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'));
    expect(headers.authorization).toMatch(/Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
  });

  it('sends an Authorization header scoped to lambda, with the session token, when SOURCE_AUTH is iam', async () => {
    const source = await serve({ 'params/water_standpipe': () => ({ status: 200, body: envelope([]) }) });
    const authorise = authoriserFor(
      { mode: 'iam', region: 'ap-southeast-2' },
      { credentials: () => ({ ...EXAMPLE_CREDENTIALS, sessionToken: 'session-token-1' }), readSecret: async () => 'unused' },
    );
    const result = await new SourceClient({ baseUrl: source.url, requestTimeoutMs: 2_000, authorise }).fetchEndpoint(
      'params/water_standpipe',
    );
    expect(result.ok).toBe(true);
    const [request] = source.requests;
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-southeast-2\/lambda\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe('session-token-1');
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    // The host that was signed is the host fetch sent.
    expect(request?.headers.host).toBe(new URL(source.url).host);
  });
});

describe('API key and no authorisation', () => {
  it('sends x-api-key with the secret value when SOURCE_AUTH is api-key', async () => {
    const source = await serve({ 'params/all': () => ({ status: 404, body: '{}' }) });
    const asked: string[] = [];
    const authorise = authoriserFor(
      { mode: 'api-key', secretArn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:source-key' },
      { credentials: () => EXAMPLE_CREDENTIALS, readSecret: async (arn) => (asked.push(arn), 'k-123') },
    );
    await new SourceClient({ baseUrl: source.url, requestTimeoutMs: 2_000, maxAttempts: 1, authorise }).fetchEndpoint('params/all');
    expect(source.requests[0]?.headers['x-api-key']).toBe('k-123');
    expect(source.requests[0]?.headers.authorization).toBeUndefined();
    expect(asked).toEqual(['arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:source-key']);
  });

  it('sends neither header when SOURCE_AUTH is none', async () => {
    const source = await serve({ 'params/all': () => ({ status: 404, body: '{}' }) });
    const authorise = authoriserFor({ mode: 'none' }, { credentials: () => EXAMPLE_CREDENTIALS, readSecret: async () => 'k' });
    await new SourceClient({ baseUrl: source.url, requestTimeoutMs: 2_000, maxAttempts: 1, authorise }).fetchEndpoint('params/all');
    expect(source.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(source.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('readApiKeySecret (fake Secrets Manager endpoint)', () => {
  // Powertools keeps one Secrets Manager client per process, so both cases share one endpoint.
  it('reads the key through Powertools Parameters once, serves it from the cache after, and refuses a blank secret', async () => {
    const secretsManager = await serve({
      '': (n) => ({
        status: 200,
        body: JSON.stringify(n === 1 ? { Name: 'key', SecretString: ' key-from-secret \n' } : { Name: 'blank', SecretString: '   ' }),
      }),
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key';
      expect(await readApiKeySecret(arn)).toBe('key-from-secret');
      expect(await readApiKeySecret(arn)).toBe('key-from-secret');
      expect(secretsManager.hits('')).toBe(1);
      expect(secretsManager.requests[0]?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');

      await expect(readApiKeySecret('arn:aws:secretsmanager:us-east-1:123456789012:secret:blank')).rejects.toThrow(
        /secret arn:aws:secretsmanager:us-east-1:123456789012:secret:blank has no string value/,
      );
    } finally {
      process.env = saved;
    }
  });
});
