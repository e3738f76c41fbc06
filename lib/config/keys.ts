import { z } from 'zod';
import { DEFAULT_SITE_TIME_ZONE } from '../../lambdas/domain/site-time.js';
import { OPENSEARCH_PROFILE_NAMES, OPENSEARCH_PROFILES } from '../realtime-store/search-profiles.js';
import { AUTO_PAUSE_MINIMUM_VERSIONS } from './service-options.js';
import { STAGE_NAME } from './stack-name.js';
import {
  auroraPostgresVersion,
  averagingWindowSeconds,
  blankToUndefined,
  boolean,
  cidr,
  E164_NUMBER,
  email,
  escalationContact,
  halfSteps,
  httpsUrl,
  list,
  logRetentionDays,
  MAX_ESCALATION_TIERS,
  oneOf,
  openSearchVersion,
  refined,
  text,
  textOrNumber,
  timeZone,
  wholeNumber,
  type ValueKind,
} from './values.js';

/**
 * Every deployment configuration key, in documentation order: how its value is read and
 * checked, its default, and what it means. The schema, the defaults, the key list and the
 * configuration table of lib/README.md are all derived from this one table; rules between
 * keys are in ../config.ts.
 */

export const STREAM_MODES = ['on-demand', 'provisioned'] as const;
export type StreamModeName = (typeof STREAM_MODES)[number];

/** What carries the readings from the poller to the processors: a Kinesis data stream or an MSK Serverless topic. */
export const STREAM_KINDS = ['kinesis', 'msk'] as const;
export type StreamKindName = (typeof STREAM_KINDS)[number];

/** What the documentation says about a key. */
interface KeyDocs {
  /** What the key sets, in Markdown. */
  readonly description: string;
  /** Follows the default (or "unset") in the documentation: what it means or what happens without one. */
  readonly note?: string;
  /** A limit set by another key (checked by loadConfig), added to what the value kind accepts. */
  readonly limit?: string;
}

export interface KeyDefinition<S extends z.ZodType = z.ZodType> {
  /** Reads the context value; unset or blank takes the default. */
  readonly schema: S;
  /** The value when the key is unset; `undefined` for a key that may stay unset. */
  readonly default: z.output<S>;
  /** What the key accepts, in Markdown. */
  readonly accepts: string;
  readonly description: string;
  readonly note: string | undefined;
}

/** A key with a default. */
function key<T extends NonNullable<unknown>>(kind: ValueKind<T>, fallback: NoInfer<T>, docs: KeyDocs) {
  return definition(z.preprocess(blankToUndefined, kind.schema.default(fallback as z.util.NoUndefined<T>)), fallback, kind, docs);
}

/** A key without a default: unset is a meaningful choice, given by the note. */
function optionalKey<T>(kind: ValueKind<T>, docs: KeyDocs) {
  return definition(z.preprocess(blankToUndefined, kind.schema.optional()), undefined, kind, docs);
}

function definition<S extends z.ZodType>(schema: S, fallback: z.output<S>, kind: ValueKind<unknown>, docs: KeyDocs): KeyDefinition<S> {
  return {
    schema,
    default: fallback,
    accepts: docs.limit === undefined ? kind.accepts : `${kind.accepts}, ${docs.limit}`,
    description: docs.description,
    note: docs.note,
  };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A QuickSight user or group: `arn:<partition>:quicksight:<identity Region>:<account>:(user|group)/<namespace>/<name>`. */
export const QUICKSIGHT_PRINCIPAL = /^arn:aws(-[a-z]+)*:quicksight:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):(user|group)\/[\w.-]+\/[\w+=,.@/-]+$/;

const regionCode = (example: string) => text(REGION, `must be an AWS Region code such as ${example}`, 'Region code');

