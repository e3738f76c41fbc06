import { INSTRUMENT_TYPE_SPECS, INSTRUMENT_TYPES, type InstrumentType } from '../../domain/instrument-types.js';
import { TRIGGER_STATUSES } from '../../domain/trigger-levels.js';
import { DEFAULT_RULE_SPECS, defaultTriggerRule, type Direction } from '../../domain/trigger-rules.js';
import { DEFAULT_INDEX_PREFIX } from '../../realtime/config.js';
import { readingsIndexPattern, statusIndex, windowsIndexPattern } from '../../realtime/index-names.js';
import { READING_PROPERTIES, STATUS_PROPERTIES, WINDOW_PROPERTIES, type Properties } from '../../realtime/index-templates.js';
import type { SavedObject } from '../saved-objects.js';

/**
 * The Dashboards saved objects, written as code: `embed.ts` renders them into
 * `geotech.ndjson` (what is imported, and what the tests read) and embeds that into
 * `saved-objects.generated.ts`. Everything is for the default index prefix;
 * `renderSavedObjects` retargets it.
 *
 * Layout: Dashboards' grid is 48 columns wide with rows of 20 px and 8 px margins.
 * Panels are placed in full-width bands so that none overlaps another and no band has a
 * hole, at any screen width (the grid scales columns, not rows).
 */

export const GRID_COLUMNS = 48;

