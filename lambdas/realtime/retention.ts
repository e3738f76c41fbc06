import type { Client } from '@opensearch-project/opensearch';
import { dayOfDailyIndex, readingsIndexPattern, windowsIndexPattern } from './index-names.js';

/**
 * Retention of the daily readings and windows indices. In AWS the Index State Management
 * policy deletes an index once it is older than the retention; where ISM is not installed
 * (the local integration-test distribution), {@link deleteExpiredIndices} does the same
 * by the day in the index name.
 */

/** Bumped whenever the policy's shape changes, so setup updates policies written by an older revision. */
export const RETENTION_POLICY_REVISION = 1;

export function retentionPolicyId(prefix: string): string {
  return `${prefix}-retention`;
}

export interface RetentionPolicy {
  readonly policy: {
    readonly description: string;
    readonly default_state: string;
    readonly states: ReadonlyArray<{
      readonly name: string;
      readonly actions: ReadonlyArray<Record<string, unknown>>;
      readonly transitions: ReadonlyArray<{ readonly state_name: string; readonly conditions: { readonly min_index_age: string } }>;
    }>;
    readonly ism_template: ReadonlyArray<{ readonly index_patterns: readonly string[]; readonly priority: number }>;
  };
}

/** The ISM policy: `hot` until the index is `retentionDays` old, then deleted. Attached to new daily indices by its ISM template. */
export function retentionPolicy(prefix: string, retentionDays: number): RetentionPolicy {
  if (!Number.isSafeInteger(retentionDays) || retentionDays <= 0)
    throw new RangeError(`retention must be a positive whole number of days, got ${retentionDays}`);
  return {
    policy: {
      description: `Deletes ${prefix} readings and windows indices ${retentionDays} days after they are created (revision ${RETENTION_POLICY_REVISION})`,
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${retentionDays}d` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [readingsIndexPattern(prefix), windowsIndexPattern(prefix)], priority: 100 }],
    },
  };
}

const DAY_MS = 86_400_000;

/** The daily indices whose whole day lies more than `retentionDays` before the day of `now`. */
export function expiredIndices(indexNames: readonly string[], prefix: string, retentionDays: number, now: number): string[] {
  const today = now - (now % DAY_MS);
  const oldestKept = today - retentionDays * DAY_MS;
  return indexNames.filter((name) => {
    const day = dayOfDailyIndex(prefix, name);
    return day !== null && day < oldestKept;
  });
}

/** Deletes the expired daily indices; returns their names. */
export async function deleteExpiredIndices(
  client: Client,
  prefix: string,
  retentionDays: number,
  now: number = Date.now(),
): Promise<string[]> {
  const response = await client.cat.indices({
    index: [readingsIndexPattern(prefix), windowsIndexPattern(prefix)],
    format: 'json',
    h: ['index'],
    expand_wildcards: 'open',
  });
  const names = response.body.map((row) => row.index ?? '');
  const expired = expiredIndices(names, prefix, retentionDays, now);
  if (expired.length > 0) await client.indices.delete({ index: expired });
  return expired;
}
