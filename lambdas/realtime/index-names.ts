/**
 * Index names. Readings and windows go to daily indices named after the event time
 * (never the arrival time), so a replayed document lands in the index that already
 * holds it and its deterministic id overwrites it. The latest status per instrument is
 * one small index.
 */

/** `YYYY.MM.DD` of an epoch-millisecond instant, in UTC. */
export function dayStamp(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
}

export function readingsIndex(prefix: string, observedAt: number): string {
  return `${prefix}-readings-${dayStamp(observedAt)}`;
}

export function windowsIndex(prefix: string, windowStart: number): string {
  return `${prefix}-windows-${dayStamp(windowStart)}`;
}

export function statusIndex(prefix: string): string {
  return `${prefix}-status`;
}

/** The status machine's checkpoints: one document per instrument and hour it was judged in. */
export function checkpointsIndex(prefix: string): string {
  return `${prefix}-status-checkpoints`;
}

/** The real-time consumer's progress on each Kafka topic-partition: one small document per partition. */
export function streamProgressIndex(prefix: string): string {
  return `${prefix}-stream-progress`;
}

export function readingsIndexPattern(prefix: string): string {
  return `${prefix}-readings-*`;
}

export function windowsIndexPattern(prefix: string): string {
  return `${prefix}-windows-*`;
}

/** The UTC day (epoch ms of its midnight) a daily index holds, or null for a name that is not a daily index of this prefix. */
export function dayOfDailyIndex(prefix: string, indexName: string): number | null {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped}-(?:readings|windows)-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`).exec(indexName);
  if (!match) return null;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dayStamp(day) === `${match[1]}.${match[2]}.${match[3]}` ? day : null;
}
