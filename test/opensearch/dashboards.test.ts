import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import { TRIGGER_STATUSES } from '../../lambdas/domain/trigger-levels.js';
import {
  GRID_COLUMNS,
  indexPatternFields,
  savedObjectsNdjson,
  TABLE_COLUMNS,
  TOP_INSTRUMENTS,
} from '../../lambdas/opensearch/dashboards/definition.js';
import { SAVED_OBJECTS_NDJSON } from '../../lambdas/opensearch/dashboards/saved-objects.generated.js';
import { embeddedModuleSource, parseSavedObjects, renderSavedObjects, type SavedObject } from '../../lambdas/opensearch/saved-objects.js';
import { fieldMapping, indexTemplates, STATUS_PROPERTIES, type Properties } from '../../lambdas/realtime/index-templates.js';

const NDJSON_PATH = new URL('../../lambdas/opensearch/dashboards/geotech.ndjson', import.meta.url);
const GENERATED_PATH = new URL('../../lambdas/opensearch/dashboards/saved-objects.generated.ts', import.meta.url);

const NUMERIC = ['double', 'long', 'integer', 'short'];
/** The field types each use of a field accepts. */
const COMPATIBLE: Record<string, readonly string[]> = {
  avg: NUMERIC,
  min: NUMERIC,
  max: NUMERIC,
  sum: NUMERIC,
  cardinality: ['keyword', ...NUMERIC],
  terms: ['keyword', ...NUMERIC],
  geohash_grid: ['geo_point'],
  date_histogram: ['date'],
  top_hits: ['keyword', 'date', ...NUMERIC],
  sort: ['keyword', 'date', ...NUMERIC],
  time: ['date'],
  'query:': ['keyword', 'date', ...NUMERIC],
  'query-range': ['date', ...NUMERIC],
};

interface FieldUse {
  readonly object: string;
  readonly pattern: string;
  readonly field: string;
  readonly use: string;
}

function kueryFields(query: string): Array<{ field: string; use: string }> {
  return [...query.matchAll(/([A-Za-z_][\w.]*)\s*(>=|<=|>|<|:)/g)].map((m) => ({
    field: m[1] ?? '',
    use: m[2] === ':' ? 'query:' : 'query-range',
  }));
}

