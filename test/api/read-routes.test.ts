import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  EventsResponse,
  InstrumentListResponse,
  InstrumentResponse,
  ReadingsResponse,
  ReadingsUploadResponse,
  WindowsResponse,
} from '../../lambdas/api/read-views.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { readAllRecords } from '../support/kinesis.js';
import { startTestReadApi, type TestReadApi } from '../support/read-api.js';

/**
 * The read API over real HTTP: the API function's handler behind the local server `npm start`
 * runs (JWT authorizer and sign-in stand-ins), on the known site in PGlite, with manual
 * readings put on a kinesis-local stream and taken from there by the batch processor.
 */
const CSV = 'text/csv';

let api: TestReadApi;
const tokens: Record<'engineer' | 'viewer', string> = { engineer: '', viewer: '' };

beforeAll(async () => {
  api = await startTestReadApi();
  tokens.engineer = await api.tokenFor('engineer');
  tokens.viewer = await api.tokenFor('viewer');
}, 120_000);

afterAll(async () => {
  await api?.close();
});

async function call(
  method: string,
  path: string,
  options: { as?: 'engineer' | 'viewer'; json?: unknown; text?: string; type?: string } = {},
) {
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.text;
  const type = options.type ?? (options.json !== undefined ? 'application/json' : undefined);
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[options.as ?? 'viewer']}`, ...(type ? { 'content-type': type } : {}) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

const get = <T>(path: string, as: 'engineer' | 'viewer' = 'viewer') => call('GET', path, { as }) as Promise<{ status: number; body: T }>;

describe('read API over HTTP', () => {
  it('lists every instrument with its status, silence, latest reading and open alarm, to viewers too', async () => {
    const { status, body } = await get<InstrumentListResponse>('/instruments');
    expect(status).toBe(200);
    expect(Date.parse(body.generatedAt)).toBeGreaterThanOrEqual(api.writtenAt);
    expect(body.instruments.map((i) => [i.instrumentId, i.instrumentType, i.status, i.silent, i.latestValue])).toEqual([
      ['PZ-01', 'piezometer', 'normal', true, 120],
      ['SM-01', 'settlement_marker', 'alert', true, -12.5],
      ['WS-01', 'water_standpipe', 'normal', false, 45],
    ]);
    // PZ-01's alarm cleared at 00:03; SM-01's alert is still open and waits for an acknowledgement.
    expect(body.instruments.map((i) => i.openAlarm)).toEqual([
      null,
      { alarmId: 'SM-01@2024-03-02T00:01:00.000Z', level: 'alert', needsAcknowledgement: true },
      null,
    ]);
    expect(body.instruments[0]).toMatchObject({
      easting: 320000,
      northing: 5812000,
      lastObservedAt: '2024-03-02T00:04:50.000Z',
      unit: 'kPa',
    });
  });

  it('gives an instrument’s registry entry, and a 404 problem for one the registry does not hold', async () => {
    const found = await get<InstrumentResponse>('/instruments/PZ-01');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      instrumentId: 'PZ-01',
      rule: { inForce: defaultTriggerRule('piezometer', null), source: 'default' },
    });
    const missing = await call('GET', '/instruments/NO-SUCH');
    expect(missing).toMatchObject({
      status: 404,
      type: 'application/problem+json',
      body: {
        type: 'urn:geotech:problem:not-found',
        instance: '/instruments/NO-SUCH',
        detail: expect.stringContaining('no instrument NO-SUCH'),
      },
    });
    expect((await call('GET', '/instruments/NO-SUCH/windows')).status).toBe(404);
  });

  it('pages windows with the cursor it gives, and refuses a cursor or range it did not', async () => {
    const range = 'from=2024-03-02T00:00:00Z&to=2024-03-02T00:05:00Z';
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: WindowsResponse } = await get<WindowsResponse>(
        `/instruments/PZ-01/windows?${range}&limit=12${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.windows.map((w) => w.windowStart));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => new Date(Date.parse('2024-03-02T00:00:00Z') + i * 10_000).toISOString()));

    // A date is a day of the site (UTC here): the whole of 2 March.
    const day = await get<WindowsResponse>('/instruments/SM-01/windows?from=2024-03-02&to=2024-03-02');
    expect(day.body.windows).toHaveLength(11);

    const badCursor = await call('GET', `/instruments/PZ-01/windows?${range}&cursor=nope`);
    expect(badCursor).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'query.cursor', problem: 'is not a cursor this API gave' }] },
    });
    const badRange = await call('GET', '/instruments/PZ-01/windows?from=2024-03-02T00:05:00Z&to=2024-03-02T00:00:00Z&limit=0&depth=3');
    expect(badRange.status).toBe(400);
    expect(badRange.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.depth', 'query.limit', 'query.to']);
  });

  it('gives readings with their source, and the status changes and spikes of a range', async () => {
    const readings = await get<ReadingsResponse>('/instruments/PZ-01/readings?from=2024-03-02T00:00:00Z&to=2024-03-02T00:00:30Z');
    expect(readings.body).toEqual({
      readings: [120, 140, 100].map((value, i) => ({
        observedAt: new Date(Date.parse('2024-03-02T00:00:00Z') + i * 10_000).toISOString(),
        value,
        arrivedAt: new Date(Date.parse('2024-03-02T00:00:00Z') + i * 10_000 + 500).toISOString(),
        source: 'poll',
        author: null,
        note: null,
      })),
      nextCursor: null,
    });
    const events = await get<EventsResponse>('/instruments/PZ-01/events?from=2024-03-01&to=2024-03-02');
    expect(events.body.changes.map((c) => `${c.windowStart} ${c.from}->${c.to}`)).toEqual([
      '2024-03-02T00:01:10.000Z normal->alert',
      '2024-03-02T00:02:10.000Z alert->alarm',
      '2024-03-02T00:03:00.000Z alarm->normal',
    ]);
    expect(events.body.spikes).toEqual([expect.objectContaining({ since: '2024-03-02T00:00:10.000Z', peakStatus: 'alert' })]);
    expect(events.body.truncated).toBe(false);
  });

  it('lets engineers set a trigger rule, naming each bad field of a refused one, and refuses viewers', async () => {
    const rule = defaultTriggerRule('extensometer', null);
    const viewer = await call('PUT', '/instruments/WS-01/trigger-rule', { as: 'viewer', json: rule });
    expect(viewer).toMatchObject({
      status: 403,
      body: { detail: expect.stringMatching(/^changing a trigger rule needs the engineers group/) },
    });

    const standpipe = defaultTriggerRule('water_standpipe', 50);
    const misordered = {
      ...standpipe,
      bands: [{ ...standpipe.bands[0]!, levels: { alert: 49, alarm: 48, action: 47 } }, ...standpipe.bands.slice(1)],
    };
    const refused = await call('PUT', '/instruments/WS-01/trigger-rule', { as: 'engineer', json: misordered });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'body.bands.0.levels', problem: 'rise levels must ascend (alert 49 < alarm 48 < action 47)' },
    ]);
    const notARule = await call('PUT', '/instruments/WS-01/trigger-rule', { as: 'engineer', json: { bands: 'none' } });
    expect(notARule.body.errors.map((e: { field: string }) => e.field)).toContain('body.bands');

    const tighter = { ...standpipe, hysteresisFraction: 0.1 };
    const set = await call('PUT', '/instruments/WS-01/trigger-rule', { as: 'engineer', json: tighter });
    expect(set).toMatchObject({
      status: 200,
      body: { instrumentId: 'WS-01', rule: { inForce: tighter, source: 'manual', setBy: 'engineer@site.local' } },
    });
    const reset = await call('PUT', '/instruments/WS-01/trigger-rule', { as: 'engineer', json: null });
    expect(reset.body.rule).toMatchObject({ inForce: standpipe, source: 'default', setBy: 'engineer@site.local' });
  });

  it('lets engineers add a baseline, and answers a bad one with its fields', async () => {
    const added = await call('POST', '/instruments/PZ-01/baselines', {
      as: 'engineer',
      json: { value: 101, effectiveFrom: '2024-03-02T00:04:00Z', reason: 'tip replaced' },
    });
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe('/instruments/PZ-01');
    expect((added.body as InstrumentResponse).baselines.at(-1)).toEqual({
      baselineId: 'manual-20240302T000400Z',
      source: 'manual',
      value: 101,
      effectiveFrom: '2024-03-02T00:04:00.000Z',
      reason: 'tip replaced',
      setBy: 'engineer@site.local',
      recordedAt: expect.any(String),
    });
    const again = await call('POST', '/instruments/PZ-01/baselines', {
      as: 'engineer',
      json: { value: 101, effectiveFrom: '2024-03-02T00:04:00Z', reason: 'twice' },
    });
    expect(again).toMatchObject({ status: 400, body: { errors: [{ field: 'body.baselineId' }] } });
    const bad = await call('POST', '/instruments/PZ-01/baselines', {
      as: 'engineer',
      json: { value: 1e6, effectiveFrom: 'soon', reason: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.effectiveFrom']);
    const outside = await call('POST', '/instruments/PZ-01/baselines', {
      as: 'engineer',
      json: { value: 1e6, effectiveFrom: '2024-03-02T00:04:30Z', reason: ' ' },
    });
    expect(outside.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.reason', 'body.value']);
  });
});

describe('manual readings over HTTP', () => {
  it('takes JSON and CSV from engineers, answers every row, and the accepted ones reach the store through the stream', async () => {
    const json = await call('POST', '/readings', {
      as: 'engineer',
      json: {
        readings: [
          { instrumentId: 'WS-01', observedAt: '2025-01-10T09:00:00+11:00', value: 45.2, note: 'dipped' },
          { instrumentId: 'WS-99', observedAt: '2025-01-10T09:00:00+11:00', value: 45.2 },
        ],
      },
    });
    expect(json.status).toBe(200);
    expect(json.body as ReadingsUploadResponse).toEqual({
      received: 2,
      accepted: 1,
      rejected: [
        {
          row: 2,
          instrumentId: 'WS-99',
          reason: 'unknown_instrument',
          field: 'instrumentId',
          detail: expect.stringMatching(/^WS-99 is not in the instrument registry/),
        },
      ],
    });

    const csv = [
      'instrument_id,observed_at,value,note',
      'WS-01,2025-01-10T00:10:00Z,45.3,"after rain, cap off"',
      'WS-01,2025-01-10T00:20:00Z,high,',
      'WS-01,2025-01-10 00:30:00,45.1,',
      'SM-01,2025-01-10T00:10:00Z,-12.4,levelled',
    ].join('\n');
    const upload = await call('POST', '/readings', { as: 'engineer', text: csv, type: CSV });
    expect(upload.body).toEqual({
      received: 4,
      accepted: 2,
      rejected: [
        expect.objectContaining({ row: 2, reason: 'non_numeric_reading', field: 'value' }),
        expect.objectContaining({ row: 3, reason: 'invalid_timestamp', field: 'observed_at' }),
      ],
    });

    await api.processStream();
    const stored = await get<ReadingsResponse>('/instruments/WS-01/readings?from=2025-01-09&to=2025-01-10');
    expect(stored.body.readings.map((r) => [r.observedAt, r.value, r.source, r.author, r.note])).toEqual([
      ['2025-01-09T22:00:00.000Z', 45.2, 'manual', 'engineer@site.local', 'dipped'],
      ['2025-01-10T00:10:00.000Z', 45.3, 'manual', 'engineer@site.local', 'after rain, cap off'],
    ]);
    const windows = await get<WindowsResponse>('/instruments/SM-01/windows?from=2025-01-10T00:00:00Z&to=2025-01-10T01:00:00Z');
    expect(windows.body.windows).toEqual([expect.objectContaining({ windowStart: '2025-01-10T00:10:00.000Z', count: 1, mean: -12.4 })]);

    // The same upload again: the stored ones are duplicates now.
    const repeat = await call('POST', '/readings', { as: 'engineer', text: csv, type: 'text/csv; charset=utf-8' });
    expect(repeat.body.accepted).toBe(0);
    expect(repeat.body.rejected.map((r: { row: number; reason: string }) => `${r.row}:${r.reason}`)).toEqual([
      '1:duplicate_time',
      '2:non_numeric_reading',
      '3:invalid_timestamp',
      '4:duplicate_time',
    ]);
  });

  it('refuses viewers, other content types, unreadable files and too many rows, saying why', async () => {
    const viewer = await call('POST', '/readings', { as: 'viewer', json: { readings: [] } });
    expect(viewer).toMatchObject({ status: 403, body: { detail: expect.stringMatching(/^entering readings needs the engineers group/) } });
    const plain = await call('POST', '/readings', { as: 'engineer', text: 'WS-01,45', type: 'text/plain' });
    expect(plain).toMatchObject({ status: 415, body: { detail: expect.stringContaining('text/csv') } });
    const header = await call('POST', '/readings', { as: 'engineer', text: 'id,time,value\n', type: CSV });
    expect(header).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining('expected instrument_id,observed_at,value,note') },
    });
    const shape = await call('POST', '/readings', { as: 'engineer', json: [{ instrumentId: 'WS-01' }] });
    expect(shape).toMatchObject({ status: 400, body: { errors: [{ field: 'body' }] } });
    const rows = [
      'instrument_id,observed_at,value',
      ...Array.from({ length: 10_001 }, (_, i) => `WS-01,${new Date(i * 1000).toISOString()},45`),
    ];
    const many = await call('POST', '/readings', { as: 'engineer', text: rows.join('\n'), type: CSV });
    expect(many).toMatchObject({ status: 413, body: { detail: expect.stringContaining('at most 10000') } });
    const large = await call('POST', '/readings', {
      as: 'engineer',
      text: `instrument_id,observed_at,value,note\n${'x'.repeat(3 * 1024 * 1024)}`,
      type: CSV,
    });
    expect(large).toMatchObject({ status: 413, body: { type: 'urn:geotech:problem:payload-too-large' } });
  });

  it('accepts a CSV of 10,000 rows in one request', async () => {
    const rows = ['instrument_id,observed_at,value,note'];
    const start = Date.parse('2025-02-01T00:00:00Z');
    for (let k = 0; k < 10_000; k++) {
      const id = ['PZ-01', 'SM-01', 'WS-01'][k % 3]!;
      const value = id === 'PZ-01' ? 120 : id === 'SM-01' ? -12 : 45;
      rows.push(`${id},${new Date(start + Math.floor(k / 3) * 60_000).toISOString()},${value},round ${Math.floor(k / 3)}`);
    }
    const text = rows.join('\r\n');
    const before = (await readAllRecords(api.stream.client, api.stream.name)).length;
    const upload = await call('POST', '/readings', { as: 'engineer', text, type: CSV });
    expect(upload).toMatchObject({ status: 200, body: { received: 10_000, accepted: 10_000, rejected: [] } });
    expect((await readAllRecords(api.stream.client, api.stream.name)).length - before).toBe(10_000);
  }, 300_000);
});
