import { afterEach, describe, expect, it } from 'vitest';
import { endpointUrl, isRetryableStatus, SourceClient } from '../../lambdas/poller/source-client.js';
import { envelope, startScriptedSource, type ScriptedSource } from './support/scripted-source.js';

const ITEM = { borehole_number: 'BH-0001', instrument: 'water_standpipe', reading: 12.5, timestamp: '2024-05-01T00:00:00Z' };
const ok = { status: 200, body: envelope([ITEM]) };

let source: ScriptedSource | undefined;
afterEach(async () => {
  await source?.close();
  source = undefined;
});

function client(baseUrl: string, requestTimeoutMs = 2_000) {
  const delays: number[] = [];
  const sourceClient = new SourceClient({
    baseUrl,
    requestTimeoutMs,
    maxAttempts: 3,
    sleep: async (ms) => void delays.push(ms),
  });
  return { sourceClient, delays };
}

describe('SourceClient against a scripted HTTP source', () => {
  it('retries server errors with backoff and succeeds when the source recovers', async () => {
    source = await startScriptedSource({ 'params/a': (n) => (n <= 2 ? { status: 503, body: '{"error":"busy"}' } : ok) });
    const { sourceClient, delays } = client(source.url);
    const result = await sourceClient.fetchEndpoint('params/a');
    expect(result).toEqual({ ok: true, path: 'params/a', items: [ITEM], attempts: 3 });
    expect(source.hits('params/a')).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(delays[0]! / 2);
  });

  it('gives up after the attempt bound on persistent server errors', async () => {
    source = await startScriptedSource({ 'params/a': () => ({ status: 500, body: 'internal error' }) });
    const result = await client(source.url).sourceClient.fetchEndpoint('params/a');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ kind: 'http_status', status: 500, attempts: 3 });
    expect(result.failure.message).toContain('internal error');
    expect(source.hits('params/a')).toBe(3);
  });

  it('does not retry a 404', async () => {
    source = await startScriptedSource({});
    const result = await client(source.url).sourceClient.fetchEndpoint('params/missing');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'http_status', status: 404, attempts: 1 } });
    expect(source.hits('params/missing')).toBe(1);
  });

  it('retries 429 but not other client errors', () => {
    expect([500, 502, 503, 504, 408, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it('times out a request that never answers, and retries it', async () => {
    source = await startScriptedSource({ 'params/slow': (n) => (n === 1 ? { hang: true } : ok) });
    const result = await client(source.url, 150).sourceClient.fetchEndpoint('params/slow');
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    await source.close();
    source = await startScriptedSource({ 'params/slow': () => ({ hang: true }) });
    const failed = await client(source.url, 150).sourceClient.fetchEndpoint('params/slow');
    expect(failed).toMatchObject({ ok: false, failure: { kind: 'timeout', attempts: 3 } });
    if (!failed.ok) expect(failed.failure.message).toContain('150 ms');
  });

  it('reports a body that is not JSON, without retrying', async () => {
    source = await startScriptedSource({ 'params/a': () => ({ status: 200, body: '{"items": [' }) });
    const result = await client(source.url).sourceClient.fetchEndpoint('params/a');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'invalid_json', attempts: 1 } });
    if (!result.ok) expect(result.failure.message).toMatch(/not JSON.*\{"items": \[/);
  });

  it('reports JSON that is not an envelope, naming what is wrong', async () => {
    source = await startScriptedSource({ 'params/a': () => ({ status: 200, body: '{"rows": []}' }) });
    const result = await client(source.url).sourceClient.fetchEndpoint('params/a');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'invalid_envelope', attempts: 1 } });
    if (!result.ok) expect(result.failure.message).toMatch(/params\/a: .*items/);
  });

  it('reports a refused connection as a network failure after retrying', async () => {
    source = await startScriptedSource({});
    const url = source.url;
    await source.close();
    source = undefined;
    const result = await client(url).sourceClient.fetchEndpoint('params/a');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'network', attempts: 3 } });
  });

  it('keeps reading the other endpoints when some fail', async () => {
    source = await startScriptedSource({
      'params/good': () => ok,
      'params/flaky': (n) => (n === 1 ? { status: 502, body: '' } : ok),
      'params/broken': () => ({ status: 200, body: 'not json' }),
      'params/down': () => ({ status: 503, body: '' }),
      'params/hangs': () => ({ hang: true }),
    });
    const paths = ['params/good', 'params/flaky', 'params/broken', 'params/missing', 'params/down', 'params/hangs'];
    const results = await client(source.url, 200).sourceClient.fetchAll(paths);
    expect(results.map((r) => r.path)).toEqual(paths);
    expect(results.map((r) => (r.ok ? 'ok' : r.failure.kind))).toEqual([
      'ok',
      'ok',
      'invalid_json',
      'http_status',
      'http_status',
      'timeout',
    ]);
    expect(results[0]).toMatchObject({ ok: true, items: [ITEM] });
    expect(results[1]).toMatchObject({ ok: true, items: [ITEM], attempts: 2 });
  });

  it('reports an authorisation failure per endpoint instead of throwing', async () => {
    source = await startScriptedSource({ 'params/a': () => ok });
    const sourceClient = new SourceClient({
      baseUrl: source.url,
      requestTimeoutMs: 1_000,
      maxAttempts: 2,
      authorise: async () => {
        throw new Error('secret not found');
      },
      sleep: async () => undefined,
    });
    const result = await sourceClient.fetchEndpoint('params/a');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'authorisation', attempts: 2 } });
    if (!result.ok) expect(result.failure.message).toContain('secret not found');
    expect(source.hits('params/a')).toBe(0);
  });

  it('rejects a base URL that is not an http(s) URL', () => {
    expect(() => new SourceClient({ baseUrl: 'not a url', requestTimeoutMs: 1 })).toThrow(/"not a url" is not an http or https URL/);
    expect(() => new SourceClient({ baseUrl: 'localhost:8080', requestTimeoutMs: 1 })).toThrow(
      /"localhost:8080" is not an http or https URL/,
    );
  });
});

describe('endpointUrl', () => {
  it('resolves paths beneath the base URL, keeping its own path', () => {
    expect(endpointUrl('https://api.example.com', 'params/all').href).toBe('https://api.example.com/params/all');
    expect(endpointUrl('https://api.example.com/prod', '/params/settlement/x').href).toBe(
      'https://api.example.com/prod/params/settlement/x',
    );
    expect(endpointUrl('https://api.example.com/prod/', 'params/all/').href).toBe('https://api.example.com/prod/params/all/');
  });
});
