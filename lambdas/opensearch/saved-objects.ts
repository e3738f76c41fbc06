import { randomUUID } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import { DEFAULT_INDEX_PREFIX } from '../realtime/config.js';

/**
 * The Dashboards saved objects (index patterns, visualisations, the dashboard), built in
 * `dashboards/definition.ts`, written as NDJSON to `dashboards/geotech.ndjson` and embedded
 * into `dashboards/saved-objects.generated.ts` so the bundled setup function carries them
 * (regenerate both with `npx tsx lambdas/opensearch/dashboards/embed.ts`). They are written
 * for the default index prefix; {@link renderSavedObjects} retargets them to another.
 */

export interface SavedObject {
  readonly type: string;
  readonly id: string;
  readonly attributes: Record<string, unknown>;
  readonly references: ReadonlyArray<{ readonly name: string; readonly type: string; readonly id: string }>;
  readonly migrationVersion?: Record<string, string>;
}

export class SavedObjectsError extends Error {
  override readonly name = 'SavedObjectsError';
}

export function parseSavedObjects(ndjson: string): SavedObject[] {
  return ndjson
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let object: unknown;
      try {
        object = JSON.parse(line);
      } catch {
        throw new SavedObjectsError(`saved objects line ${number} is not JSON`);
      }
      const candidate = object as Partial<SavedObject>;
      if (
        typeof candidate.type !== 'string' ||
        typeof candidate.id !== 'string' ||
        typeof candidate.attributes !== 'object' ||
        !Array.isArray(candidate.references)
      ) {
        throw new SavedObjectsError(`saved objects line ${number} lacks type, id, attributes or references`);
      }
      return candidate as SavedObject;
    });
}

/** The saved objects with their index patterns (titles, and the index patterns TSVB names directly) moved to `prefix`. */
export function renderSavedObjects(ndjson: string, prefix: string): string {
  if (prefix === DEFAULT_INDEX_PREFIX) return ndjson;
  const retarget = (title: unknown): unknown =>
    typeof title === 'string' && title.startsWith(`${DEFAULT_INDEX_PREFIX}-`)
      ? `${prefix}${title.slice(DEFAULT_INDEX_PREFIX.length)}`
      : title;
  return parseSavedObjects(ndjson)
    .map((object) => {
      const attributes = { ...object.attributes };
      if (object.type === 'index-pattern') attributes.title = retarget(attributes.title);
      if (object.type === 'visualization' && typeof attributes.visState === 'string') {
        const visState = JSON.parse(attributes.visState) as { params?: { index_pattern?: unknown } };
        if (visState.params && 'index_pattern' in visState.params) visState.params.index_pattern = retarget(visState.params.index_pattern);
        attributes.visState = JSON.stringify(visState);
      }
      return `${JSON.stringify({ ...object, attributes })}\n`;
    })
    .join('');
}

export interface DashboardsImportOptions {
  /** Path of Dashboards on the domain endpoint. Default `/_dashboards` (Amazon OpenSearch Service). */
  readonly basePath?: string;
}

export interface DashboardsImportResult {
  readonly imported: number;
}

/**
 * Imports saved objects through Dashboards' `api/saved_objects/_import?overwrite=true`,
 * sent through the OpenSearch client so it is signed like every other request, into the
 * global tenant so every Dashboards user sees the objects. Idempotent:
 * objects with the same ids are overwritten. Throws with Dashboards' errors if any object fails.
 */
export async function importSavedObjects(
  client: Client,
  ndjson: string,
  options: DashboardsImportOptions = {},
): Promise<DashboardsImportResult> {
  const boundary = `geotech-${randomUUID()}`;
  const body =
    `--${boundary}\r\n` +
    'Content-Disposition: form-data; name="file"; filename="geotech.ndjson"\r\n' +
    'Content-Type: application/ndjson\r\n\r\n' +
    `${ndjson}\r\n` +
    `--${boundary}--\r\n`;
  const basePath = (options.basePath ?? '/_dashboards').replace(/\/+$/, '');
  const response = await client.transport.request(
    { method: 'POST', path: `${basePath}/api/saved_objects/_import`, querystring: { overwrite: 'true' }, body },
    { headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'osd-xsrf': 'true', securitytenant: 'global' } },
  );
  const result = response.body as { success?: boolean; successCount?: number; errors?: unknown[] };
  if (!result.success) {
    throw new SavedObjectsError(
      `Dashboards refused ${result.errors?.length ?? 'some'} saved objects: ${JSON.stringify(result.errors ?? result).slice(0, 2_000)}`,
    );
  }
  return { imported: result.successCount ?? 0 };
}

/** The TypeScript module that embeds the NDJSON text. */
export function embeddedModuleSource(ndjson: string): string {
  return [
    '// Generated from geotech.ndjson by `npx tsx lambdas/opensearch/dashboards/embed.ts`; do not edit.',
    `export const SAVED_OBJECTS_NDJSON = ${JSON.stringify(ndjson)};`,
    '',
  ].join('\n');
}
