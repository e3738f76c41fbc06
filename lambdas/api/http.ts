import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { fail } from './problems.js';

/** Request and response plumbing of the alarm API on API Gateway's payload format 2.0. */

/** The largest request body the API reads: 16 KiB (a note, or a full response plan). */
export const MAX_BODY_BYTES = 16 * 1024;

/** A JSON response. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** A header of the event, by its lower-case name (API Gateway lower-cases them in payload 2.0). */
export function header(event: APIGatewayProxyEventV2WithJWTAuthorizer, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Whether a content type is JSON: `application/json` or a `+json` type, any parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * The request body as parsed JSON: 415 unless the content type is JSON, 413 over
 * {@link MAX_BODY_BYTES}, 400 when it is empty or not JSON. API Gateway base64-encodes
 * bodies it does not take for text; both forms are read.
 */
export function readJsonBody(event: APIGatewayProxyEventV2WithJWTAuthorizer, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type');
  if (!isJsonContentType(contentType)) {
    throw fail(
      'unsupported-media-type',
      contentType === undefined
        ? 'the request has no Content-Type; send the body as JSON with "Content-Type: application/json"'
        : `the body must be JSON ("Content-Type: application/json"), not ${contentType}`,
    );
  }
  const bytes = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > maxBytes) {
    throw fail(
      'payload-too-large',
      `the body is ${bytes.length} bytes; the most this API accepts is ${maxBytes} bytes (${maxBytes / 1024} KiB)`,
    );
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw fail('invalid-request', 'the request has no body; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw fail('invalid-request', `the body is not valid JSON: ${(error as Error).message}`);
  }
}
