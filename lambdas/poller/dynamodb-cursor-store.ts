import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CursorStore } from './cursor-store.js';
import type { Credentials } from './source-auth.js';

export interface DynamoDbCursorStoreOptions {
  readonly tableName: string;
  readonly region: string;
  readonly credentials: Credentials;
  /** Default `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`, else the Region's public endpoint. */
  readonly endpoint?: string;
  /** Limit on each request, milliseconds. Default 3000. */
  readonly timeoutMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** DynamoDB refused or failed a request; the message carries its error type and text. */
export class CursorStoreError extends Error {
  override readonly name = 'CursorStoreError';
}

/** The table's key attribute (the source path) and the attribute holding the cursor. */
export const CURSOR_TABLE_KEY = 'path';
const CURSOR_ATTRIBUTE = 'cursor';

/**
 * Cursors in a DynamoDB table keyed by `path`, read with strongly consistent reads. It speaks
 * DynamoDB's JSON protocol (GetItem, PutItem) directly, SigV4-signed, so the poller bundle
 * needs no DynamoDB SDK for two calls.
 */
export class DynamoDbCursorStore implements CursorStore {
  readonly #tableName: string;
  readonly #endpoint: URL;
  readonly #signer: SignatureV4;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: DynamoDbCursorStoreOptions) {
    const endpoint =
      options.endpoint ??
      process.env.AWS_ENDPOINT_URL_DYNAMODB ??
      process.env.AWS_ENDPOINT_URL ??
      `https://dynamodb.${options.region}.amazonaws.com`;
    this.#tableName = options.tableName;
    this.#endpoint = new URL(endpoint);
    this.#signer = new SignatureV4({ service: 'dynamodb', region: options.region, credentials: options.credentials, sha256: Sha256 });
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async get(path: string): Promise<string | undefined> {
    const output = (await this.#call('GetItem', {
      TableName: this.#tableName,
      Key: { [CURSOR_TABLE_KEY]: { S: path } },
      ConsistentRead: true,
    })) as { Item?: Record<string, { S?: string }> };
    return output.Item?.[CURSOR_ATTRIBUTE]?.S;
  }

  async put(path: string, cursor: string): Promise<void> {
    await this.#call('PutItem', {
      TableName: this.#tableName,
      Item: {
        [CURSOR_TABLE_KEY]: { S: path },
        [CURSOR_ATTRIBUTE]: { S: cursor },
        updatedAt: { S: new Date().toISOString() },
      },
    });
  }

  async #call(operation: 'GetItem' | 'PutItem', input: unknown): Promise<unknown> {
    const body = JSON.stringify(input);
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: this.#endpoint.protocol,
      hostname: this.#endpoint.hostname,
      ...(this.#endpoint.port ? { port: Number(this.#endpoint.port) } : {}),
      path: this.#endpoint.pathname,
      headers: {
        host: this.#endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') headers[name] = value;
    let response: Response;
    try {
      response = await this.#fetch(this.#endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new CursorStoreError(`DynamoDB ${operation} on ${this.#tableName} failed: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let type = `HTTP ${response.status}`;
      let message = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
        type = parsed.__type?.split('#').pop() ?? type;
        message = parsed.message ?? parsed.Message ?? message;
      } catch {
        // Not JSON: keep the status and the start of the body.
      }
      throw new CursorStoreError(`DynamoDB ${operation} on ${this.#tableName} refused: ${type}: ${message}`);
    }
    return text === '' ? {} : (JSON.parse(text) as unknown);
  }
}