/** Every field every saved object uses, with the index pattern (title) it is looked up in. */
function fieldUses(objects: readonly SavedObject[]): FieldUse[] {
  const titleOfPattern = new Map(objects.filter((o) => o.type === 'index-pattern').map((o) => [o.id, String(o.attributes.title)]));
  const uses: FieldUse[] = [];
  for (const object of objects) {
    if (object.type === 'index-pattern' && object.attributes.timeFieldName) {
      uses.push({
        object: object.id,
        pattern: String(object.attributes.title),
        field: String(object.attributes.timeFieldName),
        use: 'time',
      });
    }
    if (object.type !== 'visualization') continue;
    const visState = JSON.parse(String(object.attributes.visState)) as {
      type: string;
      params: Record<string, unknown>;
      aggs: Array<{
        type: string;
        params: {
          field?: string;
          sortField?: string;
          orderAgg?: { type: string; params: { field?: string } };
          filters?: Array<{ input: { query: string } }>;
        };
      }>;
    };
    const searchSource = JSON.parse(String((object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON)) as {
      indexRefName?: string;
      query?: { query?: string };
    };
    if (visState.type === 'metrics') {
      const params = visState.params as {
        index_pattern: string;
        time_field: string;
        filter?: { query: string };
        series: Array<{ split_mode: string; terms_field?: string; metrics: Array<{ type: string; field?: string }> }>;
      };
      const pattern = params.index_pattern;
      uses.push({ object: object.id, pattern, field: params.time_field, use: 'time' });
      for (const { field, use } of kueryFields(params.filter?.query ?? '')) uses.push({ object: object.id, pattern, field, use });
      for (const series of params.series) {
        if (series.split_mode === 'terms')
          uses.push({ object: object.id, pattern, field: series.terms_field ?? '(missing terms_field)', use: 'terms' });
        for (const metric of series.metrics)
          if (metric.field) uses.push({ object: object.id, pattern, field: metric.field, use: metric.type });
      }
      continue;
    }
    if (visState.type === 'input_control_vis') {
      for (const control of visState.params.controls as Array<{ fieldName: string; indexPatternRefName: string }>) {
        const ref = object.references.find((r) => r.name === control.indexPatternRefName);
        const pattern = titleOfPattern.get(ref?.id ?? '') ?? `(unresolved index pattern of ${object.id})`;
        uses.push({ object: object.id, pattern, field: control.fieldName, use: 'terms' });
      }
      continue;
    }
    const reference = object.references.find((r) => r.name === searchSource.indexRefName);
    const pattern = titleOfPattern.get(reference?.id ?? '') ?? `(unresolved index pattern of ${object.id})`;
    for (const agg of visState.aggs) {
      if (agg.params.field) uses.push({ object: object.id, pattern, field: agg.params.field, use: agg.type });
      if (agg.params.sortField) uses.push({ object: object.id, pattern, field: agg.params.sortField, use: 'sort' });
      if (agg.params.orderAgg?.params.field)
        uses.push({ object: object.id, pattern, field: agg.params.orderAgg.params.field, use: agg.params.orderAgg.type });
      for (const filter of agg.params.filters ?? [])
        for (const { field, use } of kueryFields(filter.input.query)) uses.push({ object: object.id, pattern, field, use });
    }
    for (const { field, use } of kueryFields(searchSource.query?.query ?? '')) uses.push({ object: object.id, pattern, field, use });
  }
  return uses;
}

function mappingsByPattern(prefix: string): Map<string, Properties> {
  return new Map(
    indexTemplates(prefix).flatMap((t) => t.body.index_patterns.map((p) => [p, t.body.template.mappings.properties] as const)),
  );
}

const objects = parseSavedObjects(SAVED_OBJECTS_NDJSON);
const visualisations = objects
  .filter((o) => o.type === 'visualization')
  .map((o) => ({ object: o, visState: JSON.parse(String(o.attributes.visState)) }));

describe('Dashboards saved objects', () => {
  it('reference only fields the index templates map, with a compatible type', () => {
    const mappings = mappingsByPattern('geotech');
    const uses = fieldUses(objects);
    expect(uses.length).toBeGreaterThan(30);
    const faults = uses.flatMap((use) => {
      const properties = mappings.get(use.pattern);
      if (!properties) return [`${use.object}: index pattern ${use.pattern} matches no template`];
      const type = fieldMapping(properties, use.field)?.type;
      if (!type) return [`${use.object}: ${use.field} is not mapped in ${use.pattern}`];
      const accepted = COMPATIBLE[use.use];
      if (!accepted) return [`${use.object}: unknown use ${use.use} of ${use.field}`];
      return accepted.includes(type) ? [] : [`${use.object}: ${use.use} on ${use.field} needs ${accepted.join('/')}, mapped as ${type}`];
    });
    expect(faults).toEqual([]);
  });

  it('draw per instrument type the judged quantity, with the levels of its default rule as lines over the whole range', () => {
    // The default rules (trigger-rules.ts), by hand: the plotted field and the static levels in its frame.
    const expected: Record<string, { type: string; field: string; relative: boolean; levels: number[] }> = {
      'geotech-timeseries-water-standpipe': { type: 'water_standpipe', field: 'mean', relative: true, levels: [-3, -2, -1] },
      'geotech-timeseries-water-standpipe-change': { type: 'water_standpipe', field: 'change', relative: false, levels: [-2, -1.5, -1] },
      'geotech-timeseries-piezometer': { type: 'piezometer', field: 'change', relative: false, levels: [-40, -30, -20, 30, 50, 70] },
      'geotech-timeseries-settlement-marker': {
        type: 'settlement_marker',
        field: 'change',
        relative: false,
        levels: [-20, -15, -10, 5, 8, 10],
      },
      'geotech-timeseries-settlement-marker-rate': { type: 'settlement_marker', field: 'rate', relative: false, levels: [-10, -5, -2] },
      'geotech-timeseries-extensometer': { type: 'extensometer', field: 'change', relative: false, levels: [-20, -15, -10, 10, 15, 20] },
      'geotech-timeseries-strain-gauge': {
        type: 'strain_gauge',
        field: 'change',
        relative: false,
        levels: [-2000, -1500, -1000, 1000, 1500, 2000],
      },
    };
    const series = visualisations.filter(({ object }) => object.id.startsWith('geotech-timeseries-'));
    expect(series.map(({ object }) => object.id).sort()).toEqual(Object.keys(expected).sort());
    expect(new Set(series.map(({ visState }) => visState.params.filter?.query))).toEqual(
      new Set(INSTRUMENT_TYPES.map((type) => `instrument_type : "${type}"`)),
    );
    for (const { object, visState } of series) {
      const want = expected[object.id]!;
      expect(visState.params.filter?.query, object.id).toBe(`instrument_type : "${want.type}"`);
      const all = visState.params.series as Array<{ split_mode: string; metrics: Array<{ type: string; field?: string; value?: string }> }>;
      // Levels are static series: drawn at every bucket of the range, whether or not an instrument reported.
      const statics = all
        .map((s) => s.metrics.at(-1))
        .filter((m) => m?.type === 'static')
        .map((m) => Number(m?.value));
      expect(
        statics.sort((a, b) => a - b),
        object.id,
      ).toEqual(want.levels);
      // Each line per instrument plots the judged quantity (standpipe levels: relative to their surface), for a few ranked instruments.
      const perInstrument = all.filter((s) => s.split_mode === 'terms');
      expect(perInstrument.length, object.id).toBeGreaterThan(0);
      for (const s of perInstrument) {
        expect(s.metrics.map((m) => m.field)).toContain(want.field);
        expect(s.metrics.at(-1)?.type, object.id).toBe(want.relative ? 'math' : 'avg');
        expect(Number((s as { terms_size?: string }).terms_size)).toBeLessThanOrEqual(TOP_INSTRUMENTS);
      }
    }
  });

  it('keep each time series legend short: a few named instruments, the envelope and the levels', () => {
    for (const { object, visState } of visualisations.filter((v) => v.visState.type === 'metrics')) {
      const entries = (visState.params.series as Array<{ split_mode: string; terms_size?: string; hide_in_legend?: number }>)
        .filter((s) => !s.hide_in_legend)
        .reduce((sum, s) => sum + (s.split_mode === 'terms' ? Number(s.terms_size) : 1), 0);
      expect(entries, object.id).toBeLessThanOrEqual(12);
    }
  });

  it('map the instruments by position, coloured by status, and count the instruments at each of the four statuses', () => {
    const map = visualisations.find(({ visState }) => visState.type === 'tile_map');
    expect(map?.visState.aggs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'geohash_grid', params: expect.objectContaining({ field: 'position' }) }),
        expect.objectContaining({ schema: 'metric', params: expect.objectContaining({ field: 'status_rank' }) }),
      ]),
    );
    const count = visualisations.find(({ visState }) => visState.type === 'metric');
    expect(count?.visState.aggs[0].type).toBe('count');
    const filters = count?.visState.aggs[1].params.filters as Array<{ input: { query: string } }>;
    expect(filters.map((f) => f.input.query)).toEqual([...TRIGGER_STATUSES].reverse().map((s) => `status : "${s}"`));
  });

  it('tabulate the latest status, window mean, change from baseline and rate per instrument', () => {
    const table = visualisations.find(({ visState }) => visState.type === 'table');
    const fields = table?.visState.aggs.map((a: { params: { field: string } }) => a.params.field);
    expect(fields).toEqual(
      expect.arrayContaining(['instrument_id', 'status', 'mean', 'change', 'rate', 'cause', 'status_since', 'last_observed_at']),
    );
  });

  it('put every visualisation on the dashboard, and every reference resolves', () => {
    const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const object of objects)
      for (const ref of object.references) expect(ids.has(`${ref.type}:${ref.id}`), `${object.id} -> ${ref.id}`).toBe(true);
    const dashboard = objects.find((o) => o.type === 'dashboard');
    const panels = JSON.parse(String(dashboard?.attributes.panelsJSON)) as Array<{ panelRefName: string }>;
    const onDashboard = panels.map((p) => dashboard?.references.find((r) => r.name === p.panelRefName)?.id);
    expect(onDashboard.sort()).toEqual(visualisations.map((v) => v.object.id).sort());
  });

  it('are embedded for the bundled setup function exactly as definition.ts builds them into the NDJSON file', () => {
    const ndjson = readFileSync(NDJSON_PATH, 'utf8');
    expect(ndjson, 'run `npx tsx lambdas/opensearch/dashboards/embed.ts`').toBe(savedObjectsNdjson());
    expect(SAVED_OBJECTS_NDJSON).toBe(ndjson);
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(embeddedModuleSource(ndjson));
  });

  it('retarget every index pattern to another index prefix', () => {
    const rendered = parseSavedObjects(renderSavedObjects(SAVED_OBJECTS_NDJSON, 'site7'));
    const patterns = [...new Set(fieldUses(rendered).map((use) => use.pattern))];
    expect(patterns.length).toBeGreaterThanOrEqual(2);
    const mappings = mappingsByPattern('site7');
    for (const pattern of patterns) expect(mappings.has(pattern), pattern).toBe(true);
    expect(renderSavedObjects(SAVED_OBJECTS_NDJSON, 'geotech')).toBe(SAVED_OBJECTS_NDJSON);
  });

  it('refuse malformed NDJSON with the line named', () => {
    expect(() => parseSavedObjects('{"type":"x","id":"a","attributes":{},"references":[]}\nnot json\n')).toThrow(/line 2 is not JSON/);
    expect(() => parseSavedObjects('{"type":"x"}')).toThrow(/line 1 lacks/);
  });
});

