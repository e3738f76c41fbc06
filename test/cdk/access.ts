import { permissionsOf, type TemplateJson } from './synth.js';

/**
 * What a role may do: each action it is allowed, mapped to the logical IDs of the resources
 * the statement names (sorted). A resource that names no resource of the template appears as
 * `literal:<text>`, so a wildcard or a hand-written ARN shows up in comparisons.
 */
export function accessMap(json: TemplateJson, roleLogicalId: string): Record<string, string[]> {
  const map: Record<string, Set<string>> = {};
  for (const permission of permissionsOf(json, roleLogicalId)) {
    const targets = (map[permission.action] ??= new Set());
    for (const resource of permission.resources) {
      const referenced = referencedLogicalIds(json, resource);
      if (referenced.length === 0) targets.add(`literal:${resource}`);
      for (const id of referenced) targets.add(id);
    }
  }
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, targets]) => [action, [...targets].sort()]),
  );
}

/** Builds an expected access map from action lists, sorting as {@link accessMap} does. */
export function access(entries: readonly [readonly string[], readonly string[]][]): Record<string, string[]> {
  const map: Record<string, Set<string>> = {};
  for (const [actions, targets] of entries) {
    for (const action of actions) for (const target of targets) (map[action] ??= new Set()).add(target);
  }
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, targets]) => [action, [...targets].sort()]),
  );
}

/** Logical IDs of template resources that a JSON fragment refers to with Ref or Fn::GetAtt. */
export function referencedLogicalIds(json: TemplateJson, fragment: string): string[] {
  const ids = new Set<string>();
  for (const match of fragment.matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"/g)) {
    const id = match[1] ?? match[2];
    if (id && id in json.Resources) ids.add(id);
  }
  return [...ids];
}
