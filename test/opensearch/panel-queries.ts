import type { SavedObject } from '../../lambdas/opensearch/saved-objects.js';

/**
 * The searches OpenSearch Dashboards 2.19 sends for each kind of panel the saved objects
 * use, built from a visualisation's saved `visState` the way Dashboards builds them:
 * aggregation-based panels (metric, table, coordinate map) through the data plugin's
 * aggregation configs, TSVB through its server-side request processors, input controls
 * through their terms request. Only what the saved objects use is translated; anything
 * else throws, so a panel using something new fails its test until this learns it.
 */

export type Dsl = Record<string, unknown>;

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

export interface PanelSearch {
  /** What the search is for: the panel itself, a TSVB series id, or an input control id. */
  readonly part: string;
  readonly index: string;
  readonly body: Dsl;
}

interface AggState {
  readonly id: string;
  readonly enabled?: boolean;
  readonly type: string;
  readonly schema: string;
  readonly params: Record<string, unknown>;
}

export interface VisState {
  readonly title: string;
  readonly type: string;
  readonly aggs: readonly AggState[];
  readonly params: Record<string, unknown>;
}

export function visStateOf(object: SavedObject): VisState {
  return JSON.parse(String(object.attributes.visState)) as VisState;
}

/** KQL as the saved objects write it: `field : "value"` and `field >= number` clauses joined by `and`. */
export function kueryToDsl(query: string): Dsl {
  if (query.trim() === '') return { match_all: {} };
  const clauses = query.split(/\s+and\s+/i).map((clause): Dsl => {
    const phrase = /^\s*([\w.]+)\s*:\s*"([^"]*)"\s*$/.exec(clause);
    if (phrase) return { bool: { should: [{ match_phrase: { [phrase[1] ?? '']: phrase[2] } }], minimum_should_match: 1 } };
    const range = /^\s*([\w.]+)\s*(>=|<=|>|<)\s*(-?[\d.]+)\s*$/.exec(clause);
    if (range) {
      const operator = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[range[2] ?? ''] ?? '';
      return { bool: { should: [{ range: { [range[1] ?? '']: { [operator]: Number(range[3]) } } }], minimum_should_match: 1 } };
    }
    throw new Error(`KQL clause not translated: ${clause}`);
  });
  return clauses.length === 1 ? (clauses[0] as Dsl) : { bool: { filter: clauses } };
}

// ---- aggregation-based visualisations ---------------------------------------

export interface IndexPatternInfo {
  readonly title: string;
  readonly timeFieldName?: string;
  readonly fields: ReadonlyArray<{ name: string; type: string; readFromDocValues: boolean }>;
}

/** The map's view when the request is sent: Dashboards sends the visible bounds as the collar. */
export interface MapView {
  readonly topLeft: { lat: number; lon: number };
  readonly bottomRight: { lat: number; lon: number };
}

function metricDsl(agg: AggState, pattern: IndexPatternInfo): Dsl | null {
  const field = agg.params.field as string | undefined;
  switch (agg.type) {
    case 'count':
      return null;
    case 'max':
    case 'min':
    case 'avg':
    case 'sum':
    case 'cardinality':
      return { [agg.type]: { field } };
    case 'top_hits': {
      const spec = pattern.fields.find((f) => f.name === field);
      if (!spec) throw new Error(`top_hits on ${field}, which ${pattern.title} does not list`);
      return {
        top_hits: {
          ...(spec.readFromDocValues ? { docvalue_fields: [{ field, ...(spec.type === 'date' ? { format: 'date_time' } : {}) }] } : {}),
          _source: field,
          size: agg.params.size,
          sort: [{ [String(agg.params.sortField)]: { order: agg.params.sortOrder } }],
        },
      };
    }
    default:
      throw new Error(`metric aggregation ${agg.type} not translated`);
  }
}

/** A bucket aggregation, as the list of nested aggregations Dashboards sends for it (outermost first). */
function bucketDsl(agg: AggState, pattern: IndexPatternInfo, view?: MapView): Array<{ id: string; dsl: Dsl }> {
  const params = agg.params;
  switch (agg.type) {
    case 'terms': {
      const orderAgg = params.orderAgg as AggState | undefined;
      const terms: Dsl = { field: params.field, size: params.size };
      const sub: Record<string, Dsl> = {};
      if (params.orderBy === 'custom' && orderAgg) {
        const id = `${agg.id}-orderAgg`;
        terms.order = { [id]: params.order };
        const dsl = metricDsl(orderAgg, pattern);
        if (dsl) sub[id] = dsl;
        else terms.order = { _count: params.order };
      } else {
        terms.order = { [String(params.orderBy === '_key' ? '_key' : '_count')]: params.order };
      }
      return [{ id: agg.id, dsl: { terms, ...(Object.keys(sub).length > 0 ? { aggs: sub } : {}) } }];
    }
    case 'filters': {
      const filters = params.filters as Array<{ input: { query: string; language: string }; label?: string }>;
      return [
        {
          id: agg.id,
          dsl: { filters: { filters: Object.fromEntries(filters.map((f) => [f.label || f.input.query, kueryToDsl(f.input.query)])) } },
        },
      ];
    }
    case 'geohash_grid': {
      if (!view) throw new Error('a geohash_grid needs the map view');
      const field = String(params.field);
      const grid = { id: agg.id, dsl: { geohash_grid: { field, precision: params.precision } } };
      const collar = params.isFilteredByCollar
        ? [
            {
              id: 'filter_agg',
              dsl: {
                filter: {
                  geo_bounding_box: { ignore_unmapped: true, [field]: { top_left: view.topLeft, bottom_right: view.bottomRight } },
                },
              },
            },
          ]
        : [];
      return [...collar, grid];
    }
    default:
      throw new Error(`bucket aggregation ${agg.type} not translated`);
  }
}