describe('Dashboards layout', () => {
  const dashboard = objects.find((o) => o.type === 'dashboard');
  const panels = JSON.parse(String(dashboard?.attributes.panelsJSON)) as Array<{
    panelRefName: string;
    gridData: { x: number; y: number; w: number; h: number };
  }>;
  const visualisationOf = (panel: (typeof panels)[number]) => {
    const id = dashboard?.references.find((r) => r.name === panel.panelRefName)?.id;
    const found = visualisations.find((v) => v.object.id === id);
    if (!found) throw new Error(`no visualisation for ${panel.panelRefName}`);
    return found;
  };

  /** Dashboards' grid: 48 columns, 20 px rows, 8 px margins around and between panels (with margins on). */
  const ROW_PX = 20;
  const MARGIN_PX = 8;
  /** The grid's width in a browser window this wide (the page keeps 8 px either side). */
  const gridWidth = (viewport: number) => viewport - 2 * MARGIN_PX;
  const widthPx = (w: number, viewport: number) => {
    const column = (gridWidth(viewport) - MARGIN_PX * (GRID_COLUMNS + 1)) / GRID_COLUMNS;
    return column * w + MARGIN_PX * (w - 1);
  };
  const heightPx = (h: number) => ROW_PX * h + MARGIN_PX * (h - 1);
  const VIEWPORTS = [1280, 1600];

  it('places every panel inside the grid, none overlapping another', () => {
    for (const { gridData: g } of panels) {
      expect(g.x).toBeGreaterThanOrEqual(0);
      expect(g.x + g.w).toBeLessThanOrEqual(GRID_COLUMNS);
    }
    const overlaps: string[] = [];
    panels.forEach((a, i) =>
      panels.slice(i + 1).forEach((b) => {
        const [p, q] = [a.gridData, b.gridData];
        if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h)
          overlaps.push(`${a.panelRefName} / ${b.panelRefName}`);
      }),
    );
    expect(overlaps).toEqual([]);
  });

  it('leaves no empty area: every grid cell down to the last panel is covered', () => {
    const bottom = Math.max(...panels.map((p) => p.gridData.y + p.gridData.h));
    const holes: string[] = [];
    for (let y = 0; y < bottom; y += 1)
      for (let x = 0; x < GRID_COLUMNS; x += 1)
        if (!panels.some(({ gridData: g }) => x >= g.x && x < g.x + g.w && y >= g.y && y < g.y + g.h)) holes.push(`${x},${y}`);
    expect(holes).toEqual([]);
  });

  it('gives the table at least 110 px a column at 1280 and 1600 px', () => {
    const panel = panels.find((p) => visualisationOf(p).visState.type === 'table');
    if (!panel) throw new Error('no table');
    const columns = visualisationOf(panel).visState.aggs.length;
    expect(columns).toBe(2 + TABLE_COLUMNS.length);
    for (const viewport of VIEWPORTS) expect(widthPx(panel.gridData.w, viewport) / columns, `${viewport} px`).toBeGreaterThanOrEqual(110);
  });

  it('makes the status counts panel tall enough for all four counts at 1280 and 1600 px', () => {
    const panel = panels.find((p) => visualisationOf(p).visState.type === 'metric');
    if (!panel) throw new Error('no metric');
    const { visState } = visualisationOf(panel);
    const countLabel = String(visState.aggs[0].params.customLabel);
    const labels = (visState.aggs[1].params.filters as Array<{ label: string }>).map((f) => `${f.label} - ${countLabel}`);
    expect(labels).toHaveLength(4);
    // The metric visualisation lays its values out in wrapping rows: each value with its label under it, 16 px padding
    // all round; a 14 px label is taken as 7.5 px a character, the value as 1.2 times its font size; 40 px of panel title.
    const fontSize = Number(visState.params.metric.style.fontSize);
    const itemWidth = Math.max(...labels.map((l) => l.length * 7.5)) + 32;
    const itemHeight = fontSize * 1.2 + 21 + 32;
    for (const viewport of VIEWPORTS) {
      const perRow = Math.max(1, Math.floor(widthPx(panel.gridData.w, viewport) / itemWidth));
      const needed = 40 + Math.ceil(labels.length / perRow) * itemHeight;
      expect(heightPx(panel.gridData.h), `${viewport} px`).toBeGreaterThanOrEqual(needed);
    }
  });
});

