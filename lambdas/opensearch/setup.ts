import type { Client } from '@opensearch-project/opensearch';
import { indexTemplates } from '../realtime/index-templates.js';
import { readingsIndexPattern, windowsIndexPattern } from '../realtime/index-names.js';
import { retentionPolicy, retentionPolicyId } from '../realtime/retention.js';
import { SAVED_OBJECTS_NDJSON } from './dashboards/saved-objects.generated.js';
import { importSavedObjects, renderSavedObjects } from './saved-objects.js';
import { applyAccessControl, type AccessOptions } from './security.js';

export interface OpenSearchSetupOptions {
  readonly indexPrefix: string;
  /** Days the daily readings and windows indices are kept. */
  readonly retentionDays: number;
  /** Replicas per shard. Default 1; 0 for a single-node cluster. */
  readonly replicas?: number;
  /** Where to import the Dashboards saved objects (default: the embedded objects, into `/_dashboards`), or false to skip. */
  readonly dashboards?: false | { readonly basePath?: string; readonly ndjson?: string };
  /** IAM roles to map when the security plugin is installed. Default: none mapped. */
  readonly access?: Omit<AccessOptions, 'indexPrefix'>;
}

export type RetentionOutcome =
  { readonly policyId: string; readonly action: 'created' | 'updated' | 'unchanged' } | { readonly unavailable: string };

export interface OpenSearchSetupReport {
  readonly templates: readonly string[];
  readonly retention: RetentionOutcome;
  readonly access: { readonly roles: readonly string[]; readonly mappings: readonly string[] } | { readonly skipped: string };
  readonly dashboards: { readonly imported: number } | { readonly skipped: string };
}

const ISM_PLUGIN = 'opensearch-index-management';
const SECURITY_PLUGIN = 'opensearch-security';

/**
 * Prepares a domain for the real-time path: index templates (and their mappings on
 * indices that already exist), the ISM retention policy, access control, and the
 * Dashboards saved objects. Idempotent: running it again changes nothing that is already
 * in place. Parts whose plugin is not installed (ISM and security on the integration-test
 * distribution) are reported as unavailable rather than failing.
 */
export async function applyOpenSearchSetup(client: Client, options: OpenSearchSetupOptions): Promise<OpenSearchSetupReport> {
  const plugins = await installedPlugins(client);
  const templates = await applyIndexTemplates(client, options);
  const retention: RetentionOutcome = plugins.has(ISM_PLUGIN)
    ? await applyRetentionPolicy(client, options.indexPrefix, options.retentionDays)
    : { unavailable: `the ${ISM_PLUGIN} plugin is not installed; delete expired indices with deleteExpiredIndices` };
  const access = !options.access
    ? { skipped: 'no roles to map' }
    : plugins.has(SECURITY_PLUGIN)
      ? await applyAccessControl(client, { indexPrefix: options.indexPrefix, ...options.access })
      : { skipped: `the ${SECURITY_PLUGIN} plugin is not installed` };
  const dashboards =
    options.dashboards === false
      ? { skipped: 'Dashboards import not requested' }
      : await importSavedObjects(client, renderSavedObjects(options.dashboards?.ndjson ?? SAVED_OBJECTS_NDJSON, options.indexPrefix), {
          ...(options.dashboards?.basePath ? { basePath: options.dashboards.basePath } : {}),
        });
  return { templates, retention, access, dashboards };
}

async function installedPlugins(client: Client): Promise<Set<string>> {
  const response = await client.cat.plugins({ format: 'json' });
  return new Set((response.body as Array<{ component?: string }>).map((row) => row.component ?? ''));
}

/** Puts the index templates and adds their mappings to indices created before (additions only; a conflicting change throws). */
async function applyIndexTemplates(client: Client, options: OpenSearchSetupOptions): Promise<string[]> {
  const templates = indexTemplates(options.indexPrefix, options.replicas === undefined ? {} : { replicas: options.replicas });
  for (const template of templates) {
    await client.indices.putIndexTemplate({ name: template.name, body: template.body as never });
    await client.indices.putMapping({
      index: [...template.body.index_patterns],
      allow_no_indices: true,
      ignore_unavailable: true,
      body: { properties: template.body.template.mappings.properties } as never,
    });
  }
  return templates.map((template) => template.name);
}

/**
 * Creates the retention policy, or updates it when its description (which names the
 * retention and the policy revision) differs, then attaches it to existing daily indices
 * it does not manage yet and moves managed ones to the new version.
 */
async function applyRetentionPolicy(client: Client, prefix: string, retentionDays: number): Promise<RetentionOutcome> {
  const policyId = retentionPolicyId(prefix);
  const desired = retentionPolicy(prefix, retentionDays);
  const current = await existingPolicy(client, policyId);
  let action: 'created' | 'updated' | 'unchanged';
  if (!current) {
    await client.ism.putPolicy({ policy_id: policyId, body: desired as never });
    action = 'created';
  } else if (current.description === desired.policy.description) {
    action = 'unchanged';
  } else {
    await client.ism.putPolicy({
      policy_id: policyId,
      if_seq_no: current.seqNo,
      if_primary_term: current.primaryTerm,
      body: desired as never,
    });
    action = 'updated';
  }
  const indices = [readingsIndexPattern(prefix), windowsIndexPattern(prefix)];
  await client.ism.addPolicy({ index: indices, body: { policy_id: policyId } });
  if (action === 'updated') await client.ism.changePolicy({ index: indices, body: { policy_id: policyId } });
  return { policyId, action };
}

async function existingPolicy(
  client: Client,
  policyId: string,
): Promise<{ description: string; seqNo: number; primaryTerm: number } | null> {
  try {
    const response = await client.ism.getPolicy({ policy_id: policyId });
    const body = response.body as { _seq_no?: number; _primary_term?: number; policy?: { description?: string } };
    return { description: body.policy?.description ?? '', seqNo: body._seq_no ?? 0, primaryTerm: body._primary_term ?? 0 };
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return null;
    throw error;
  }
}
