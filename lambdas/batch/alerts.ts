import type { Logger } from '@aws-lambda-powertools/logger';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { statusRank } from '../domain/trigger-levels.js';
import type { TriggerEvent } from './aurora-store.js';

/** Where trigger-status changes are announced. */
export interface AlertPublisher {
  publish(events: readonly TriggerEvent[]): Promise<void>;
}

export interface AlertMessage {
  /** Stable per change, so a receiver can drop the rare repeat after a retried publish. */
  readonly id: string;
  readonly subject: string;
  readonly body: string;
}

const CAUSES: Record<string, string> = {
  'level:rise': 'rise',
  'level:fall': 'fall',
  'rate:rise': 'rate of rise',
  'rate:fall': 'rate of fall',
};

/**
 * The message for one status change: instrument, type, level and what reached it (the
 * window mean, its change from baseline, the rate), the window, whether it was found late,
 * and the position.
 */
export function formatAlert(event: TriggerEvent): AlertMessage {
  const direction = statusRank(event.to) > statusRank(event.from) ? 'rose' : 'fell';
  const rateUnit = `${event.unit}/day`;
  const onRate = event.cause?.startsWith('rate:') ?? false;
  const levelUnit = onRate ? rateUnit : event.unit;
  const level =
    event.to === 'normal' || event.levels === null ? event.to : `${event.to.toUpperCase()} (level ${event.levels[event.to]} ${levelUnit})`;
  const subject = `${event.late ? '[late] ' : ''}${event.instrumentId} ${event.instrumentType}: ${event.from} -> ${event.to}`.slice(0, 99);
  const position =
    event.position.latitude !== null && event.position.longitude !== null
      ? `${event.position.latitude.toFixed(6)}, ${event.position.longitude.toFixed(6)} (MGA55 E ${event.position.easting ?? '?'} N ${event.position.northing ?? '?'})`
      : 'position unknown';
  const lines = [
    `Instrument ${event.instrumentId} (${event.instrumentType}) ${direction} from ${event.from} to ${level}${event.cause ? ` on its ${CAUSES[event.cause]}` : ''}.`,
    `Window mean: ${round(event.mean)} ${event.unit}`,
  ];
  if (event.baseline && event.change !== null)
    lines.push(
      `Change from baseline: ${signed(event.change)} ${event.unit} (baseline ${round(event.baseline.value)} ${event.unit}, ${event.baseline.id})`,
    );
  if (event.rate !== null) lines.push(`Rate of change: ${signed(event.rate)} ${rateUnit}`);
  lines.push(`Window: ${new Date(event.windowStart).toISOString()} to ${new Date(event.windowEnd).toISOString()}`);
  if (event.levels)
    lines.push(`Trigger levels: alert ${event.levels.alert}, alarm ${event.levels.alarm}, action ${event.levels.action} ${levelUnit}`);
  if (event.late) lines.push(`Found late: ${Math.round(event.delayMs / 60_000)} min after the window ended (data arrived late)`);
  lines.push(`Position: ${position}`);
  return { id: `${event.instrumentId}@${event.windowStart}:${event.from}-${event.to}`, subject, body: lines.join('\n') };
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${round(value)}`;

/** Publishes to an SNS topic, ten messages per call, with the change as message attributes for filtering. */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(events: readonly TriggerEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const slice = events.slice(i, i + 10);
      const output = await this.sns.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: slice.map((event, index) => {
            const message = formatAlert(event);
            return {
              Id: String(index),
              Subject: message.subject,
              Message: message.body,
              MessageAttributes: {
                instrumentId: { DataType: 'String', StringValue: event.instrumentId },
                instrumentType: { DataType: 'String', StringValue: event.instrumentType },
                status: { DataType: 'String', StringValue: event.to },
                alertId: { DataType: 'String', StringValue: message.id },
              },
            };
          }),
        }),
      );
      if (output.Failed && output.Failed.length > 0) {
        const first = output.Failed[0];
        throw new Error(
          `SNS refused ${output.Failed.length} of ${slice.length} alerts (${first?.Code ?? 'unknown'}: ${first?.Message ?? ''})`,
        );
      }
    }
  }
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;

/** Where no alert topic is configured: each status change is logged as a warning. */
export class LoggingAlertPublisher implements AlertPublisher {
  constructor(private readonly logger: Pick<Logger, 'warn'>) {}

  async publish(events: readonly TriggerEvent[]): Promise<void> {
    for (const event of events) this.logger.warn('trigger status changed (no alert topic configured)', { event });
  }
}
