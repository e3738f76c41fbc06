import * as z from 'zod/mini';
import { ESCALATION_POLICY_VARIABLES, SITE_TIME_ZONE_VARIABLE } from '../alarms/escalation-config.js';
import type { EscalationPolicy } from '../domain/escalation.js';
import { dataApiTargetVariables, parseEnvironment, type Environment } from '../shared/environment.js';
import { kafkaConnectionVariables } from '../kafka/connection.js';
import { streamNameVariable } from '../poller/config.js';
import { READ_API_VARIABLES, readApiConfigOf, type ReadApiConfig } from './read-api.js';

/** The API function's settings, from the variables the stack sets. */
export interface ApiConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
  /** The escalation function's policy, so an alarm's escalation clock is the one it runs. */
  readonly policy: EscalationPolicy;
  readonly siteTimeZone: string;
  /** The read API's: the reading stream manual readings go to, the window length, the clock skew. */
  readonly readings: ReadApiConfig;
}

const EnvironmentSchema = z.object({
  ...dataApiTargetVariables,
  ...ESCALATION_POLICY_VARIABLES,
  SITE_TIME_ZONE: SITE_TIME_ZONE_VARIABLE,
  ...READ_API_VARIABLES,
});

/**
 * DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME (`geotech`), ESCALATION_TIERS (3),
 * REMINDER_INTERVAL_MINUTES (30) and SITE_TIME_ZONE (Australia/Melbourne), checked as the
 * escalation function checks them; STREAM_NAME, WINDOW_SECONDS (10) and
 * MAX_FUTURE_SKEW_SECONDS (60) for the read API. Throws ConfigError naming every variable at fault.
 */
export function readApiConfig(env: Environment): ApiConfig {
  const subject = 'alarm API function environment';
  // The stream's own variables join the schema (as the poller's do), so every missing variable is named at once.
  const schema =
    env.STREAM_KIND?.trim() === 'kafka'
      ? z.extend(EnvironmentSchema, kafkaConnectionVariables)
      : z.extend(EnvironmentSchema, { STREAM_NAME: streamNameVariable() });
  const e: z.infer<typeof EnvironmentSchema> = parseEnvironment(schema, env, subject);
  return {
    clusterArn: e.DB_CLUSTER_ARN,
    secretArn: e.DB_SECRET_ARN,
    database: e.DB_NAME,
    policy: { tiers: e.ESCALATION_TIERS, reminderIntervalMinutes: e.REMINDER_INTERVAL_MINUTES },
    siteTimeZone: e.SITE_TIME_ZONE,
    readings: readApiConfigOf(e, env, subject),
  };
}