export interface GridData {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const PREFIX = DEFAULT_INDEX_PREFIX;
const WINDOWS_PATTERN = { id: 'geotech-windows', title: windowsIndexPattern(PREFIX), timeField: 'window_start' } as const;
const STATUS_PATTERN = { id: 'geotech-status', title: statusIndex(PREFIX) } as const;
const READINGS_PATTERN = { id: 'geotech-readings', title: readingsIndexPattern(PREFIX), timeField: 'observed_at' } as const;

const LEVEL_COLOURS = { alert: '#D6BF57', alarm: '#E7664C', action: '#BD271E' } as const;
const LEVELS = ['alert', 'alarm', 'action'] as const;
const ENVELOPE_COLOUR = 'rgba(105,112,125,0.55)';
/** How many instruments each time series draws by name; the rest of the type is collapsed into its envelope. */
export const TOP_INSTRUMENTS = 5;

/** How a time series ranks the instruments it draws by name: one basic aggregation over the whole time range. */
interface Ranking {
  readonly label: string;
  readonly type: 'max' | 'min';
  readonly field: string;
  readonly direction: 'desc' | 'asc';
  readonly size: number;
}

/** A level drawn as a static line, in the plotted frame. */
export interface LevelLine {
  readonly level: (typeof LEVELS)[number];
  readonly direction: Direction;
  readonly value: number;
}

/**
 * What one time series plots: a windows field per instrument, and the levels of the
 * default rule's bands on that quantity as static lines. The real-time path judges every
 * instrument by its type's default rule (`DEFAULT_RULE_SPECS`), so in the plotted frame
 * the levels are the same for every instrument of the type:
 * - bands on the change from baseline: the `change` field, levels as they are;
 * - bands on the absolute value set below the ground surface (standpipes): the window mean
 *   relative to each standpipe's surface, levels relative to it;
 * - rate bands: the `rate` field (unit per day).
 * Each window document also carries the levels in absolute terms (`trigger_*` for the rise
 * band, `lower_*` for the fall band), which the status table shows.
 */
interface TimeSeriesSpec {
  readonly type: InstrumentType;
  readonly id: string;
  readonly title: string;
  readonly plural: string;
  readonly quantity: { readonly field: 'mean' | 'change' | 'rate'; readonly label: string };
  /** Plots `quantity - surface_level` (standpipe levels are set below each standpipe's surface). */
  readonly relativeToSurface: boolean;
  readonly levels: readonly LevelLine[];
  readonly rankings: readonly Ranking[];
  readonly envelope: boolean;
}

const TYPE_WORDS: Readonly<Record<InstrumentType, { measure: string; change: string; plural: string }>> = {
  water_standpipe: {
    measure: 'Groundwater level relative to ground surface',
    change: 'Groundwater level change from baseline',
    plural: 'standpipes',
  },
  piezometer: { measure: 'Pore water pressure', change: 'Pore water pressure change from baseline', plural: 'piezometers' },
  settlement_marker: { measure: 'Settlement', change: 'Settlement from baseline', plural: 'settlement markers' },
  extensometer: { measure: 'Displacement', change: 'Displacement from baseline', plural: 'extensometers' },
  strain_gauge: { measure: 'Strain', change: 'Strain change from baseline', plural: 'strain gauges' },
};

function lines(bands: ReadonlyArray<{ direction: Direction; levels: { alert: number; alarm: number; action: number } }>): LevelLine[] {
  return bands.flatMap((band) => LEVELS.map((level) => ({ level, direction: band.direction, value: band.levels[level] })));
}

/** Ranked both ways when the quantity has a band each way, else towards its one band. */
function rankingsOf(field: string, directions: readonly Direction[]): Ranking[] {
  const rise: Ranking = { label: 'largest rise', type: 'max', field, direction: 'desc', size: 3 };
  const fall: Ranking = { label: 'largest fall', type: 'min', field, direction: 'asc', size: 3 };
  if (directions.includes('rise') && directions.includes('fall')) return [rise, fall];
  return [{ ...(directions.includes('rise') ? rise : fall), size: TOP_INSTRUMENTS }];
}

function timeSeriesOf(type: InstrumentType): TimeSeriesSpec[] {
  const spec = DEFAULT_RULE_SPECS[type];
  const { unit } = INSTRUMENT_TYPE_SPECS[type];
  const words = TYPE_WORDS[type];
  const base = `geotech-timeseries-${type.replace(/_/g, '-')}`;
  const series: TimeSeriesSpec[] = [];
  const absolute = spec.bands.filter((band) => band.quantity === 'absolute');
  if (absolute.length > 0) {
    // Standpipes: the rule's levels below a surface at 0 are the levels relative to any surface.
    const atZero = defaultTriggerRule(type, 0).bands.filter((band) => band.quantity === 'absolute');
    series.push({
      type,
      id: base,
      title: `${words.measure} (${unit}): ${words.plural}`,
      plural: words.plural,
      quantity: { field: 'mean', label: 'window mean' },
      relativeToSurface: true,
      levels: lines(atZero),
      // Levels differ per standpipe, so the highest reduced level is not the nearest one: rank by the status reached.
      rankings: [{ label: 'highest status', type: 'max', field: 'status_rank', direction: 'desc', size: TOP_INSTRUMENTS }],
      envelope: false,
    });
  }
  const change = spec.bands.filter((band) => band.quantity === 'change');
  if (change.length > 0) {
    const fixed = change.flatMap((band) => (band.levels === 'below-surface' ? [] : [{ direction: band.direction, levels: band.levels }]));
    series.push({
      type,
      id: absolute.length > 0 ? `${base}-change` : base,
      title: `${words.change} (${unit}): ${words.plural}`,
      plural: words.plural,
      quantity: { field: 'change', label: 'change from baseline' },
      relativeToSurface: false,
      levels: lines(fixed),
      rankings: rankingsOf(
        'change',
        fixed.map((band) => band.direction),
      ),
      envelope: true,
    });
  }
  for (const band of spec.rateBands) {
    series.push({
      type,
      id: `${base}-rate`,
      title: `${words.measure} rate (${unit}/day over ${band.periodHours} h): ${words.plural}`,
      plural: words.plural,
      quantity: { field: 'rate', label: 'rate of change' },
      relativeToSurface: false,
      levels: lines([band]),
      rankings: rankingsOf('rate', [band.direction]),
      envelope: true,
    });
  }
  return series;
}

export const TIME_SERIES: readonly TimeSeriesSpec[] = INSTRUMENT_TYPES.flatMap(timeSeriesOf);

// Label tables, alike in shape to each other and to the QuickSight sheet's (lib/reporting/report-dashboard.ts) on purpose: data, one row a column.
/** The columns of the latest-status table, most useful first (after the instrument and its type). */
export const TABLE_COLUMNS: ReadonlyArray<{ readonly field: string; readonly label: string }> = [
  { field: 'status', label: 'Status' },
  { field: 'mean', label: 'Window mean' },
  { field: 'change', label: 'Change from baseline' },
  { field: 'rate', label: 'Rate per day' },
  { field: 'unit', label: 'Unit' },
  { field: 'cause', label: 'Cause' },
  { field: 'window_end', label: 'Window end' },
  { field: 'status_since', label: 'Status since' },
  { field: 'last_observed_at', label: 'Last reading' },
];

/** The statuses counted by the status metric, worst first, with the label each is shown under. */
export const STATUS_COUNTS: ReadonlyArray<{ readonly status: string; readonly label: string }> = [...TRIGGER_STATUSES]
  .reverse()
  .map((status) => ({ status, label: `${status[0]?.toUpperCase()}${status.slice(1)}` }));

/** Short dates in the status index pattern, so the table's time columns fit. */
const SHORT_DATE = { id: 'date', params: { pattern: 'D MMM HH:mm:ss' } } as const;

// ---- index patterns -------------------------------------------------------

/** A field as Dashboards keeps it in an index pattern (what its field refresh would compute). */
export interface FieldSpec {
  readonly count: number;
  readonly name: string;
  readonly type: string;
  readonly esTypes?: readonly string[];
  readonly scripted: boolean;
  readonly searchable: boolean;
  readonly aggregatable: boolean;
  readonly readFromDocValues: boolean;
}

const OSD_TYPE: Readonly<Record<string, string>> = {
  keyword: 'string',
  double: 'number',
  long: 'number',
  integer: 'number',
  short: 'number',
  date: 'date',
  geo_point: 'geo_point',
};

function mappedFields(properties: Properties, parent = ''): FieldSpec[] {
  return Object.entries(properties).flatMap(([name, mapping]) => {
    const path = parent === '' ? name : `${parent}.${name}`;
    if (mapping.type === 'object') return 'properties' in mapping ? mappedFields(mapping.properties, path) : [];
    const type = OSD_TYPE[mapping.type];
    if (!type) throw new Error(`no Dashboards field type for ${mapping.type} (${path})`);
    return [
      {
        count: 0,
        name: path,
        type,
        esTypes: [mapping.type],
        scripted: false,
        searchable: true,
        aggregatable: true,
        readFromDocValues: true,
      },
    ];
  });
}

/** Dashboards' default meta fields, as its field refresh lists them. */
const META_FIELDS: readonly FieldSpec[] = [
  {
    count: 0,
    name: '_id',
    type: 'string',
    esTypes: ['_id'],
    scripted: false,
    searchable: true,
    aggregatable: true,
    readFromDocValues: false,
  },
  {
    count: 0,
    name: '_index',
    type: 'string',
    esTypes: ['_index'],
    scripted: false,
    searchable: true,
    aggregatable: true,
    readFromDocValues: false,
  },
  { count: 0, name: '_score', type: 'number', scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
  {
    count: 0,
    name: '_source',
    type: '_source',
    esTypes: ['_source'],
    scripted: false,
    searchable: false,
    aggregatable: false,
    readFromDocValues: false,
  },
  { count: 0, name: '_type', type: 'string', scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
];

/**
 * The field list an index pattern carries. Without one, Dashboards refreshes the fields
 * each time a panel loads the pattern and writes the pattern back with the version it
 * read; panels loading the same pattern at once then conflict (409) on that write. With
 * every field marked searchable and aggregatable it neither refreshes nor writes.
 */
export function indexPatternFields(properties: Properties): FieldSpec[] {
  return [...META_FIELDS, ...mappedFields(properties)].sort((a, b) => a.name.localeCompare(b.name));
}

function indexPattern(
  pattern: { id: string; title: string; timeField?: string },
  properties: Properties,
  fieldFormats: Record<string, unknown> = {},
): SavedObject {
  return {
    type: 'index-pattern',
    id: pattern.id,
    attributes: {
      title: pattern.title,
      ...(pattern.timeField ? { timeFieldName: pattern.timeField } : {}),
      fields: JSON.stringify(indexPatternFields(properties)),
      fieldFormatMap: JSON.stringify(fieldFormats),
    },
    references: [],
    migrationVersion: { 'index-pattern': '7.6.0' },
  };
}

// ---- visualisations -------------------------------------------------------

function searchSource(query: string, indexed: boolean): { searchSourceJSON: string } {
  return {
    searchSourceJSON: JSON.stringify({
      query: { query, language: 'kuery' },
      filter: [],
      ...(indexed ? { indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' } : {}),
    }),
  };
}

function visualization(
  id: string,
  title: string,
  description: string,
  visState: Record<string, unknown>,
  options: { pattern?: string; query?: string; references?: SavedObject['references'] } = {},
): SavedObject {
  const references = options.pattern
    ? [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: options.pattern }]
    : (options.references ?? []);
  return {
    type: 'visualization',
    id,
    attributes: {
      title,
      description,
      visState: JSON.stringify({ title, ...visState }),
      uiStateJSON: '{}',
      version: 1,
      kibanaSavedObjectMeta: searchSource(options.query ?? '', options.pattern !== undefined),
    },
    references,
    migrationVersion: { visualization: '7.10.0' },
  };
}

const SERIES_DEFAULTS = {
  chart_type: 'line',
  stacked: 'none',
  fill: 0,
  axis_position: 'right',
  formatter: 'number',
  seperate_axis: 0,
  override_index_pattern: 0,
  hide_in_legend: 0,
  split_color_mode: 'rainbow',
} as const;

function formatLevel(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

function timeSeries(spec: TimeSeriesSpec): SavedObject {
  const unit = INSTRUMENT_TYPE_SPECS[spec.type].unit;
  const id = spec.id;
  const plotted = (seriesId: string) => {
    const mean = { id: `${seriesId}-q`, type: 'avg', field: spec.quantity.field };
    if (!spec.relativeToSurface) return [mean];
    return [
      mean,
      { id: `${seriesId}-surface`, type: 'avg', field: 'surface_level' },
      {
        id: `${seriesId}-relative`,
        type: 'math',
        script: 'params.value - params.surface',
        variables: [
          { id: `${seriesId}-v-value`, name: 'value', field: mean.id },
          { id: `${seriesId}-v-surface`, name: 'surface', field: `${seriesId}-surface` },
        ],
      },
    ];
  };
  const ranked = spec.rankings.map((ranking, index) => {
    const seriesId = `${id}-top-${index}`;
    const rank = { id: `${seriesId}-rank`, type: ranking.type, field: ranking.field };
    return {
      ...SERIES_DEFAULTS,
      id: seriesId,
      label: `${ranking.size} ${ranking.label}`,
      color: '#54B399',
      split_mode: 'terms',
      terms_field: 'instrument_id',
      terms_size: String(ranking.size),
      terms_order_by: rank.id,
      terms_direction: ranking.direction,
      // The ranking metric comes first: TSVB draws the last metric of a series.
      metrics: [rank, ...plotted(seriesId)],
      line_width: 2,
      point_size: 1,
    };
  });
  const field = spec.quantity.field;
  const envelope = spec.envelope
    ? (
        [
          ['highest', 'max'],
          ['lowest', 'min'],
        ] as const
      ).map(([word, type]) => ({
        ...SERIES_DEFAULTS,
        id: `${id}-all-${word}`,
        label: `All ${spec.plural}: ${word} ${spec.quantity.label}`,
        color: ENVELOPE_COLOUR,
        split_mode: 'everything',
        metrics: [{ id: `${id}-all-${word}-m`, type, field }],
        line_width: 1,
        point_size: 0,
      }))
    : [];
  const perDay = field === 'rate' ? '/day' : '';
  // One legend entry per level (the colour is the level); a second direction's line of the same level is not repeated there.
  const levelLines = spec.levels.map((line) => {
    const same = spec.levels.filter((other) => other.level === line.level);
    const first = same[0] === line;
    const signed = (value: number) => `${value > 0 && field !== 'mean' ? '+' : ''}${formatLevel(value)}`;
    const lineId = `${id}-${line.direction}-${line.level}`;
    return {
      ...SERIES_DEFAULTS,
      id: lineId,
      label: `${line.level[0]?.toUpperCase()}${line.level.slice(1)} level ${same.map((l) => signed(l.value)).join(' / ')} ${unit}${perDay}`,
      color: LEVEL_COLOURS[line.level],
      split_mode: 'everything',
      metrics: [{ id: `${lineId}-m`, type: 'static', value: formatLevel(line.value) }],
      line_width: 2,
      point_size: 0,
      hide_in_legend: first ? 0 : 1,
    };
  });
  const directions = [...new Set(spec.levels.map((line) => line.direction))];
  const relative = spec.relativeToSurface ? ' relative to each standpipe’s ground surface' : '';
  const description =
    `${spec.quantity.label[0]?.toUpperCase()}${spec.quantity.label.slice(1)} per window of the ${spec.plural}${relative} for the ` +
    `${spec.rankings.map((r) => `${r.size} ${r.label}`).join(' and ')} in the time range` +
    (spec.envelope ? ', the highest and lowest of all of them' : '') +
    `, and the levels of the type's default ${directions.join(' and ')} band${directions.length > 1 ? 's' : ''} across the whole time range`;
  return visualization(id, spec.title, description, {
    type: 'metrics',
    aggs: [],
    params: {
      id,
      type: 'timeseries',
      index_pattern: WINDOWS_PATTERN.title,
      time_field: WINDOWS_PATTERN.timeField,
      interval: 'auto',
      drop_last_bucket: 0,
      axis_position: 'left',
      axis_formatter: 'number',
      axis_scale: 'normal',
      show_legend: 1,
      legend_position: 'right',
      show_grid: 1,
      tooltip_mode: 'show_focused',
      isModelInvalid: false,
      filter: { query: `instrument_type : "${spec.type}"`, language: 'kuery' },
      series: [...ranked, ...envelope, ...levelLines],
    },
  });
}

function readingsReporting(): SavedObject {
  const id = 'geotech-readings-reporting';
  const title = 'Instruments reporting, by type';
  return visualization(
    id,
    title,
    'How many instruments of each type sent at least one reading per interval: a drop means instruments (or the feed) went quiet',
    {
      type: 'metrics',
      aggs: [],
      params: {
        id,
        type: 'timeseries',
        index_pattern: READINGS_PATTERN.title,
        time_field: READINGS_PATTERN.timeField,
        interval: 'auto',
        drop_last_bucket: 1,
        axis_position: 'left',
        axis_formatter: 'number',
        axis_scale: 'normal',
        show_legend: 1,
        legend_position: 'right',
        show_grid: 1,
        tooltip_mode: 'show_all',
        isModelInvalid: false,
        series: [
          {
            ...SERIES_DEFAULTS,
            id: `${id}-by-type`,
            label: 'Instruments reporting',
            color: '#6092C0',
            split_mode: 'terms',
            terms_field: 'instrument_type',
            terms_size: String(INSTRUMENT_TYPES.length),
            terms_order_by: '_key',
            terms_direction: 'asc',
            metrics: [{ id: `${id}-by-type-m`, type: 'cardinality', field: 'instrument_id' }],
            line_width: 2,
            point_size: 1,
          },
        ],
      },
    },
  );
}

function statusCount(): SavedObject {
  return visualization(
    'geotech-alert-count',
    'Instruments by status now',
    'How many instruments are at each status now, worst first (the confirmed status after their latest window)',
    {
      type: 'metric',
      params: {
        addTooltip: true,
        addLegend: false,
        type: 'metric',
        metric: {
          percentageMode: false,
          useRanges: false,
          colorSchema: 'Green to Red',
          metricColorMode: 'None',
          colorsRange: [{ from: 0, to: 10000 }],
          labels: { show: true },
          invertColors: false,
          style: { bgFill: '#000', bgColor: false, labelColor: false, subText: '', fontSize: 36 },
        },
      },
      aggs: [
        { id: '1', enabled: true, type: 'count', schema: 'metric', params: { customLabel: 'instruments' } },
        {
          id: '2',
          enabled: true,
          type: 'filters',
          schema: 'group',
          params: {
            filters: STATUS_COUNTS.map(({ status, label }) => ({ input: { query: `status : "${status}"`, language: 'kuery' }, label })),
          },
        },
      ],
    },
    { pattern: STATUS_PATTERN.id },
  );
}

function statusMap(): SavedObject {
  const center = [-37.81, 144.96];
  return visualization(
    'geotech-status-map',
    'Instruments by status',
    'Each instrument at its surveyed position, coloured by its latest status rank (0 normal, 1 alert, 2 alarm, 3 action); instruments sharing a grid cell show the worst of them',
    {
      type: 'tile_map',
      params: {
        mapType: 'Scaled Circle Markers',
        colorSchema: 'Green to Red',
        isDesaturated: false,
        addTooltip: true,
        heatClusterSize: 1.5,
        legendPosition: 'bottomright',
        mapZoom: 13,
        mapCenter: center,
        wms: { enabled: false, selectedTmsLayer: { origin: 'tms', id: 'road_map', minZoom: 0, maxZoom: 22 }, options: {} },
      },
      aggs: [
        { id: '1', enabled: true, type: 'max', schema: 'metric', params: { field: 'status_rank', customLabel: 'Status rank' } },
        {
          id: '2',
          enabled: true,
          type: 'geohash_grid',
          schema: 'segment',
          params: {
            field: 'position',
            autoPrecision: true,
            precision: 7,
            useGeocentroid: true,
            isFilteredByCollar: true,
            mapZoom: 13,
            mapCenter: center,
          },
        },
      ],
    },
    { pattern: STATUS_PATTERN.id },
  );
}

function statusTable(): SavedObject {
  const topHit = (id: number, field: string, label: string) => ({
    id: String(id),
    enabled: true,
    type: 'top_hits',
    schema: 'metric',
    params: { field, aggregate: 'concat', size: 1, sortField: 'updated_at', sortOrder: 'desc', customLabel: label },
  });
  return visualization(
    'geotech-latest-status-table',
    'Latest window and status per instrument',
    'One row per instrument, worst status first: its status, latest window mean, its change from baseline and rate of change, unit, the band behind the status, when its latest window ended, since when it has had its status, and its last reading',
    {
      type: 'table',
      params: {
        perPage: 10,
        showPartialRows: false,
        showMetricsAtAllLevels: false,
        showTotal: false,
        totalFunc: 'count',
        percentageCol: '',
      },
      aggs: [
        {
          id: '1',
          enabled: true,
          type: 'terms',
          schema: 'bucket',
          params: {
            field: 'instrument_id',
            size: 2000,
            order: 'desc',
            orderBy: 'custom',
            orderAgg: { id: '1-orderAgg', enabled: true, type: 'max', schema: 'orderAgg', params: { field: 'status_rank' } },
            otherBucket: false,
            missingBucket: false,
            customLabel: 'Instrument',
          },
        },
        {
          id: '2',
          enabled: true,
          type: 'terms',
          schema: 'bucket',
          params: {
            field: 'instrument_type',
            size: INSTRUMENT_TYPES.length,
            order: 'asc',
            orderBy: '_key',
            otherBucket: false,
            missingBucket: false,
            customLabel: 'Type',
          },
        },
        ...TABLE_COLUMNS.map((column, index) => topHit(index + 3, column.field, column.label)),
      ],
    },
    { pattern: STATUS_PATTERN.id },
  );
}

function instrumentPicker(): SavedObject {
  return visualization(
    'geotech-instrument-picker',
    'Pick instruments',
    'Filters the whole dashboard (map, table, counts and time series) to instrument types and instruments',
    {
      type: 'input_control_vis',
      aggs: [],
      params: {
        controls: [
          {
            id: '1',
            fieldName: 'instrument_type',
            label: 'Type',
            type: 'list',
            options: { type: 'terms', multiselect: true, dynamicOptions: true, size: INSTRUMENT_TYPES.length, order: 'desc' },
            parent: '',
            indexPatternRefName: 'control_0_index_pattern',
          },
          {
            id: '2',
            fieldName: 'instrument_id',
            label: 'Instrument',
            type: 'list',
            options: { type: 'terms', multiselect: true, dynamicOptions: true, size: 2000, order: 'desc' },
            parent: '1',
            indexPatternRefName: 'control_1_index_pattern',
          },
        ],
        updateFiltersOnChange: true,
        useTimeFilter: false,
        pinFilters: false,
      },
    },
    {
      references: [
        { name: 'control_0_index_pattern', type: 'index-pattern', id: STATUS_PATTERN.id },
        { name: 'control_1_index_pattern', type: 'index-pattern', id: STATUS_PATTERN.id },
      ],
    },
  );
}

// ---- dashboard ------------------------------------------------------------

/** Each panel and its place: full-width bands, top to bottom. */
export function dashboardPanels(): Array<{ readonly object: SavedObject; readonly grid: GridData }> {
  const series = TIME_SERIES.map(timeSeries);
  if (series.length !== 7) throw new Error(`the layout places 7 time series, not ${series.length}`);
  const [standpipe, drawdown, piezometer, settlement, settlementRate, extensometer, strain] = series as [
    SavedObject,
    SavedObject,
    SavedObject,
    SavedObject,
    SavedObject,
    SavedObject,
    SavedObject,
  ];
  return [
    { object: statusCount(), grid: { x: 0, y: 0, w: 32, h: 10 } },
    { object: instrumentPicker(), grid: { x: 32, y: 0, w: 16, h: 10 } },
    { object: statusTable(), grid: { x: 0, y: 10, w: 48, h: 18 } },
    { object: statusMap(), grid: { x: 0, y: 28, w: 24, h: 18 } },
    { object: standpipe, grid: { x: 24, y: 28, w: 24, h: 18 } },
    { object: drawdown, grid: { x: 0, y: 46, w: 24, h: 16 } },
    { object: piezometer, grid: { x: 24, y: 46, w: 24, h: 16 } },
    { object: settlement, grid: { x: 0, y: 62, w: 24, h: 16 } },
    { object: settlementRate, grid: { x: 24, y: 62, w: 24, h: 16 } },
    { object: extensometer, grid: { x: 0, y: 78, w: 24, h: 16 } },
    { object: strain, grid: { x: 24, y: 78, w: 24, h: 16 } },
    { object: readingsReporting(), grid: { x: 0, y: 94, w: 48, h: 12 } },
  ];
}

function dashboard(panels: ReturnType<typeof dashboardPanels>): SavedObject {
  return {
    type: 'dashboard',
    id: 'geotech-monitoring',
    attributes: {
      title: 'Geotechnical monitoring: real time',
      description:
        'How many instruments are at each status, the latest status per instrument (worst first), the instruments on the map, ' +
        'per instrument type the judged quantity (change from baseline, level below the surface, rate) against the levels of its default rule, ' +
        'and which instruments are reporting',
      hits: 0,
      timeRestore: true,
      timeFrom: 'now-1h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 10000 },
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      panelsJSON: JSON.stringify(
        panels.map(({ grid }, index) => ({
          version: '2.19.0',
          gridData: { ...grid, i: String(index + 1) },
          panelIndex: String(index + 1),
          embeddableConfig: {},
          panelRefName: `panel_${index}`,
        })),
      ),
      version: 1,
      kibanaSavedObjectMeta: searchSource('', false),
    },
    references: panels.map(({ object }, index) => ({ name: `panel_${index}`, type: 'visualization', id: object.id })),
    migrationVersion: { dashboard: '7.9.3' },
  };
}

export function savedObjects(): SavedObject[] {
  const panels = dashboardPanels();
  const statusFormats = Object.fromEntries(
    ['status_since', 'window_start', 'window_end', 'last_observed_at', 'updated_at'].map((f) => [f, SHORT_DATE]),
  );
  return [
    indexPattern(WINDOWS_PATTERN, WINDOW_PROPERTIES),
    indexPattern(STATUS_PATTERN, STATUS_PROPERTIES, statusFormats),
    indexPattern(READINGS_PATTERN, READING_PROPERTIES),
    ...panels.map(({ object }) => object),
    dashboard(panels),
  ];
}

/** The NDJSON file `embed.ts` writes: one object a line, keys as built. */
export function savedObjectsNdjson(): string {
  return savedObjects()
    .map((object) => `${JSON.stringify(object)}\n`)
    .join('');
}
