import type { Client } from '@opensearch-project/opensearch';

/**
 * Fine-grained access control inside the domain: two roles scoped to the project's
 * indices and the mapping of IAM roles (backend roles) onto them and onto built-in roles.
 * Mappings of built-in roles are merged, never replaced, so the domain's master user and
 * anything mapped by hand stay mapped.
 */

export interface AccessOptions {
  readonly indexPrefix: string;
  /** IAM roles given all access (Dashboards administrators). */
  readonly adminRoleArns: readonly string[];
  /** IAM roles that read the project's indices in Dashboards. */
  readonly viewerRoleArns: readonly string[];
  /** IAM roles that write the project's indices (the processors). */
  readonly writerRoleArns: readonly string[];
}

export interface RoleDefinition {
  readonly cluster_permissions: readonly string[];
  readonly index_permissions: ReadonlyArray<{ readonly index_patterns: readonly string[]; readonly allowed_actions: readonly string[] }>;
  readonly description: string;
}

export function writerRoleName(prefix: string): string {
  return `${prefix}_writer`;
}

export function readerRoleName(prefix: string): string {
  return `${prefix}_reader`;
}

export function projectRoles(prefix: string): Record<string, RoleDefinition> {
  const indices = [`${prefix}-*`];
  return {
    [writerRoleName(prefix)]: {
      description: `Writes readings, windows and statuses to the ${prefix} indices`,
      cluster_permissions: ['cluster_composite_ops', 'indices:data/write/bulk'],
      index_permissions: [{ index_patterns: indices, allowed_actions: ['crud', 'create_index', 'indices:admin/refresh*'] }],
    },
    [readerRoleName(prefix)]: {
      description: `Reads the ${prefix} indices`,
      cluster_permissions: ['cluster_composite_ops_ro'],
      index_permissions: [{ index_patterns: indices, allowed_actions: ['read', 'indices:admin/mappings/get'] }],
    },
  };
}

/** Which backend roles each role gets: the project's roles exactly, built-in roles in addition to what they have. */
export function roleMappingPlan(options: AccessOptions): { exact: Record<string, string[]>; merged: Record<string, string[]> } {
  return {
    exact: {
      [writerRoleName(options.indexPrefix)]: [...options.writerRoleArns],
      [readerRoleName(options.indexPrefix)]: [...options.viewerRoleArns],
    },
    merged: {
      all_access: [...options.adminRoleArns],
      security_manager: [...options.adminRoleArns],
      opensearch_dashboards_user: [...options.viewerRoleArns],
    },
  };
}

interface RoleMapping {
  backend_roles?: string[];
  hosts?: string[];
  users?: string[];
  and_backend_roles?: string[];
  description?: string;
}

/** Creates or updates the project's roles and maps the IAM roles. Idempotent. */
export async function applyAccessControl(client: Client, options: AccessOptions): Promise<{ roles: string[]; mappings: string[] }> {
  const roles = projectRoles(options.indexPrefix);
  for (const [role, body] of Object.entries(roles)) {
    await client.security.createRole({ role, body: body as never });
  }
  const plan = roleMappingPlan(options);
  for (const [role, backendRoles] of Object.entries(plan.exact)) {
    await client.security.createRoleMapping({ role, body: { backend_roles: backendRoles } });
  }
  for (const [role, backendRoles] of Object.entries(plan.merged)) {
    if (backendRoles.length === 0) continue;
    const existing = await existingMapping(client, role);
    const merged = [...new Set([...(existing.backend_roles ?? []), ...backendRoles])];
    if (merged.length === (existing.backend_roles ?? []).length) continue;
    await client.security.createRoleMapping({ role, body: { ...editable(existing), backend_roles: merged } });
  }
  return {
    roles: Object.keys(roles),
    mappings: [...Object.keys(plan.exact), ...Object.keys(plan.merged).filter((role) => (plan.merged[role] ?? []).length > 0)],
  };
}

async function existingMapping(client: Client, role: string): Promise<RoleMapping> {
  try {
    const response = await client.security.getRoleMapping({ role });
    return ((response.body as Record<string, RoleMapping>)[role] ?? {}) as RoleMapping;
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return {};
    throw error;
  }
}

/** The fields of a mapping that may be sent back (the API refuses `reserved`, `hidden` and `static`). */
function editable(mapping: RoleMapping): RoleMapping {
  const { backend_roles, hosts, users, and_backend_roles, description } = mapping;
  return {
    ...(backend_roles ? { backend_roles } : {}),
    ...(hosts ? { hosts } : {}),
    ...(users ? { users } : {}),
    ...(and_backend_roles ? { and_backend_roles } : {}),
    ...(description ? { description } : {}),
  };
}
