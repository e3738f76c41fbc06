import type { ConfigProblem } from '../../lambdas/shared/config-error.js';
import type { PipelineConfig } from '../config.js';
import { QUICKSIGHT_PRINCIPAL } from './keys.js';
import { isBurstable, OPENSEARCH_PROFILES, openSearchLayout } from '../realtime-store/search-profiles.js';
import {
  atLeastMinimumOfMajor,
  AUTO_PAUSE_MINIMUM_VERSIONS,
  DATA_API_MINIMUM_VERSIONS,
  DATA_API_UNAVAILABLE_REGIONS,
} from './service-options.js';

/**
 * The rules that involve more than one key, checked once every key is valid on its own.
 * They are the deployment's only checks of these combinations: the stack relies on them.
 */
export function crossKeyProblems(config: PipelineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (key: keyof PipelineConfig, message: string) => problems.push({ key, message });
  if (config.streamMode === 'on-demand' && config.shardCount !== undefined) {
    problem('shardCount', 'applies only to a provisioned stream; also set streamMode=provisioned, or leave shardCount unset');
  }
  if (config.stream === 'msk' && config.shardCount !== undefined) {
    problem('shardCount', 'applies only to a Kinesis stream; with stream=msk set mskPartitions instead');
  }
  if (config.stream === 'msk' && config.maxRecordAgeSeconds > config.mskRetentionHours * 3600) {
    problem(
      'maxRecordAgeSeconds',
      `must not exceed the topic retention (mskRetentionHours=${config.mskRetentionHours}, i.e. ${config.mskRetentionHours * 3600} s)`,
    );
  }
  if (config.stream === 'kinesis' && config.maxRecordAgeSeconds > config.streamRetentionHours * 3600) {
    problem(
      'maxRecordAgeSeconds',
      `must not exceed the stream retention (streamRetentionHours=${config.streamRetentionHours}, i.e. ${config.streamRetentionHours * 3600} s)`,
    );
  }
  if (config.auroraMinCapacity > config.auroraMaxCapacity) {
    problem('auroraMinCapacity', `must not exceed auroraMaxCapacity (${config.auroraMaxCapacity})`);
  }
  if (!atLeastMinimumOfMajor(config.auroraEngineVersion, DATA_API_MINIMUM_VERSIONS)) {
    problem(
      'auroraEngineVersion',
      `${config.auroraEngineVersion} has no RDS Data API on Aurora Serverless v2; use at least ${Object.values(DATA_API_MINIMUM_VERSIONS).join(', ')} of its major version`,
    );
  }
  if (config.auroraMinCapacity === 0 && !atLeastMinimumOfMajor(config.auroraEngineVersion, AUTO_PAUSE_MINIMUM_VERSIONS)) {
    problem(
      'auroraMinCapacity',
      `0 (auto-pause) needs Aurora PostgreSQL ${Object.values(AUTO_PAUSE_MINIMUM_VERSIONS).join(', ')} or later of its major version; auroraEngineVersion is ${config.auroraEngineVersion}`,
    );
  }
  if (config.sourceBaseUrl !== undefined && config.simulator) {
    problem('sourceBaseUrl', 'is set while simulator=true; the simulator is the source when it is on, so also set simulator=false');
  }
  if (config.sourceBaseUrl === undefined && !config.simulator) {
    problem('sourceBaseUrl', 'is required when simulator=false (the poller needs a source API)');
  }
  if (config.dashboardsDomainPrefix === undefined && /aws|amazon|cognito/.test(config.env)) {
    problem(
      'dashboardsDomainPrefix',
      `is required when env contains "aws", "amazon" or "cognito" (env=${config.env}): the default geotech-<env>-<account> would be refused by Cognito`,
    );
  }
  if (config.sourceApiKeyKmsKeyArn !== undefined && config.sourceApiKeySecretName === undefined) {
    problem('sourceApiKeyKmsKeyArn', 'applies only to the source API key secret; also set sourceApiKeySecretName');
  }
  if (config.sourceApiKeySecretName !== undefined && config.simulator) {
    problem('sourceApiKeySecretName', 'applies only to a real source; the simulator is reached with IAM (SigV4) auth');
  }
  if ((config.consoleDomainName === undefined) !== (config.consoleCertificateArn === undefined)) {
    problem(
      config.consoleDomainName === undefined ? 'consoleDomainName' : 'consoleCertificateArn',
      'consoleDomainName and consoleCertificateArn go together: the site console is served on its own name only with a certificate for it',
    );
  }
  const unavailable = config.region === undefined ? undefined : DATA_API_UNAVAILABLE_REGIONS[config.region];
  if (unavailable !== undefined) {
    problem(
      'region',
      `${config.region} (${unavailable}) has no RDS Data API for Aurora PostgreSQL Serverless v2, which every batch store client uses; choose another Region`,
    );
  }
  problems.push(
    ...openSearchProblems(config),
    ...productionProblems(config),
    ...quicksightProblems(config),
    ...escalationContactProblems(config),
  );
  return problems;
}

