import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SNSClient } from '@aws-sdk/client-sns';
import { DataApiDatabase } from '../db/sql-client.js';
import { createLogger, createMetrics } from '../shared/powertools.js';
import { SERVICE_NAMES } from '../shared/telemetry.js';
import { AlarmStore } from './alarm-store.js';
import { readEscalationConfig } from './escalation-config.js';
import { createEscalationHandler } from './escalation-handler.js';
import { SnsTierChannel } from './notification-channels.js';

/** The escalation function, on an EventBridge Scheduler schedule: sends what alarms have due, tier by tier, through SNS. */
const config = readEscalationConfig(process.env);
const database = new DataApiDatabase(new RDSDataClient({}), {
  resourceArn: config.clusterArn,
  secretArn: config.secretArn,
  database: config.database,
});
const sns = new SNSClient({});
const channels = config.topicArns.map((topicArn) => new SnsTierChannel(sns, topicArn));

export const handler = createEscalationHandler({
  store: new AlarmStore(database),
  channelForTier: (tier) => {
    const channel = channels[tier - 1];
    if (!channel) throw new Error(`no SNS topic for escalation tier ${tier} (ESCALATION_TOPIC_ARNS names ${channels.length})`);
    return channel;
  },
  policy: config.policy,
  siteTimeZone: config.siteTimeZone,
  acknowledgeUrl: config.acknowledgeUrl,
  logger: createLogger(SERVICE_NAMES.escalation),
  metrics: createMetrics(SERVICE_NAMES.escalation),
});