function baseQuery(pattern: IndexPatternInfo, query: string, range: TimeRange): Dsl {
  const filter: Dsl[] = [{ match_all: {} }];
  if (pattern.timeFieldName) {
    filter.push({
      range: {
        [pattern.timeFieldName]: {
          gte: new Date(range.from).toISOString(),
          lte: new Date(range.to).toISOString(),
          format: 'strict_date_optional_time',
        },
      },
    });
  }
  return { bool: { must: query.trim() === '' ? [] : [kueryToDsl(query)], filter, should: [], must_not: [] } };
}

/** The search of an aggregation-based visualisation: buckets nested in order, metrics under the innermost bucket. */
export function aggregationSearch(
  visState: VisState,
  pattern: IndexPatternInfo,
  query: string,
  range: TimeRange,
  view?: MapView,
): PanelSearch {
  const enabled = visState.aggs.filter((agg) => agg.enabled !== false);
  const buckets = enabled.filter((agg) => ['bucket', 'segment', 'group', 'split'].includes(agg.schema));
  const metrics = enabled.filter((agg) => agg.schema === 'metric');
  const metricAggs: Record<string, Dsl> = {};
  for (const metric of metrics) {
    const dsl = metricDsl(metric, pattern);
    if (dsl) metricAggs[metric.id] = dsl;
  }
  if (visState.type === 'tile_map' && buckets.some((b) => b.type === 'geohash_grid' && b.params.useGeocentroid)) {
    const grid = buckets.find((b) => b.type === 'geohash_grid');
    metricAggs[String(enabled.length + 1)] = { geo_centroid: { field: grid?.params.field } };
  }
  const levels = buckets.flatMap((bucket) => bucketDsl(bucket, pattern, view));
  let inner: Record<string, Dsl> = metricAggs;
  for (const level of [...levels].reverse()) {
    const own = (level.dsl.aggs as Record<string, Dsl> | undefined) ?? {};
    const children = { ...own, ...inner };
    inner = { [level.id]: { ...level.dsl, ...(Object.keys(children).length > 0 ? { aggs: children } : {}) } };
  }
  return {
    part: visState.title,
    index: pattern.title,
    body: {
      size: 0,
      aggs: inner,
      stored_fields: ['*'],
      script_fields: {},
      docvalue_fields: pattern.fields.filter((f) => f.type === 'date').map((f) => ({ field: f.name, format: 'date_time' })),
      _source: { excludes: [] },
      query: baseQuery(pattern, query, range),
    },
  };
}

// ---- TSVB -------------------------------------------------------------------

export interface TsvbMetric {
  readonly id: string;
  readonly type: string;
  readonly field?: string;
  readonly value?: string;
  readonly script?: string;
  readonly variables?: ReadonlyArray<{ id: string; name: string; field: string }>;
}

export interface TsvbSeries {
  readonly id: string;
  readonly label: string;
  readonly split_mode: 'terms' | 'everything';
  readonly terms_field?: string;
  readonly terms_size?: string;
  readonly terms_order_by?: string;
  readonly terms_direction?: 'asc' | 'desc';
  readonly hide_in_legend?: number;
  readonly metrics: readonly TsvbMetric[];
}

export interface TsvbParams {
  readonly type: string;
  readonly index_pattern: string;
  readonly time_field: string;
  readonly filter?: { query: string; language: string };
  readonly series: readonly TsvbSeries[];
}

const TSVB_BASIC = ['avg', 'max', 'min', 'sum', 'cardinality', 'value_count', 'count'];

/** TSVB's per-bucket aggregation of a metric (its `bucketTransform`); null for metrics Dashboards computes itself. */
function tsvbMetricDsl(metric: TsvbMetric): Dsl | null {
  switch (metric.type) {
    case 'avg':
    case 'max':
    case 'min':
    case 'sum':
    case 'cardinality':
    case 'value_count':
      return { [metric.type]: { field: metric.field } };
    case 'count':
      return {
        bucket_script: { buckets_path: { count: '_count' }, script: { source: 'count * 1', lang: 'expression' }, gap_policy: 'skip' },
      };
    case 'static': {
      const value = String(metric.value);
      const decimal = /[.e]/i.test(value);
      return {
        bucket_script: {
          buckets_path: { count: '_count' },
          script: { source: decimal ? value : `${value}L`, lang: 'painless' },
          gap_policy: 'skip',
        },
      };
    }
    case 'math':
      return null;
    default:
      throw new Error(`TSVB metric ${metric.type} not translated`);
  }
}

