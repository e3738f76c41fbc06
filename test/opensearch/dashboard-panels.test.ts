import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, afterAll, expect, it } from 'vitest';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import type { Reading } from '../../lambdas/domain/reading.js';
import { TABLE_COLUMNS } from '../../lambdas/opensearch/dashboards/definition.js';
import { SAVED_OBJECTS_NDJSON } from '../../lambdas/opensearch/dashboards/saved-objects.generated.js';
import { parseSavedObjects, renderSavedObjects, type SavedObject } from '../../lambdas/opensearch/saved-objects.js';
import type { StatusDocument, WindowDocument } from '../../lambdas/realtime/documents.js';
import { processRealtimeEvent } from '../../lambdas/realtime/realtime-processor.js';
import { refreshIndices } from '../../lambdas/realtime/queries.js';
import { streamRecord, tumblingEvent } from './events.js';
import {
  aggregationSearch,
  controlSearch,
  tsvbLines,
  tsvbSearches,
  visStateOf,
  type IndexPatternInfo,
  type InputControl,
  type MapView,
  type PanelSearch,
  type TsvbParams,
} from './panel-queries.js';
import { describeWithOpenSearch, documentsById, fileQuarantine, useSuiteIndices } from './support.js';

/**
 * Every panel of the imported dashboard, run as the search Dashboards sends, against a
 * known site whose readings went through the real-time processor: the panel's query must
 * succeed on the real server and answer what the panel is meant to show.
 */

const WINDOW_MS = 10_000;
const END = Date.parse('2026-03-04T12:00:00Z');
/** The dashboard's default time range (`now-1h` to `now`), at a fixed now. */
const RANGE = { from: END - 3_600_000, to: END };
/** What TSVB's "auto" interval picks for an hour (about 100 buckets, rounded to 30 s). */
const TSVB_INTERVAL_MS = 30_000;
const READINGS_PER_INSTRUMENT = 20;
const READING_EVERY_MS = 60_000;
const FIRST_READING = END - READINGS_PER_INSTRUMENT * READING_EVERY_MS + 1_000;

interface SiteInstrument {
  readonly id: string;
  readonly type: InstrumentType;
  /** The value of the first five readings, whose mean is the initial baseline. */
  readonly base: number;
  /** The value of the other fifteen. */
  readonly value: number;
  readonly surfaceLevel: number | null;
  readonly status: 'normal' | 'alert' | 'alarm' | 'action';
}

/**
 * The known site: statuses by design under the default rules, reached on the change from
 * the baseline (confirmed by the second window at the level), except the standpipes' rise,
 * on the level 3, 2 and 1 m below a 30 m surface.
 */
const SITE: readonly SiteInstrument[] = [
  { id: 'WS-1', type: 'water_standpipe', base: 25, value: 27.5, surfaceLevel: 30, status: 'alert' }, // 2.5 m below the surface
  { id: 'WS-2', type: 'water_standpipe', base: 25, value: 25, surfaceLevel: 30, status: 'normal' },
  { id: 'WS-3', type: 'water_standpipe', base: 26, value: 24.4, surfaceLevel: null, status: 'alarm' }, // drawdown 1.6 m
  { id: 'P-1', type: 'piezometer', base: 100, value: 155, surfaceLevel: 31, status: 'alarm' }, // +55 kPa
  { id: 'P-2', type: 'piezometer', base: 100, value: 100, surfaceLevel: 31, status: 'normal' },
  { id: 'P-3', type: 'piezometer', base: 120, value: 95, surfaceLevel: 31, status: 'alert' }, // -25 kPa
  { id: 'S-1', type: 'settlement_marker', base: 0, value: -21, surfaceLevel: null, status: 'action' },
  { id: 'S-2', type: 'settlement_marker', base: -1, value: -3, surfaceLevel: null, status: 'normal' },
  { id: 'S-3', type: 'settlement_marker', base: 0, value: 5.5, surfaceLevel: null, status: 'alert' }, // heave
  { id: 'E-1', type: 'extensometer', base: 0, value: 12, surfaceLevel: null, status: 'alert' },
  { id: 'E-2', type: 'extensometer', base: 0, value: 1, surfaceLevel: null, status: 'normal' },
  { id: 'G-1', type: 'strain_gauge', base: 0, value: -1600, surfaceLevel: null, status: 'alarm' },
  { id: 'G-2', type: 'strain_gauge', base: 100, value: 300, surfaceLevel: null, status: 'normal' },
];