describe('Dashboards index patterns', () => {
  it('carry a field list with every mapped field, each searchable and aggregatable, and short dates for the status table', () => {
    for (const pattern of objects.filter((o) => o.type === 'index-pattern')) {
      const fields = JSON.parse(String(pattern.attributes.fields)) as Array<{ name: string; searchable: unknown; aggregatable: unknown }>;
      expect(fields.length, pattern.id).toBeGreaterThan(10);
      for (const field of fields) {
        expect(typeof field.searchable, `${pattern.id} ${field.name}`).toBe('boolean');
        expect(typeof field.aggregatable, `${pattern.id} ${field.name}`).toBe('boolean');
      }
    }
    const status = objects.find((o) => o.id === 'geotech-status');
    expect(JSON.parse(String(status?.attributes.fields))).toEqual(indexPatternFields(STATUS_PROPERTIES));
    expect(JSON.parse(String(status?.attributes.fields)).map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['basis.status', 'position', 'status_rank', 'change', 'lower_alert', '_id']),
    );
    // The machine state is kept in the source only: not a field of the pattern.
    expect(JSON.parse(String(status?.attributes.fields)).map((f: { name: string }) => f.name)).not.toEqual(
      expect.arrayContaining(['machine_state']),
    );
    const formats = JSON.parse(String(status?.attributes.fieldFormatMap)) as Record<string, { id: string }>;
    for (const field of ['status_since', 'window_end', 'last_observed_at']) expect(formats[field]?.id, field).toBe('date');
  });
});
