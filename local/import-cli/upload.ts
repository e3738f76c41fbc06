import type { ReadingsUploadResponse } from '../../lambdas/api/read-views.js';
import { AlarmApiError, errorOf, request } from '../alarms-cli/api-client.js';
import { textTable } from '../alarms-cli/format.js';

/** Sends a CSV of manual readings to `POST /readings`; the API's answer, or an {@link AlarmApiError} in its words. */
export async function uploadReadings(apiUrl: string, token: string, csv: string): Promise<ReadingsUploadResponse> {
  const response = await request(`${apiUrl}/readings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' },
    body: csv,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: errorOf reports the text as it came.
  }
  if (!response.ok) throw errorOf('POST', '/readings', response, body);
  if (typeof body !== 'object' || body === null || !('received' in body)) {
    throw new AlarmApiError(
      `the API answered POST /readings with something other than an upload result: ${text.slice(0, 200)}`,
      response.status,
      body,
    );
  }
  return body as ReadingsUploadResponse;
}

/** `readings.csv: 9998 of 10000 readings accepted, 2 rejected`, then a table of the rejected rows. */
export function formatUpload(file: string, answer: ReadingsUploadResponse): string {
  const rejected = answer.rejected.length;
  const summary = `${file}: ${answer.accepted} of ${answer.received} readings accepted${rejected > 0 ? `, ${rejected} rejected:` : ''}`;
  if (rejected === 0) return summary;
  const rows = answer.rejected.map((row) => [String(row.row), row.instrumentId ?? '', row.reason, row.field ?? '', row.detail]);
  return `${summary}\n${textTable(['ROW', 'INSTRUMENT', 'REASON', 'FIELD', 'DETAIL'], rows)}`;
}