const RANK = { normal: 0, alert: 1, alarm: 2, action: 3 } as const;
const BASELINE_READINGS = 5;

/** How far a reading (and so a window mean) strays from its instrument's value. */
const wobble = (value: number): number => Math.abs(value) * 0.001 + 1e-6;

/** The value an instrument is held at for its k-th reading. */
const heldAt = (instrument: SiteInstrument, k: number): number => (k < BASELINE_READINGS ? instrument.base : instrument.value);

/** The k-th reading of an instrument: its value, wobbling by 0.1 % (never across a level). */
function readingOf(instrument: SiteInstrument, index: number, k: number): Reading {
  const value = heldAt(instrument, k);
  return {
    instrumentId: instrument.id,
    type: instrument.type,
    value: Math.round((value + wobble(value) * Math.sin(k)) * 1e6) / 1e6,
    observedAt: FIRST_READING + k * READING_EVERY_MS,
    surfaceLevel: instrument.surfaceLevel,
    // Instruments 200 m apart on a line across the Melbourne grid: one per map cell.
    northing: 5_813_000 + index * 200,
    easting: 320_000 + index * 200,
  };
}

/**
 * What a time series plots for an instrument at its k-th reading, and how far it may
 * stray: the mean (relative to the surface, for standpipe levels), the change from the
 * baseline (none before it), or the rate (not judged with an hour of history).
 */
function plottedAt(instrument: SiteInstrument, k: number, field: string, relative: boolean): { value: number; within: number } | null {
  if (field === 'rate') return null;
  if (field === 'change') {
    if (k < BASELINE_READINGS) return null;
    return { value: instrument.value - instrument.base, within: wobble(instrument.value) + wobble(instrument.base) + 1e-6 };
  }
  if (relative && instrument.surfaceLevel === null) return null;
  const held = heldAt(instrument, k);
  return { value: held - (relative ? (instrument.surfaceLevel ?? 0) : 0), within: wobble(held) + 1e-6 };
}

/** The reading a TSVB bucket holds (one reading a minute in 30 s buckets, so every other bucket). */
const readingIndexOf = (bucketStart: number): number => (bucketStart - (FIRST_READING - 1_000)) / READING_EVERY_MS;

/** The map's view at its saved centre and zoom 13 on a 1600 px wide dashboard. */
const MAP_VIEW: MapView = { topLeft: { lat: -37.75, lon: 144.85 }, bottomRight: { lat: -37.87, lon: 145.07 } };

