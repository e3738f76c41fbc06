import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorStoreError, DynamoDbCursorStore } from '../../lambdas/poller/dynamodb-cursor-store.js';

/**
 * A fake DynamoDB: DynamoDB Local is under the vendor's own licence terms and is not used here,
 * so this server speaks the two calls of DynamoDB's JSON protocol the store makes (GetItem,
 * PutItem) on one table, and records each request's headers to check the signing.
 */
interface FakeDynamoDb {
  readonly url: string;
  readonly requests: { target: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[];
  readonly items: Map<string, Record<string, { S: string }>>;
  refuseNext: { status: number; type: string; message: string } | undefined;
  close(): Promise<void>;
}

async function startFakeDynamoDb(tableName: string): Promise<FakeDynamoDb> {
  const fake: Omit<FakeDynamoDb, 'url' | 'close'> = { requests: [], items: new Map(), refuseNext: undefined };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = JSON.parse(text) as Record<string, unknown>;
      fake.requests.push({ target, headers: request.headers, body });
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(payload));
      };
      if (fake.refuseNext) {
        const { status, type, message } = fake.refuseNext;
        fake.refuseNext = undefined;
        return reply(status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
      }
      if (body.TableName !== tableName)
        return reply(400, {
          __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
          message: 'Requested resource not found',
        });
      if (target === 'DynamoDB_20120810.GetItem') {
        const key = (body.Key as { path: { S: string } }).path.S;
        const item = fake.items.get(key);
        return reply(200, item ? { Item: item } : {});
      }
      if (target === 'DynamoDB_20120810.PutItem') {
        const item = body.Item as Record<string, { S: string }>;
        fake.items.set(item.path!.S, item);
        return reply(200, {});
      }
      return reply(400, { __type: 'com.amazon.coral.service#UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let fake: FakeDynamoDb;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' };

beforeAll(async () => {
  fake = await startFakeDynamoDb('geotech-dev-poller-cursors');
});
afterAll(async () => {
  await fake?.close();
});

describe('DynamoDbCursorStore against a fake DynamoDB', () => {
  const store = () =>
    new DynamoDbCursorStore({ tableName: 'geotech-dev-poller-cursors', region: 'ap-southeast-2', credentials, endpoint: fake.url });

  it('has no cursor for a path never saved, then the one saved last, read consistently', async () => {
    expect(await store().get('params/settlement/x')).toBeUndefined();
    await store().put('params/settlement/x', 'v1.100');
    await store().put('params/settlement/x', 'v1.200.150.BH-1234');
    expect(await store().get('params/settlement/x')).toBe('v1.200.150.BH-1234');
    expect(await store().get('params/pore_pressure')).toBeUndefined();
    const gets = fake.requests.filter((request) => request.target === 'DynamoDB_20120810.GetItem');
    for (const get of gets) expect(get.body.ConsistentRead).toBe(true);
  });

  it('signs every call with SigV4 for dynamodb in the Region, with the session token', async () => {
    await store().put('params/all', 'v1.1');
    const last = fake.requests[fake.requests.length - 1]!;
    expect(last.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(String(last.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-southeast-2\/dynamodb\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(last.headers['x-amz-security-token']).toBe('session-token');
  });

  it('fails with DynamoDB’s error type and message', async () => {
    fake.refuseNext = { status: 400, type: 'AccessDeniedException', message: 'not authorized to perform dynamodb:PutItem' };
    await expect(store().put('params/all', 'v1.2')).rejects.toThrow(
      new CursorStoreError(
        'DynamoDB PutItem on geotech-dev-poller-cursors refused: AccessDeniedException: not authorized to perform dynamodb:PutItem',
      ),
    );
    await expect(
      new DynamoDbCursorStore({ tableName: 't', region: 'ap-southeast-2', credentials, endpoint: 'http://127.0.0.1:9' }).get('p'),
    ).rejects.toThrow(/DynamoDB GetItem on t failed/);
  });
});
