import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../lambdas/simulator/handler.js';
import { createSimulator } from '../../lambdas/simulator/simulator.js';
import { T0, type AllBody, type Envelope } from './helpers.js';

/** A request as a Lambda function URL delivers it (payload format 2.0). */
function functionUrlEvent(rawPath: string, method = 'GET', rawQueryString = ''): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc123.lambda-url.ap-southeast-2.on.aws', 'user-agent': 'poller', accept: 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.ap-southeast-2.on.aws',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'poller' },
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      routeKey: '$default',
      stage: '$default',
      time: '01/Mar/2025:06:00:00 +0000',
      timeEpoch: T0,
    },
    isBase64Encoded: false,
  };
}

describe('simulator Lambda handler (function URL)', () => {
  it('answers ping and every path with or without the trailing slash', async () => {
    const handler = createHandler({ SIMULATOR_SEED: 'lambda' }, { now: () => T0 });
    const ping = await handler(functionUrlEvent('/ping/'));
    expect(ping.statusCode).toBe(200);
    expect(JSON.parse(ping.body!)).toEqual({ ping: 'pong!' });
    const plain = await handler(functionUrlEvent('/params/settlement/y'));
    const slashed = await handler(functionUrlEvent('/params/settlement/y/'));
    expect(plain.statusCode).toBe(200);
    expect(plain.headers?.['content-type']).toMatch(/^application\/json/);
    expect(slashed.body).toBe(plain.body);
    expect((JSON.parse(plain.body!) as Envelope).units).toBe('displacement (mm)');
  });

  it('serves what the local simulator serves for the same configuration and time', async () => {
    const handler = createHandler({ SIMULATOR_SEED: 'same', SIMULATOR_INSTRUMENTS_PER_TYPE: '9' }, { now: () => T0 });
    const result = await handler(functionUrlEvent('/params/all/'));
    const local = createSimulator({ seed: 'same', instrumentsPerType: 9 }).respond({ method: 'GET', path: '/params/all/' }, T0);
    expect(result.body).toBe(local.body);
    expect((JSON.parse(result.body!) as AllBody).instruments).toBe(45);
  });

  it('applies fault rates from the environment', async () => {
    const handler = createHandler({ SIMULATOR_SEED: 'broken', SIMULATOR_FAULT_RATE_5XX: '1' }, { now: () => T0 });
    const result = await handler(functionUrlEvent('/params/pore_pressure'));
    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(result.body!)).toMatchObject({ error: 'upstream_failure' });
  });

  it('holds a slow response back and returns it intact', async () => {
    const handler = createHandler(
      { SIMULATOR_FAULT_RATE_SLOW: '1', SIMULATOR_SLOW_DELAY_MS: '10', SIMULATOR_INSTRUMENTS_PER_TYPE: '2' },
      { now: () => T0 },
    );
    const result = await handler(functionUrlEvent('/params/water_standpipe'));
    expect(result.statusCode).toBe(200);
    expect((JSON.parse(result.body!) as Envelope).items).toHaveLength(2);
  });

  it('answers unknown paths with a JSON 404 and HEAD without a body', async () => {
    const handler = createHandler({}, { now: () => T0 });
    const missing = await handler(functionUrlEvent('/params/nothing'));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body!)).toMatchObject({ error: 'not_found' });
    const head = await handler(functionUrlEvent('/params/all', 'HEAD'));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('fails with a message naming the variable when the environment is misconfigured', async () => {
    const handler = createHandler({ SIMULATOR_FAULT_RATE_NULL: 'lots' });
    await expect(handler(functionUrlEvent('/ping'))).rejects.toThrow(/SIMULATOR_FAULT_RATE_NULL must be a number/);
  });

  it('serves history mode from the query string a function URL hands over', async () => {
    const handler = createHandler({ SIMULATOR_SEED: 'lambda', SIMULATOR_INSTRUMENTS_PER_TYPE: '4' }, { now: () => T0 });
    const query = `since=${new Date(T0 - 3_600_000).toISOString()}&limit=3`;
    const page = await handler(functionUrlEvent('/params/pore_pressure', 'GET', query));
    expect(page.statusCode).toBe(200);
    const body = JSON.parse(page.body!) as Envelope & { next: string; more: boolean };
    expect(body.items).toHaveLength(3);
    expect(body.more).toBe(true);
    expect(page.body).toBe(
      createSimulator({ seed: 'lambda', instrumentsPerType: 4 }).respond({ method: 'GET', path: `/params/pore_pressure?${query}` }, T0)
        .body,
    );
    const bad = await handler(functionUrlEvent('/params/pore_pressure', 'GET', 'since=soon'));
    expect(bad.statusCode).toBe(400);
  });
});