describeWithOpenSearch('dashboard panels against OpenSearch, on a known site', () => {
  const { prefix, client } = useSuiteIndices('panels');
  const objects = parseSavedObjects(renderSavedObjects(SAVED_OBJECTS_NDJSON, prefix));
  const visualisations = objects.filter((o) => o.type === 'visualization');
  const patterns = new Map(objects.filter((o) => o.type === 'index-pattern').map((o) => [o.id, patternInfo(o)]));
  const byId = (id: string): SavedObject => {
    const object = visualisations.find((o) => o.id === id);
    if (!object) throw new Error(`no visualisation ${id}`);
    return object;
  };
  let quarantine: ReturnType<typeof fileQuarantine>;
  let windows: WindowDocument[] = [];

  beforeAll(async () => {
    quarantine = fileQuarantine();
    let sequence = 0;
    const records: KinesisStreamRecord[] = [];
    for (let k = 0; k < READINGS_PER_INSTRUMENT; k += 1)
      SITE.forEach((instrument, index) => records.push(streamRecord(readingOf(instrument, index, k), ++sequence)));
    const deps = { client, indexPrefix: prefix, windowMs: WINDOW_MS, quarantine: quarantine.sink };
    const first = await processRealtimeEvent(tumblingEvent(records, {}), deps);
    const final = await processRealtimeEvent(tumblingEvent([], { state: first.response.state, final: true }), deps);
    expect(final.closed).toMatchObject({ windowsWritten: SITE.length * READINGS_PER_INSTRUMENT, statusesWritten: SITE.length });
    expect(quarantine.kept()).toEqual([]);
    await refreshIndices(client, [`${prefix}-*`]);
    windows = [...(await documentsById<WindowDocument>(client, `${prefix}-windows-*`)).values()];
    const statuses = await documentsById<StatusDocument>(client, `${prefix}-status`);
    // The site is as designed before any panel is asked about it.
    for (const instrument of SITE) expect(statuses.get(instrument.id)?.status, instrument.id).toBe(instrument.status);
  });
  afterAll(() => quarantine.remove());

  async function run(search: PanelSearch): Promise<Record<string, unknown>> {
    const response = await client.search({ index: search.index, body: search.body as never });
    expect(response.body._shards.failed, search.part).toBe(0);
    return response.body.aggregations as Record<string, unknown>;
  }

  function patternOf(object: SavedObject): IndexPatternInfo {
    const ref = object.references.find((r) => r.type === 'index-pattern');
    const pattern = ref ? patterns.get(ref.id) : undefined;
    if (!pattern) throw new Error(`${object.id} has no index pattern`);
    return pattern;
  }

  function queryOf(object: SavedObject): string {
    const source = JSON.parse(String((object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON)) as {
      query?: { query?: string };
    };
    return source.query?.query ?? '';
  }

  /** Runs a panel's searches; every visualisation type the saved objects hold must be one this knows. */
  async function runPanel(object: SavedObject): Promise<Array<{ search: PanelSearch; aggregations: Record<string, unknown> }>> {
    const visState = visStateOf(object);
    let searches: PanelSearch[];
    switch (visState.type) {
      case 'metric':
      case 'table':
        searches = [aggregationSearch(visState, patternOf(object), queryOf(object), RANGE)];
        break;
      case 'tile_map':
        searches = [aggregationSearch(visState, patternOf(object), queryOf(object), RANGE, MAP_VIEW)];
        break;
      case 'metrics':
        searches = tsvbSearches(visState.params as unknown as TsvbParams, RANGE, TSVB_INTERVAL_MS);
        break;
      case 'input_control_vis': {
        const controls = visState.params.controls as InputControl[];
        searches = controls.map((control) => {
          const ref = object.references.find((r) => r.name === control.indexPatternRefName);
          const title = patterns.get(ref?.id ?? '')?.title;
          if (!title) throw new Error(`control ${control.id} of ${object.id} has no index pattern`);
          const parent = controls.find((c) => c.id === control.parent);
          return controlSearch(control, title, parent ? { field: parent.fieldName, values: ['piezometer'] } : undefined);
        });
        break;
      }
      default:
        throw new Error(`${object.id}: no search is built for a ${visState.type} panel`);
    }
    const results = [];
    for (const search of searches) results.push({ search, aggregations: await run(search) });
    return results;
  }

  it('builds and runs a search for every panel on the dashboard', async () => {
    const dashboard = objects.find((o) => o.type === 'dashboard');
    const onDashboard = dashboard?.references.map((r) => r.id) ?? [];
    expect(onDashboard.length).toBe(visualisations.length);
    for (const id of onDashboard) {
      const results = await runPanel(byId(id));
      expect(results.length, id).toBeGreaterThan(0);
    }
  });

  it('counts the instruments at every status, zero or not, worst first', async () => {
    const [result] = await runPanel(byId('geotech-alert-count'));
    const buckets = (result?.aggregations['2'] as { buckets: Record<string, { doc_count: number }> }).buckets;
    const count = (status: SiteInstrument['status']) => SITE.filter((i) => i.status === status).length;
    expect(Object.entries(buckets).map(([label, b]) => [label, b.doc_count])).toEqual([
      ['Action', count('action')],
      ['Alarm', count('alarm')],
      ['Alert', count('alert')],
      ['Normal', count('normal')],
    ]);
    expect(Object.values(buckets).reduce((sum, b) => sum + b.doc_count, 0)).toBe(SITE.length);
  });

  it('tabulates one row per instrument, worst status first, with its latest window', async () => {
    const [result] = await runPanel(byId('geotech-latest-status-table'));
    type Hit = { hits: { hits: Array<{ _source: Record<string, unknown> }> } };
    const rows = (
      result?.aggregations['1'] as {
        buckets: Array<{ key: string; '2': { buckets: Array<{ key: string } & Record<string, Hit>> } }>;
      }
    ).buckets;
    const expectedOrder = [...SITE].sort((a, b) => RANK[b.status] - RANK[a.status] || a.id.localeCompare(b.id)).map((i) => i.id);
    expect(rows.map((row) => row.key)).toEqual(expectedOrder);
    const latestWindow = (id: string) =>
      windows.filter((w) => w.instrument_id === id).reduce((a, b) => (a.window_start > b.window_start ? a : b));
    for (const row of rows) {
      const instrument = SITE.find((i) => i.id === row.key);
      const [typeBucket] = row['2'].buckets;
      expect(typeBucket?.key).toBe(instrument?.type);
      const cell = (field: string) =>
        typeBucket?.[String(TABLE_COLUMNS.findIndex((c) => c.field === field) + 3)]?.hits.hits[0]?._source ?? {};
      const latest = latestWindow(row.key);
      expect(cell('status')).toEqual({ status: instrument?.status });
      expect(cell('mean')).toEqual({ mean: latest.mean });
      expect(cell('change')).toEqual({ change: latest.change });
      expect(Math.abs(latest.change! - (instrument!.value - instrument!.base))).toBeLessThanOrEqual(
        wobble(instrument!.value) + wobble(instrument!.base) + 1e-6,
      );
      expect(cell('rate')).toEqual({ rate: null });
      expect(Object.keys(cell('last_observed_at'))).toEqual(['last_observed_at']);
    }
  });

  it('puts every instrument with a position on the map, each cell at its worst status rank', async () => {
    const [result] = await runPanel(byId('geotech-status-map'));
    const collar = result?.aggregations.filter_agg as {
      doc_count: number;
      '2': { buckets: Array<{ doc_count: number; '1': { value: number }; '3': { location: { lat: number; lon: number } } }> };
    };
    expect(collar.doc_count).toBe(SITE.length);
    const cells = collar['2'].buckets;
    expect(cells.reduce((sum, c) => sum + c.doc_count, 0)).toBe(SITE.length);
    expect(cells.map((c) => c['1'].value).sort()).toEqual(SITE.map((i) => RANK[i.status]).sort());
    for (const cell of cells) {
      expect(cell['3'].location.lat).toBeCloseTo(-37.8, 0);
      expect(cell['3'].location.lon).toBeCloseTo(144.9, 0);
    }
  });

  it('draws the instruments nearest a level, the envelope of the rest, and the levels across the whole range', async () => {
    const buckets = (RANGE.to - RANGE.from) / TSVB_INTERVAL_MS;
    for (const object of visualisations.filter((o) => visStateOf(o).type === 'metrics' && o.id.startsWith('geotech-timeseries-'))) {
      const params = visStateOf(object).params as unknown as TsvbParams;
      const type = /instrument_type : "(\w+)"/.exec(params.filter?.query ?? '')?.[1] as InstrumentType;
      const instruments = SITE.filter((i) => i.type === type);
      const results = await runPanel(object);
      for (const { search, aggregations } of results) {
        const series = params.series.find((s) => s.id === search.part);
        if (!series) throw new Error(`no series ${search.part}`);
        const lines = tsvbLines(series, aggregations);
        for (const line of lines) expect(line.points.length, series.id).toBeGreaterThanOrEqual(buckets);
        const last = series.metrics.at(-1);
        const field = series.metrics.find((m) => m.type === 'avg' && m.field !== 'surface_level')?.field ?? last?.field ?? '';
        const relative = last?.type === 'math';
        if (last?.type === 'static') {
          // A level is drawn at every bucket of the range, with or without data.
          const value = Number(last.value);
          expect(
            lines[0]?.points.every(([, v]) => v === value),
            series.id,
          ).toBe(true);
        } else if (series.split_mode === 'terms') {
          const drawn = lines.map((l) => l.key);
          expect(drawn.length).toBe(Math.min(Number(series.terms_size), instruments.length));
          const rank = series.metrics.find((m) => m.id === series.terms_order_by);
          const change = (i: SiteInstrument) => i.value - i.base;
          const score = (i: SiteInstrument) =>
            rank?.field === 'status_rank' ? RANK[i.status] : rank?.type === 'min' ? -change(i) : change(i);
          const expected = [...instruments].sort((a, b) => score(b) - score(a) || a.id.localeCompare(b.id)).map((i) => i.id);
          // The rate is not judged with an hour of history, so its ranking has nothing to order by.
          if (field !== 'rate') expect(drawn, series.id).toEqual(expected.slice(0, drawn.length));
          for (const line of lines) {
            const instrument = instruments.find((i) => i.id === line.key)!;
            const points = line.points.filter(([, v]) => v !== null && !Number.isNaN(v)) as Array<[number, number]>;
            const expectedPoints = Array.from({ length: READINGS_PER_INSTRUMENT }, (_, k) =>
              plottedAt(instrument, k, field, relative),
            ).filter((p) => p !== null);
            expect(points.length, `${series.id} ${line.key}`).toBe(expectedPoints.length);
            for (const [t, v] of points) {
              const want = plottedAt(instrument, readingIndexOf(t), field, relative);
              expect(Math.abs(v - want!.value), `${series.id} ${line.key} at ${t}`).toBeLessThanOrEqual(want!.within);
            }
          }
        } else {
          // The envelope: the highest or lowest of all instruments of the type, bucket by bucket.
          const points = (lines[0]?.points ?? []).filter(([, v]) => v !== null) as Array<[number, number]>;
          const at = (k: number) => instruments.map((i) => plottedAt(i, k, field, relative)).filter((p) => p !== null);
          const expectedCount = Array.from({ length: READINGS_PER_INSTRUMENT }, (_, k) => at(k)).filter((p) => p.length > 0).length;
          expect(points.length, series.id).toBe(expectedCount);
          for (const [t, v] of points) {
            const candidates = at(readingIndexOf(t));
            const extreme =
              last?.type === 'max' ? Math.max(...candidates.map((p) => p.value)) : Math.min(...candidates.map((p) => p.value));
            expect(Math.abs(v - extreme), series.id).toBeLessThanOrEqual(Math.max(...candidates.map((p) => p.within)));
          }
        }
      }
    }
  });

  it('counts the instruments reporting per interval, per type', async () => {
    const object = byId('geotech-readings-reporting');
    const params = visStateOf(object).params as unknown as TsvbParams;
    const [result] = await runPanel(object);
    const series = params.series[0];
    if (!result || !series) throw new Error('no series');
    const lines = tsvbLines(series, result.aggregations);
    expect(lines.map((l) => l.key)).toEqual([...new Set(SITE.map((i) => i.type))].sort());
    for (const line of lines) {
      const reporting = line.points.map(([, v]) => v).filter((v) => v !== null && v > 0);
      expect(reporting.length, line.key).toBe(READINGS_PER_INSTRUMENT);
      expect(Math.max(...(reporting as number[]))).toBe(SITE.filter((i) => i.type === line.key).length);
    }
  });

  it('offers the instrument types, and the instruments of the type picked', async () => {
    const [types, instruments] = await runPanel(byId('geotech-instrument-picker'));
    const keys = (result: typeof types) => (result?.aggregations.termsAgg as { buckets: Array<{ key: string }> }).buckets.map((b) => b.key);
    expect(keys(types).sort()).toEqual([...new Set(SITE.map((i) => i.type))].sort());
    expect(keys(instruments).sort()).toEqual(SITE.filter((i) => i.type === 'piezometer').map((i) => i.id));
  });

  it('lists in each index pattern the fields the server reports, so Dashboards never refreshes and rewrites it', async () => {
    for (const pattern of objects.filter((o) => o.type === 'index-pattern')) {
      const title = String(pattern.attributes.title);
      const saved = JSON.parse(String(pattern.attributes.fields)) as Array<{
        name: string;
        type: string;
        esTypes?: string[];
        searchable: boolean;
        aggregatable: boolean;
      }>;
      // What makes Dashboards refresh the field list (and then write the pattern back): a field without these.
      expect(
        saved.every((f) => typeof f.searchable === 'boolean' && typeof f.aggregatable === 'boolean'),
        title,
      ).toBe(true);
      const response = await client.fieldCaps({ index: title, fields: '*' });
      const caps = response.body.fields as Record<string, Record<string, { searchable: boolean; aggregatable: boolean }>>;
      const served = Object.entries(caps)
        .filter(([name]) => !name.startsWith('_') || ['_id', '_index'].includes(name))
        .filter(([, byType]) => !('object' in byType))
        .map(([name, byType]) => {
          const [esType, cap] = Object.entries(byType)[0] ?? [];
          return { name, esType, searchable: cap?.searchable, aggregatable: cap?.aggregatable };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const listed = saved
        .filter((f) => served.some((s) => s.name === f.name) || !f.name.startsWith('_'))
        .map((f) => ({ name: f.name, esType: f.esTypes?.[0], searchable: f.searchable, aggregatable: f.aggregatable }));
      expect(listed, title).toEqual(served);
    }
  });
});

function patternInfo(object: SavedObject): IndexPatternInfo {
  const fields = JSON.parse(String(object.attributes.fields ?? '[]')) as IndexPatternInfo['fields'];
  return {
    title: String(object.attributes.title),
    ...(object.attributes.timeFieldName ? { timeFieldName: String(object.attributes.timeFieldName) } : {}),
    fields,
  };
}