/** The production profile's promises: three zones, non-burstable nodes; master settings only where there are masters. */
function openSearchProblems(config: PipelineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const profile = OPENSEARCH_PROFILES[config.openSearchProfile];
  const layout = openSearchLayout(config);
  if (profile.masterNodes === 0 && config.openSearchMasterInstanceType !== undefined) {
    problems.push({
      key: 'openSearchMasterInstanceType',
      message: `applies only to openSearchProfile=production (the ${config.openSearchProfile} profile has no dedicated masters)`,
    });
  }
  if (profile.threeZones && layout.dataNodes % 3 !== 0) {
    problems.push({
      key: 'openSearchInstanceCount',
      message: `must be a multiple of 3 with openSearchProfile=production, one set of data nodes per zone (got ${layout.dataNodes})`,
    });
  }
  if (profile.refusesBurstable) {
    for (const [key, type] of [
      ['openSearchInstanceType', layout.dataInstanceType],
      ['openSearchMasterInstanceType', layout.masterInstanceType],
    ] as const) {
      if (type !== undefined && isBurstable(type)) {
        problems.push({
          key,
          message: `${type} is burstable: its CPU credits run out under sustained load; openSearchProfile=production needs a current general-purpose or memory-optimised type such as m7g.large.search`,
        });
      }
    }
  }
  return problems;
}

/** A stage marked production must reach people and keep its search quorum. */
function productionProblems(config: PipelineConfig): ConfigProblem[] {
  if (!config.production) return [];
  const problems: ConfigProblem[] = [];
  if (config.alertEmails.length === 0 && config.alertSms.length === 0) {
    problems.push({
      key: 'alertEmails',
      message: 'production=true needs someone to receive trigger-level alerts: set alertEmails or alertSms',
    });
  }
  if (config.opsEmails.length === 0) {
    problems.push({ key: 'opsEmails', message: 'production=true needs someone to receive the operations alarms: set opsEmails' });
  }
  if (config.openSearchProfile !== 'production') {
    problems.push({
      key: 'openSearchProfile',
      message: 'production=true needs openSearchProfile=production: the dev profile loses its quorum when one node or zone fails',
    });
  }
  return problems;
}

/**
 * Each contact names a tier the stage has, and subscribes its address to that tier once:
 * SNS keeps one subscription per address and topic and refuses a second one with another
 * filter, so a second entry for the same tier (or a tier 1 entry for an address that
 * `alertEmails` or `alertSms` already subscribes for every level) cannot be deployed.
 */
function escalationContactProblems(config: PipelineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstEntry = new Map<string, number>();
  const everyLevelOnTier1 = new Map<string, 'alertEmails' | 'alertSms'>([
    ...config.alertEmails.map((address) => [address.toLowerCase(), 'alertEmails'] as const),
    ...config.alertSms.map((number) => [number, 'alertSms'] as const),
  ]);
  config.escalationContacts.forEach((contact, index) => {
    const key = `escalationContacts[${index}]`;
    if (contact.tier > config.escalationTiers) {
      problems.push({
        key,
        message: `names tier ${contact.tier} but escalationTiers is ${config.escalationTiers}; raise escalationTiers or give the contact a tier from 1 to ${config.escalationTiers}`,
      });
      return;
    }
    const address = contact.protocol === 'email' ? contact.endpoint.toLowerCase() : contact.endpoint;
    const subscribedBy = contact.tier === 1 ? everyLevelOnTier1.get(address) : undefined;
    if (subscribedBy !== undefined) {
      problems.push({
        key,
        message: `subscribes ${contact.endpoint} to tier 1, which ${subscribedBy} already subscribes for every level; keep one of the two`,
      });
      return;
    }
    const earlier = firstEntry.get(`${contact.tier}:${address}`);
    if (earlier !== undefined) {
      problems.push({
        key,
        message: `subscribes ${contact.endpoint} to tier ${contact.tier} again (as escalationContacts[${earlier}] does); give an address one entry per tier, its levels joined by +`,
      });
      return;
    }
    firstEntry.set(`${contact.tier}:${address}`, index);
  });
  return problems;
}

/**
 * The QuickSight principals must live where QuickSight keeps the account's users: in the
 * identity Region (quicksightRegion, else the stack's Region when it is bound to one) and in
 * the stack's account.
 */
function quicksightProblems(config: PipelineConfig): ConfigProblem[] {
  if (config.quicksightPrincipals.length === 0) {
    return config.quicksightRegion === undefined
      ? []
      : [
          {
            key: 'quicksightRegion',
            message: 'applies only to QuickSight reporting; also set quicksightPrincipals, or leave quicksightRegion unset',
          },
        ];
  }
  const identityRegion = config.quicksightRegion ?? config.region;
  const regionSource = config.quicksightRegion !== undefined ? 'quicksightRegion' : 'region';
  const problems: ConfigProblem[] = [];
  config.quicksightPrincipals.forEach((arn, index) => {
    const [, , region, , account] = QUICKSIGHT_PRINCIPAL.exec(arn) ?? [];
    const key = `quicksightPrincipals[${index}]`;
    if (identityRegion !== undefined && region !== identityRegion) {
      problems.push({
        key,
        message: `names Region ${region} but ${regionSource} is ${identityRegion}; QuickSight principals live in the account's QuickSight identity Region (set quicksightRegion to it)`,
      });
    }
    if (config.account !== undefined && account !== config.account) {
      problems.push({ key, message: `names account ${account} but the stack deploys to account ${config.account}` });
    }
  });
  return problems;
}