/** One search per series, as TSVB's server sends them (`interval` is what "auto" picks for the range). */
export function tsvbSearches(params: TsvbParams, range: TimeRange, intervalMs: number): PanelSearch[] {
  if (params.type !== 'timeseries') throw new Error(`TSVB ${params.type} panels not translated`);
  return params.series.map((series) => {
    const must: Dsl[] = [
      {
        range: {
          [params.time_field]: {
            gte: new Date(range.from).toISOString(),
            lte: new Date(range.to).toISOString(),
            format: 'strict_date_optional_time',
          },
        },
      },
    ];
    if (params.filter?.query) must.push(kueryToDsl(params.filter.query));
    const perBucket: Record<string, Dsl> = {};
    for (const metric of series.metrics) {
      const dsl = tsvbMetricDsl(metric);
      if (dsl) perBucket[metric.id] = dsl;
    }
    const timeseries = {
      date_histogram: {
        field: params.time_field,
        min_doc_count: 0,
        time_zone: 'UTC',
        extended_bounds: { min: range.from, max: range.to },
        fixed_interval: `${intervalMs}ms`,
      },
      aggs: perBucket,
    };
    let split: Dsl;
    if (series.split_mode === 'terms') {
      const orderMetric = series.metrics.find((m) => m.id === series.terms_order_by);
      const direction = series.terms_direction ?? 'desc';
      const terms: Dsl = { field: series.terms_field, size: Number(series.terms_size) };
      const sub: Record<string, Dsl> = { timeseries };
      if (orderMetric && orderMetric.type !== 'count' && TSVB_BASIC.includes(orderMetric.type)) {
        const key = `${orderMetric.id}-SORT`;
        terms.order = { [key]: direction };
        sub[key] = tsvbMetricDsl(orderMetric) as Dsl;
      } else if (series.terms_order_by === '_key' || series.terms_order_by === '_count') {
        terms.order = { [series.terms_order_by]: direction };
      } else {
        terms.order = { _count: direction };
      }
      split = { terms, aggs: sub };
    } else {
      split = { filter: { match_all: {} }, aggs: { timeseries } };
    }
    return { part: series.id, index: params.index_pattern, body: { size: 0, query: { bool: { must } }, aggs: { [series.id]: split } } };
  });
}

export interface TsvbLine {
  readonly key: string;
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

/** The lines TSVB draws from a series' response: the last metric per bucket, with math evaluated as Dashboards does. */
export function tsvbLines(series: TsvbSeries, aggregations: Record<string, unknown>): TsvbLine[] {
  const root = aggregations[series.id] as { buckets?: Array<Record<string, unknown>> } & Record<string, unknown>;
  const splits = series.split_mode === 'terms' ? (root.buckets ?? []) : [{ ...root, key: series.label }];
  const last = series.metrics.at(-1);
  if (!last) throw new Error(`${series.id} has no metric`);
  const valueOf = (bucket: Record<string, unknown>, metric: TsvbMetric): number | null => {
    if (metric.type === 'math') {
      const params: Record<string, number | null> = {};
      for (const variable of metric.variables ?? []) {
        const source = series.metrics.find((m) => m.id === variable.field);
        params[variable.name] = source ? valueOf(bucket, source) : null;
      }
      if (Object.values(params).some((v) => v === null)) return null;
      const evaluated = /^params\.(\w+) - params\.(\w+)$/.exec(metric.script ?? '');
      if (!evaluated) throw new Error(`math script not translated: ${metric.script}`);
      return (params[evaluated[1] ?? ''] as number) - (params[evaluated[2] ?? ''] as number);
    }
    const value = (bucket[metric.id] as { value?: number | null } | undefined)?.value;
    return value === undefined ? null : value;
  };
  return splits.map((split) => ({
    key: String(split.key),
    points: ((split.timeseries as { buckets: Array<Record<string, unknown>> }).buckets ?? []).map(
      (bucket) => [Number(bucket.key), valueOf(bucket, last)] as const,
    ),
  }));
}

// ---- input controls -----------------------------------------------------------

export interface InputControl {
  readonly id: string;
  readonly fieldName: string;
  readonly type: string;
  readonly parent: string;
  readonly indexPatternRefName: string;
  readonly options: { size: number; order?: string };
}

/** The terms search of a list control; a child control's options are filtered by its parent's selection. */
export function controlSearch(
  control: InputControl,
  indexTitle: string,
  parent?: { field: string; values: readonly string[] },
): PanelSearch {
  if (control.type !== 'list') throw new Error(`input control ${control.type} not translated`);
  const filter: Dsl[] = parent
    ? [{ bool: { should: parent.values.map((value) => ({ match_phrase: { [parent.field]: value } })), minimum_should_match: 1 } }]
    : [];
  return {
    part: control.id,
    index: indexTitle,
    body: {
      size: 0,
      timeout: '1000ms',
      terminate_after: 100000,
      query: { bool: { filter } },
      aggs: { termsAgg: { terms: { field: control.fieldName, size: control.options.size, order: { _count: 'desc' } } } },
    },
  };
}