export const CONFIG_KEY_DEFINITIONS = {
  env: key(
    text(
      STAGE_NAME,
      'must be 1-16 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen',
      '1–16 lowercase letters, digits, hyphens',
    ),
    'dev',
    { description: 'Stage name: the stack is `GeotechMonitoring-<env>`, resources are named `geotech-<env>-…`' },
  ),
  production: key(boolean(), false, {
    description:
      'Marks a stage that serves a real site: the synth refuses it while `alertEmails` and `alertSms` are both empty or `opsEmails` is empty (for any other stage it warns), and with `openSearchProfile=dev`',
  }),
  account: optionalKey(text(/^\d{12}$/, 'must be a 12-digit AWS account ID', '12 digits'), {
    note: 'environment-agnostic',
    description: 'Account the stack is bound to',
  }),
  region: optionalKey(regionCode('ap-southeast-2'), { note: 'environment-agnostic', description: 'Region the stack is bound to' }),

  sourceBaseUrl: optionalKey(httpsUrl(), {
    description: 'Base URL of the real source API; required when `simulator=false`, refused when it is `true`',
  }),
  sourceApiKeySecretName: optionalKey(
    text(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)', 'Secrets Manager secret name'),
    {
      note: 'no key',
      description:
        'Existing secret holding the source API key (sent as `x-api-key`); the poller reads it at run time. Encrypted with the `aws/secretsmanager` key, or with a customer managed key named by `sourceApiKeyKmsKeyArn`',
    },
  ),
  sourceApiKeyKmsKeyArn: optionalKey(
    text(
      /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[0-9a-f-]{36}$/,
      'must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id>',
      'KMS key ARN',
    ),
    {
      note: 'the secret uses the `aws/secretsmanager` key',
      description:
        "The customer managed key the source API key's secret is encrypted with: the poller may `kms:Decrypt` with it through Secrets Manager only; only with `sourceApiKeySecretName`",
    },
  ),
  pollIntervalSeconds: key(wholeNumber(1, 30), 10, { description: 'Time between polls within a poller invocation' }),
  sourceHistoryMode: key(oneOf(['auto', 'on', 'off'] as const), 'auto', {
    description:
      "The poller's history mode (`?since=` pages, cursors in a DynamoDB table): `auto` where the source's answers carry a `next` cursor, `on` required, `off` snapshots only",
  }),
  sourceInitialLookback: optionalKey(
    text(
      /^(\d+|[\w/*.-]+=\d+(,[\w/*.-]+=\d+)*)$/,
      'must be seconds, or path=seconds entries separated by commas',
      'seconds or path=seconds,…',
    ),
    {
      note: 'per path: 12 h 10 min of settlement markers, minutes of the others',
      description: 'How far back a first start back-fills in history mode (`INITIAL_LOOKBACK_SECONDS` of the poller)',
    },
  ),

  stream: key(oneOf(STREAM_KINDS), 'kinesis', {
    description:
      'What carries the readings from the poller to the processors: a Kinesis data stream, or a topic on an MSK Serverless cluster in the VPC (the poller then runs in the VPC behind a NAT gateway; see [Stream: Kinesis or MSK](#stream-kinesis-or-msk))',
  }),
  streamMode: key(oneOf(STREAM_MODES), 'on-demand', { description: 'Kinesis capacity mode; only with `stream=kinesis`' }),
  shardCount: optionalKey(wholeNumber(1, 1000), {
    note: '`1` when provisioned',
    description: 'Shards of a provisioned stream; only with `streamMode=provisioned`',
  }),
  streamRetentionHours: key(wholeNumber(24, 8760), 168, {
    description:
      'How long records stay in the stream: the time there is to redrive a failed batch or replay a range (see [Retention](#retention-and-recovery))',
  }),

  mskPartitions: key(wholeNumber(1, 2400), 6, {
    description:
      'Partitions of the readings topic with `stream=msk`: the most invocations each processor runs at once, and a partition-hour charge each',
  }),
  mskRetentionHours: key(wholeNumber(24, 8760), 168, {
    limit: 'at least the largest record age (`maxRecordAgeSeconds`) with `stream=msk`',
    description:
      'How long the readings topic keeps records with `stream=msk` (its `retention.ms`): the time there is to redrive a failed batch or replay a range, as `streamRetentionHours` is for Kinesis',
  }),

  windowSeconds: key(averagingWindowSeconds(), 10, {
    description: "Event-time window the processors average each instrument's readings over (`WINDOW_SECONDS`)",
  }),
  tumblingWindowSeconds: key(wholeNumber(1, 900), 60, {
    description:
      "Lambda tumbling window of both event source mappings: how long a window's state is carried between invocations before its final invocation writes the aggregates",
  }),
  allowedLatenessSeconds: key(wholeNumber(0, 3600), 30, {
    description:
      "How late a reading may arrive after its window closes and still count for the window's trigger evaluation (batch processor, `ALLOWED_LATENESS_SECONDS`)",
  }),
  lateHorizonHours: key(wholeNumber(1, 24 * 90), 168, {
    description:
      "How far before an instrument's latest judged window a back-filled or late window is still judged, re-evaluating the instrument's status sequence from there; older windows are stored but not judged (batch processor, `LATE_HORIZON_SECONDS`)",
  }),
  batchSize: key(wholeNumber(1, 10_000), 500, { description: 'Most records per processor invocation' }),
  maxBatchingWindowSeconds: key(wholeNumber(0, 300), 5, { description: 'Longest wait to fill a batch' }),
  retryAttempts: key(wholeNumber(0, 10_000), 3, {
    description: 'Retries of a failing batch (each bisects it) before it goes to the on-failure queue',
  }),
  maxRecordAgeSeconds: key(wholeNumber(60, 604_800), 518_400, {
    limit: 'at most the retention',
    description:
      'Records older than this go to the on-failure queue unprocessed; the default, 6 days, leaves a day of the default retention to redrive them',
  }),

  auroraEngineVersion: key(auroraPostgresVersion(), '16.13', {
    description:
      'Engine version; the default is the newest 16.x aws-cdk-lib offers, pinned so an upgrade of the library never upgrades the database',
  }),
  auroraMinCapacity: key(halfSteps(0, 256), 0.5, {
    description: `Serverless v2 minimum ACU; \`0\` lets the writer pause when idle (needs ${Object.values(AUTO_PAUSE_MINIMUM_VERSIONS)
      .map((version) => `${version}+`)
      .join(', ')})`,
  }),
  auroraMaxCapacity: key(halfSteps(1, 256), 4, { description: 'Serverless v2 maximum ACU' }),
  auroraReaders: key(wholeNumber(0, 15), 0, {
    description:
      "Serverless v2 readers besides the writer, in the VPC's other zone: a failover target, so a zone outage costs a failover rather than a restore (the first reader scales with the writer). With readers the writer is pinned to the first zone: on an existing stage whose writer runs in the other, CloudFormation replaces it (a failover of a few minutes)",
  }),
  backupRetentionDays: key(wholeNumber(1, 35), 7, { description: 'Automated backup retention' }),
  deletionProtection: key(boolean(), true, {
    description:
      'Stack termination protection, Aurora deletion protection, Cognito deletion protection, and retention of the stream, domain, user pool, keys, queues, database logs and OpenSearch audit log when they leave the stack',
  }),

  openSearchEngineVersion: key(openSearchVersion(), '2.19', { description: 'Domain engine version' }),
  openSearchProfile: key(oneOf(OPENSEARCH_PROFILE_NAMES), 'dev', {
    description:
      '`dev`: data nodes only (two by default), which lose quorum when a node or zone fails; `production`: three dedicated master nodes and data nodes in three zones (a multiple of three), non-burstable instances',
  }),
  openSearchInstanceType: optionalKey(
    refined(
      text(
        /^[a-z][a-z0-9-]*\.[a-z0-9]+\.search$/,
        'must be an OpenSearch instance type such as t3.medium.search or m7g.large.search',
        '`<family>.<size>.search`, not t2',
      ),
      (type) => !type.startsWith('t2.'),
      't2 instances do not support encryption at rest; choose t3 or a current generation',
    ),
    {
      note: `the profile's: \`${OPENSEARCH_PROFILES.dev.dataInstanceType}\` (dev), \`${OPENSEARCH_PROFILES.production.dataInstanceType}\` (production)`,
      description: 'Data node instance type; the production profile refuses burstable (t3) types',
    },
  ),
  openSearchInstanceCount: optionalKey(wholeNumber(1, 80), {
    note: `the profile's: \`${OPENSEARCH_PROFILES.dev.dataNodes}\` (dev), \`${OPENSEARCH_PROFILES.production.dataNodes}\` (production)`,
    description:
      'Data nodes; two or more are spread over two zones (three when a multiple of three); the production profile needs a multiple of three',
  }),
  openSearchMasterInstanceType: optionalKey(
    text(
      /^[a-z][a-z0-9-]*\.[a-z0-9]+\.search$/,
      'must be an OpenSearch instance type such as m7g.large.search',
      '`<family>.<size>.search`, not burstable',
    ),
    {
      note: `\`${OPENSEARCH_PROFILES.production.masterInstanceType}\` with the production profile`,
      description: 'Instance type of the three dedicated master nodes; only with `openSearchProfile=production`',
    },
  ),
  openSearchVolumeSizeGiB: key(wholeNumber(10, 16_384), 20, { description: 'gp3 volume per data node' }),
  openSearchRetentionDays: key(wholeNumber(1, 3650), 30, {
    description: 'How long the daily indices are kept (ISM policy, applied by the setup resource)',
  }),
  openSearchIndexPrefix: key(
    text(
      /^[a-z][a-z0-9-]{0,31}$/,
      'must be 1-32 lowercase letters, digits or hyphens, starting with a letter',
      '1–32 lowercase letters, digits, hyphens',
    ),
    'geotech',
    { description: 'Prefix of every index, template and policy' },
  ),
  dashboardsDomainPrefix: optionalKey(
    text(
      /^(?!.*(aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be 1-63 lowercase letters, digits or hyphens, not containing "aws", "amazon" or "cognito"',
      '1–63 lowercase letters, digits, hyphens, without `aws`, `amazon`, `cognito`',
    ),
    { note: '`geotech-<env>-<account id>`', description: 'Cognito hosted sign-in domain prefix' },
  ),
  dashboardsAllowedCidrs: key(list(cidr(), 'IPv4 or IPv6 CIDR blocks', 'CIDR blocks, e.g. `203.0.113.0/24`'), [], {
    note: 'from anywhere',
    description:
      "Where signed-in engineers may reach Dashboards from: the domain's access policy lets the Dashboards roles in from these addresses only (`aws:SourceIp`)",
  }),
  consoleDomainName: optionalKey(
    text(
      /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'must be a lowercase DNS name such as console.site.example.com',
      'DNS name',
    ),
    {
      note: "the distribution's own `*.cloudfront.net` name",
      description:
        'Domain name the site console is served on, with `consoleCertificateArn`; the distribution then refuses viewers below TLS 1.2 (its own name allows TLS 1.0). Point the name at the `ConsoleDistributionDomain` output (CNAME or Route 53 alias)',
    },
  ),
  consoleCertificateArn: optionalKey(
    text(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
      'must be the ARN of an ACM certificate in us-east-1 (CloudFront takes certificates from there only)',
      'ACM certificate ARN in `us-east-1`',
    ),
    { note: 'none', description: 'Certificate for `consoleDomainName`, issued by ACM in `us-east-1`' },
  ),

  siteTimeZone: key(timeZone(), DEFAULT_SITE_TIME_ZONE, {
    description:
      "The site's time zone: the report views' days (daily summary, completeness) are its local days, of 23 or 25 hours on a daylight-saving change, and the QuickSight dashboard shows its time; timestamps stay UTC. The schema migration resource writes it to `report_settings` whenever it or the migrations change",
  }),

  alertEmails: key(list(email(), 'email addresses'), [], {
    description: 'Subscribed by email to tier 1 of the alarm notifications (the alert topic), every level',
  }),
  alertSms: key(
    list(
      text(E164_NUMBER, 'must be a phone number in E.164 form, e.g. +61400000000', 'E.164 number'),
      'E.164 phone numbers',
      'E.164 numbers, e.g. `+61400000000`',
    ),
    [],
    { description: 'Subscribed by SMS to tier 1 of the alarm notifications (the alert topic), every level' },
  ),
  escalationTiers: key(wholeNumber(1, MAX_ESCALATION_TIERS), 3, {
    description:
      "Tiers of contacts an unacknowledged alarm escalates to, one SNS topic each (tier 1 is the alert topic): tier *k* is notified (*k*−1) × the level's response-plan time limit after the alarm reached the level, once per level (`ESCALATION_TIERS` of the escalation function and the alarm API)",
  }),
  reminderIntervalMinutes: key(wholeNumber(0, 1440), 30, {
    description:
      'How often an open alarm that is still unacknowledged is notified again, to every tier notified so far; `0` sends no reminders (`REMINDER_INTERVAL_MINUTES`)',
  }),
  escalationContacts: key(list(escalationContact(), 'escalation contacts', escalationContact().accepts), [], {
    limit: 'a tier at most `escalationTiers`',
    description:
      "Contacts per tier and level, each subscribed to its tier's topic with a filter policy on the notification's `level` attribute, so it hears only of those levels; tier 1 also reaches `alertEmails` and `alertSms` for every level",
  }),
  opsEmails: key(list(email(), 'email addresses'), [], { description: 'Subscribed to the operations topic the alarms notify' }),

  simulator: key(boolean(), true, { description: 'Deploy the simulated source and poll it (`SOURCE_AUTH=iam`)' }),
  simulatorSeed: key(textOrNumber(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits or _.-', '1–64 letters, digits, `_.-`'), 'geotech', {
    description: 'Seed of the simulated fleet',
  }),

  metricsNamespace: key(
    text(/^[\w.#:/-]{1,255}$/, 'must be a CloudWatch namespace: 1-255 letters, digits or .-_/#:', 'CloudWatch namespace'),
    'GeotechMonitoring',
    {
      description: 'Namespace of the Powertools metrics; give stages that share an account their own (e.g. `GeotechMonitoring/dev`)',
    },
  ),
  logRetentionDays: key(logRetentionDays(), 30, { description: 'Retention of every log group' }),

  quicksightPrincipals: key(
    list(
      text(
        QUICKSIGHT_PRINCIPAL,
        'must be a QuickSight user or group ARN, arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> or …:group/<namespace>/<name> (IAM ARNs are not QuickSight principals)',
        'QuickSight user or group ARN',
      ),
      'QuickSight user or group ARNs',
      'QuickSight user or group ARNs, `arn:aws:quicksight:<region>:<account>:user/default/<name>` or `…:group/default/<name>`',
    ),
    [],
    {
      note: 'QuickSight off',
      description:
        "Turns on [QuickSight reporting](#quicksight-opt-in) and shares the data source, datasets and dashboard with these principals; each must be in the stack's account (when `account` is set) and in `quicksightRegion`",
    },
  ),
  quicksightRegion: optionalKey(regionCode('us-east-1'), {
    note: "the stack's Region",
    description:
      "The account's QuickSight identity Region, where its users and groups live (the Region in the principals' ARNs); only with `quicksightPrincipals`. The reporting assets are always created in the stack's Region",
  }),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEY_DEFINITIONS;
