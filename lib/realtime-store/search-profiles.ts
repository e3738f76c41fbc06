/**
 * The shapes of the OpenSearch domain the deployment offers (`openSearchProfile`).
 *
 * - `dev`: data nodes only. Two data nodes in two zones elect their cluster manager among
 *   themselves, so when one node or zone fails the other cannot form a quorum and the domain
 *   stops taking writes: fine for development and test stages, not for a site.
 * - `production`: three dedicated master (cluster manager) nodes and data nodes in three
 *   zones, on non-burstable instances, so the domain keeps its quorum and serves through the
 *   loss of one zone.
 */

export const OPENSEARCH_PROFILE_NAMES = ['dev', 'production'] as const;
export type OpenSearchProfileName = (typeof OPENSEARCH_PROFILE_NAMES)[number];

export interface OpenSearchProfile {
  /** Data node instance type unless `openSearchInstanceType` says otherwise. */
  readonly dataInstanceType: string;
  /** Data nodes unless `openSearchInstanceCount` says otherwise. */
  readonly dataNodes: number;
  /** Dedicated master nodes (0: none). */
  readonly masterNodes: number;
  /** Their instance type unless `openSearchMasterInstanceType` says otherwise. */
  readonly masterInstanceType: string | undefined;
  /** Whether burstable (T) instance types are refused. */
  readonly refusesBurstable: boolean;
  /** Whether the data nodes must be a multiple of three (one set per zone). */
  readonly threeZones: boolean;
}

export const OPENSEARCH_PROFILES: Readonly<Record<OpenSearchProfileName, OpenSearchProfile>> = {
  dev: {
    dataInstanceType: 't3.medium.search',
    dataNodes: 2,
    masterNodes: 0,
    masterInstanceType: undefined,
    refusesBurstable: false,
    threeZones: false,
  },
  production: {
    dataInstanceType: 'm7g.large.search',
    dataNodes: 3,
    masterNodes: 3,
    masterInstanceType: 'm7g.large.search',
    refusesBurstable: true,
    threeZones: true,
  },
};

/** The domain's layout: the profile's defaults with the configured overrides. */
export interface OpenSearchLayout {
  readonly profile: OpenSearchProfileName;
  readonly dataInstanceType: string;
  readonly dataNodes: number;
  readonly masterNodes: number;
  readonly masterInstanceType: string | undefined;
  /** Availability zones the data nodes are spread over (1 without zone awareness). */
  readonly zones: 1 | 2 | 3;
}

export function openSearchLayout(settings: {
  readonly openSearchProfile: OpenSearchProfileName;
  readonly openSearchInstanceType?: string | undefined;
  readonly openSearchInstanceCount?: number | undefined;
  readonly openSearchMasterInstanceType?: string | undefined;
}): OpenSearchLayout {
  const profile = OPENSEARCH_PROFILES[settings.openSearchProfile];
  const dataNodes = settings.openSearchInstanceCount ?? profile.dataNodes;
  return {
    profile: settings.openSearchProfile,
    dataInstanceType: settings.openSearchInstanceType ?? profile.dataInstanceType,
    dataNodes,
    masterNodes: profile.masterNodes,
    masterInstanceType: profile.masterNodes > 0 ? (settings.openSearchMasterInstanceType ?? profile.masterInstanceType) : undefined,
    zones: dataNodes < 2 ? 1 : dataNodes % 3 === 0 ? 3 : 2,
  };
}

/** Whether an instance type is burstable (T family), whose CPU credits run out under sustained load. */
export function isBurstable(instanceType: string): boolean {
  return /^t\d/.test(instanceType);
}
