import { checkpointsIndex, readingsIndexPattern, statusIndex, streamProgressIndex, windowsIndexPattern } from './index-names.js';

/**
 * Composable index templates for the four kinds of index. Mappings are explicit and
 * strict: a document with a field not listed here is refused (and quarantined) rather
 * than growing the mapping. The status machine's state is kept in `_source` only, as an
 * object that is neither indexed nor mapped (`enabled: false`): it is read back whole,
 * never searched.
 */

export type FieldMapping =
  | { readonly type: 'keyword' | 'double' | 'long' | 'integer' | 'short' | 'geo_point' }
  | { readonly type: 'date'; readonly format: string }
  | { readonly type: 'object'; readonly properties: Readonly<Record<string, FieldMapping>> }
  | { readonly type: 'object'; readonly enabled: false };

export type Properties = Readonly<Record<string, FieldMapping>>;

export interface IndexTemplate {
  readonly name: string;
  readonly body: {
    readonly index_patterns: readonly string[];
    readonly priority: number;
    readonly template: {
      readonly settings: Readonly<Record<string, unknown>>;
      readonly mappings: { readonly dynamic: 'strict'; readonly properties: Properties };
    };
    readonly _meta: Readonly<Record<string, unknown>>;
  };
}

export interface IndexTemplateOptions {
  /** Replicas per shard. Default 1 (one copy in another availability zone); 0 for a single-node cluster. */
  readonly replicas?: number;
}

const keyword = { type: 'keyword' } as const;
const double = { type: 'double' } as const;
const long = { type: 'long' } as const;
const date = { type: 'date', format: 'epoch_millis||strict_date_optional_time' } as const;
const geoPoint = { type: 'geo_point' } as const;
const status = keyword;
const rank = { type: 'short' } as const;
/** Kept in `_source`, not indexed. */
const stored = { type: 'object', enabled: false } as const;

const INSTRUMENT: Properties = {
  instrument_id: keyword,
  instrument_type: keyword,
  unit: keyword,
  surface_level: double,
  position: geoPoint,
};

/** A window's judgement: see `JudgementFields` in documents.ts. */
const JUDGEMENT: Properties = {
  status,
  status_rank: rank,
  raw_status: status,
  change: double,
  rate: double,
  baseline: double,
  baseline_id: keyword,
  cause: keyword,
  trigger_alert: double,
  trigger_alarm: double,
  trigger_action: double,
  lower_alert: double,
  lower_alarm: double,
  lower_action: double,
};

const WINDOW_VALUES: Properties = {
  window_start: date,
  window_end: date,
  count: { type: 'integer' },
  mean: double,
  min: double,
  max: double,
  last_observed_at: date,
};

export const READING_PROPERTIES: Properties = {
  ...INSTRUMENT,
  observed_at: date,
  value: double,
  value_micro: long,
  northing: double,
  easting: double,
  source: keyword,
  author: keyword,
  note: keyword,
};

export const WINDOW_PROPERTIES: Properties = {
  ...INSTRUMENT,
  ...JUDGEMENT,
  ...WINDOW_VALUES,
  sum_micro: long,
  first_observed_at: date,
  computed_at: date,
};

const STATUS_BASIS: Properties = {
  status,
  status_since: date,
  previous_status: status,
  machine_state: stored,
};

export const STATUS_PROPERTIES: Properties = {
  ...INSTRUMENT,
  ...JUDGEMENT,
  ...WINDOW_VALUES,
  ...STATUS_BASIS,
  updated_at: date,
  basis: { type: 'object', properties: STATUS_BASIS },
};

export const CHECKPOINT_PROPERTIES: Properties = {
  instrument_id: keyword,
  window_start: date,
  status,
  previous_status: status,
  machine_state: stored,
};

export const STREAM_PROGRESS_PROPERTIES: Properties = {
  consumer: keyword,
  topic_partition: keyword,
  watermark: date,
  window_seconds: { type: 'integer' },
  pending: stored,
  updated_at: date,
};

export function readingsTemplateName(prefix: string): string {
  return `${prefix}-readings`;
}

export function windowsTemplateName(prefix: string): string {
  return `${prefix}-windows`;
}

export function statusTemplateName(prefix: string): string {
  return `${prefix}-status`;
}

export function checkpointsTemplateName(prefix: string): string {
  return `${prefix}-status-checkpoints`;
}

export function streamProgressTemplateName(prefix: string): string {
  return `${prefix}-stream-progress`;
}

export function indexTemplates(prefix: string, options: IndexTemplateOptions = {}): IndexTemplate[] {
  const settings = (refreshInterval: string) => ({
    number_of_shards: 1,
    number_of_replicas: options.replicas ?? 1,
    refresh_interval: refreshInterval,
  });
  const template = (name: string, pattern: string, properties: Properties, refreshInterval: string, purpose: string): IndexTemplate => ({
    name,
    body: {
      index_patterns: [pattern],
      priority: 200,
      template: { settings: settings(refreshInterval), mappings: { dynamic: 'strict', properties } },
      _meta: { managed_by: 'geotech-pipeline', purpose },
    },
  });
  return [
    template(
      readingsTemplateName(prefix),
      readingsIndexPattern(prefix),
      READING_PROPERTIES,
      '5s',
      'one document per reading, daily by event time',
    ),
    template(
      windowsTemplateName(prefix),
      windowsIndexPattern(prefix),
      WINDOW_PROPERTIES,
      '5s',
      'one document per instrument and event-time window, daily',
    ),
    template(statusTemplateName(prefix), statusIndex(prefix), STATUS_PROPERTIES, '1s', 'the latest status of each instrument'),
    template(
      checkpointsTemplateName(prefix),
      checkpointsIndex(prefix),
      CHECKPOINT_PROPERTIES,
      '1s',
      "the status machine's state after the first window judged in each hour, per instrument",
    ),
    template(
      streamProgressTemplateName(prefix),
      streamProgressIndex(prefix),
      STREAM_PROGRESS_PROPERTIES,
      '1s',
      "the real-time consumer's event-time watermark and pending windows on each Kafka topic-partition",
    ),
  ];
}

/** The mapping of a dotted field path (`basis.status`), or undefined if the properties do not map it. */
export function fieldMapping(properties: Properties, path: string): FieldMapping | undefined {
  const [head, ...rest] = path.split('.');
  const mapping = head === undefined ? undefined : properties[head];
  if (rest.length === 0 || mapping === undefined) return mapping;
  return mapping.type === 'object' && 'properties' in mapping ? fieldMapping(mapping.properties, rest.join('.')) : undefined;
}
