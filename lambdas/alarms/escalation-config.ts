import * as z from 'zod/mini';
import { timeZoneName } from '../db/site-settings.js';
import { DEFAULT_ESCALATION_POLICY, MAX_REMINDER_INTERVAL_MINUTES, MAX_TIERS, type EscalationPolicy } from '../domain/escalation.js';
import { DEFAULT_SITE_TIME_ZONE } from '../domain/site-time.js';
import { ConfigError } from '../shared/config-error.js';
import {
  dataApiTargetVariables,
  httpUrl,
  parseEnvironment,
  requiredText,
  unsetWhenBlank,
  wholeNumber,
  type Environment,
} from '../shared/environment.js';

/** The escalation function's settings, from the variables the stack sets. */
export interface EscalationConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
  /** SNS topic of each tier, tier 1 first. */
  readonly topicArns: readonly string[];
  readonly policy: EscalationPolicy;
  readonly siteTimeZone: string;
  /** Base URL of the alarms API, for the link to acknowledge. */
  readonly acknowledgeUrl: string;
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const topicArnList = requiredText('the SNS topic ARN of each tier, tier 1 first, comma-separated').check(
  z.check((ctx) => {
    const arns = ctx.value.split(',').map((arn) => arn.trim());
    const bad = arns.filter((arn) => !SNS_TOPIC_ARN.test(arn));
    if (bad.length > 0)
      ctx.issues.push({
        code: 'custom',
        message: `must be SNS topic ARNs separated by commas; not one: ${bad.map((arn) => JSON.stringify(arn)).join(', ')}`,
        input: ctx.value,
      });
  }),
);

/**
 * ESCALATION_TIERS (default 3) and REMINDER_INTERVAL_MINUTES (default 30): the escalation
 * policy, read the same way by the escalation function and the alarm API function.
 */
export const ESCALATION_POLICY_VARIABLES = {
  ESCALATION_TIERS: unsetWhenBlank(z._default(wholeNumber('tiers', 1, MAX_TIERS), DEFAULT_ESCALATION_POLICY.tiers)),
  REMINDER_INTERVAL_MINUTES: unsetWhenBlank(
    z._default(wholeNumber('minutes', 0, MAX_REMINDER_INTERVAL_MINUTES), DEFAULT_ESCALATION_POLICY.reminderIntervalMinutes),
  ),
};

/** SITE_TIME_ZONE: the site's IANA zone (default Australia/Melbourne), for times on the site's clock. */
export const SITE_TIME_ZONE_VARIABLE = unsetWhenBlank(z._default(timeZoneName(), DEFAULT_SITE_TIME_ZONE));

const EnvironmentSchema = z.object({
  ...dataApiTargetVariables,
  ESCALATION_TOPIC_ARNS: topicArnList,
  ...ESCALATION_POLICY_VARIABLES,
  SITE_TIME_ZONE: SITE_TIME_ZONE_VARIABLE,
  ACKNOWLEDGE_URL: httpUrl('the alarms API, where notifications send people to acknowledge'),
});

const SUBJECT = 'escalation function environment';

/** Throws ConfigError naming every variable that is missing or malformed, and a tier count with no topic for some tier. */
export function readEscalationConfig(env: Environment): EscalationConfig {
  const e = parseEnvironment(EnvironmentSchema, env, SUBJECT);
  const topicArns = e.ESCALATION_TOPIC_ARNS.split(',').map((arn) => arn.trim());
  if (topicArns.length < e.ESCALATION_TIERS)
    throw new ConfigError(SUBJECT, [
      {
        key: 'ESCALATION_TIERS',
        message: `is ${e.ESCALATION_TIERS}, but ESCALATION_TOPIC_ARNS names ${topicArns.length} topic(s): every tier needs a topic`,
      },
    ]);
  return {
    clusterArn: e.DB_CLUSTER_ARN,
    secretArn: e.DB_SECRET_ARN,
    database: e.DB_NAME,
    topicArns,
    policy: { tiers: e.ESCALATION_TIERS, reminderIntervalMinutes: e.REMINDER_INTERVAL_MINUTES },
    siteTimeZone: e.SITE_TIME_ZONE,
    acknowledgeUrl: e.ACKNOWLEDGE_URL.replace(/\/+$/, ''),
  };
}
