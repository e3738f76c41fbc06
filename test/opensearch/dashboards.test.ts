import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import { SAVED_OBJECTS_NDJSON } from '../../lambdas/opensearch/dashboards/saved-objects.generated.js';
import { embeddedModuleSource, parseSavedObjects, renderSavedObjects, type SavedObject } from '../../lambdas/opensearch/saved-objects.js';
import { fieldMapping, indexTemplates, type Properties } from '../../lambdas/realtime/index-templates.js';

const NDJSON_PATH = new URL('../../lambdas/opensearch/dashboards/geotech.ndjson', import.meta.url);
const GENERATED_PATH = new URL('../../lambdas/opensearch/dashboards/saved-objects.generated.ts', import.meta.url);

const NUMERIC = ['double', 'long', 'integer', 'short'];
/** The field types each use of a field accepts. */
const COMPATIBLE: Record<string, readonly string[]> = {
  avg: NUMERIC,
  min: NUMERIC,
  max: NUMERIC,
  sum: NUMERIC,
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
      aggs: Array<{ type: string; params: { field?: string; sortField?: string } }>;
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
    const reference = object.references.find((r) => r.name === searchSource.indexRefName);
    const pattern = titleOfPattern.get(reference?.id ?? '') ?? `(unresolved index pattern of ${object.id})`;
    for (const agg of visState.aggs) {
      if (agg.params.field) uses.push({ object: object.id, pattern, field: agg.params.field, use: agg.type });
      if (agg.params.sortField) uses.push({ object: object.id, pattern, field: agg.params.sortField, use: 'sort' });
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

  it('draw a time series with all three trigger levels for every instrument type', () => {
    for (const type of INSTRUMENT_TYPES) {
      const series = visualisations.filter(
        ({ visState }) => visState.type === 'metrics' && visState.params.filter?.query === `instrument_type : "${type}"`,
      );
      expect(series, type).toHaveLength(1);
      const fields = series[0]?.visState.params.series.flatMap((s: { metrics: Array<{ field: string }> }) => s.metrics.map((m) => m.field));
      expect(fields).toEqual(expect.arrayContaining(['mean', 'trigger_alert', 'trigger_alarm', 'trigger_action']));
    }
  });

  it('map the instruments by position, coloured by status, and count those above normal', () => {
    const map = visualisations.find(({ visState }) => visState.type === 'tile_map');
    expect(map?.visState.aggs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'geohash_grid', params: expect.objectContaining({ field: 'position' }) }),
        expect.objectContaining({ schema: 'metric', params: expect.objectContaining({ field: 'status_rank' }) }),
      ]),
    );
    const count = visualisations.find(({ visState }) => visState.type === 'metric');
    expect(count?.visState.aggs[0].type).toBe('count');
    expect(
      JSON.parse(String((count?.object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON)).query.query,
    ).toBe('status_rank >= 1');
  });

  it('tabulate the latest status and window mean per instrument', () => {
    const table = visualisations.find(({ visState }) => visState.type === 'table');
    const fields = table?.visState.aggs.map((a: { params: { field: string } }) => a.params.field);
    expect(fields).toEqual(expect.arrayContaining(['instrument_id', 'status', 'mean', 'status_since', 'last_observed_at']));
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

  it('are embedded for the bundled setup function exactly as kept in the NDJSON file', () => {
    const ndjson = readFileSync(NDJSON_PATH, 'utf8');
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
