import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstrumentRegistry } from '../../lambdas/batch/registry.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { MAX_PAGE_BYTES } from '../../lambdas/readings/pages.js';
import { ReadModel, type Page } from '../../lambdas/readings/read-model.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from '../support/batch-database.js';
import { KNOWN_SITE, useKnownSiteDatabase } from '../report/known-site.js';

const at = (iso: string) => Date.parse(iso);
const DAY_TWO = { from: at('2024-03-02T00:00:00Z'), to: at('2024-03-02T00:05:00Z') };

/** Every page of a paged read, following the cursor, with the JSON size of each. */
async function allPages<Item>(read: (after: number | null) => Promise<Page<Item>>): Promise<{ items: Item[]; pages: number[] }> {
  const items: Item[] = [];
  const pages: number[] = [];
  let after: number | null = null;
  for (;;) {
    const page = await read(after);
    items.push(...page.items);
    pages.push(Buffer.byteLength(JSON.stringify(page.items)));
    if (page.nextAfter === null) return { items, pages };
    expect(page.items.length).toBeGreaterThan(0);
    after = page.nextAfter;
  }
}

describe('read model on the known site (PGlite)', () => {
  const site = useKnownSiteDatabase('pglite');
  const model = () => new ReadModel(site.local.db, { windowSeconds: KNOWN_SITE.windowSeconds, now: () => site.writtenAt });

  it('lists every instrument with its position, status, latest reading and silence', async () => {
    const instruments = await model().instruments();
    expect(instruments).toEqual([
      {
        instrumentId: 'PZ-01',
        instrumentType: 'piezometer',
        unit: 'kPa',
        easting: 320000,
        northing: 5812000,
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        status: 'normal',
        silent: true,
        lastObservedAt: '2024-03-02T00:04:50.000Z',
        latestValue: 120,
      },
      expect.objectContaining({ instrumentId: 'SM-01', status: 'alert', silent: true, latestValue: -12.5 }),
      expect.objectContaining({ instrumentId: 'WS-01', status: 'normal', silent: false, latestValue: 45 }),
    ]);
  });

  it('gives the registry entry: rule in force and where it comes from, baselines, status', async () => {
    const entry = await model().instrument('PZ-01');
    expect(entry).toMatchObject({
      instrumentId: 'PZ-01',
      instrumentType: 'piezometer',
      surfaceLevel: null,
      status: 'normal',
      statusSince: '2024-03-02T00:03:00.000Z',
      firstObservedAt: '2024-03-01T23:50:00.000Z',
      rule: { inForce: defaultTriggerRule('piezometer', null), source: 'default', setBy: null, setAt: null },
      baselines: [
        {
          baselineId: 'initial',
          source: 'initial',
          value: expect.closeTo(100.14, 9),
          effectiveFrom: '2024-03-01T23:51:30.000Z',
          reason: 'mean of the first 5 or more readings',
          setBy: 'pipeline',
          recordedAt: expect.any(String),
        },
      ],
    });
    expect(await model().instrument('NO-SUCH')).toBeNull();
  });

  it('shows an engineer-set rule and a re-baseline once the registry has them', async () => {
    const registry = new InstrumentRegistry(site.local.db);
    const rule = { ...defaultTriggerRule('settlement_marker', null), hysteresisFraction: 0.1 };
    await registry.setTriggerRule('SM-01', rule, 'engineer@example.com');
    await registry.addBaseline(
      'SM-01',
      { baselineId: 'after-repair', value: -12, effectiveFrom: at('2024-03-02T00:02:00Z'), reason: 'marker reset after repair' },
      'engineer@example.com',
    );
    const entry = await model().instrument('SM-01');
    expect(entry?.rule).toEqual({ inForce: rule, source: 'manual', setBy: 'engineer@example.com', setAt: expect.any(String) });
    expect(entry?.baselines.map((b) => [b.baselineId, b.source, b.value, b.effectiveFrom, b.reason, b.setBy])).toEqual([
      ['initial', 'initial', -2, '2024-03-02T00:00:50.000Z', 'mean of the first 5 or more readings', 'pipeline'],
      ['after-repair', 'manual', -12, '2024-03-02T00:02:00.000Z', 'marker reset after repair', 'engineer@example.com'],
    ]);
  });

  it('pages an instrument’s windows in the range, oldest first, each window once', async () => {
    const { items, pages } = await allPages((after) => model().windows('PZ-01', DAY_TWO, { after, limit: 7 }));
    expect(pages).toHaveLength(5);
    expect(items).toHaveLength(30);
    expect(items.map((w) => w.windowStart)).toEqual(
      Array.from({ length: 30 }, (_, i) => new Date(DAY_TWO.from + i * 10_000).toISOString()),
    );
    expect(items[7]).toEqual({
      windowStart: '2024-03-02T00:01:10.000Z',
      windowEnd: '2024-03-02T00:01:20.000Z',
      count: 1,
      mean: 140,
      min: 140,
      max: 140,
      status: 'alert',
      rawStatus: 'alert',
      change: expect.closeTo(39.86, 9),
      ratePerDay: null,
      baselineId: 'initial',
    });
    const narrow = await model().windows(
      'PZ-01',
      { from: at('2024-03-02T00:02:00Z'), to: at('2024-03-02T00:02:30Z') },
      { after: null, limit: 100 },
    );
    expect(narrow).toEqual({ items: [expect.anything(), expect.anything(), expect.anything()], nextAfter: null });
  });

  it('pages an instrument’s readings with their source', async () => {
    const { items } = await allPages((after) => model().readings('PZ-01', DAY_TWO, { after, limit: 8 }));
    expect(items).toHaveLength(30);
    expect(items[1]).toEqual({
      observedAt: '2024-03-02T00:00:10.000Z',
      value: 140,
      arrivedAt: '2024-03-02T00:00:10.500Z',
      source: 'poll',
      author: null,
      note: null,
    });
  });

  it('lists status changes and unconfirmed spikes in the range', async () => {
    const events = await model().events('PZ-01', { from: at('2024-03-01T00:00:00Z'), to: at('2024-03-03T00:00:00Z') });
    expect(events.truncated).toBe(false);
    expect(events.changes.map((c) => [c.windowStart, c.from, c.to, c.cause, c.levels, c.late, c.withdrawn])).toEqual([
      ['2024-03-02T00:01:10.000Z', 'normal', 'alert', 'level:rise', { alert: 30, alarm: 50, action: 70 }, false, false],
      ['2024-03-02T00:02:10.000Z', 'alert', 'alarm', 'level:rise', { alert: 30, alarm: 50, action: 70 }, false, false],
      ['2024-03-02T00:03:00.000Z', 'alarm', 'normal', null, null, false, false],
    ]);
    expect(events.changes[1]).toMatchObject({ mean: 160, change: expect.closeTo(59.86, 9), confirmedBy: 'windows', baselineId: 'initial' });
    expect(events.spikes).toEqual([
      {
        since: '2024-03-02T00:00:10.000Z',
        until: '2024-03-02T00:00:20.000Z',
        peakStatus: 'alert',
        cause: 'level:rise',
        foundAt: expect.any(String),
      },
    ]);
    const none = await model().events('PZ-01', { from: at('2024-03-02T00:04:00Z'), to: at('2024-03-02T00:05:00Z') });
    expect(none).toEqual({ changes: [], spikes: [], truncated: false });
  });
});

describe('read model at site scale (PGlite)', () => {
  let local: LocalBatchDatabase;
  const NOW = at('2026-11-22T00:00:00Z');
  const model = () => new ReadModel(local.db, { windowSeconds: 10, now: () => NOW });

  beforeAll(async () => {
    local = await startLocalBatchDatabase('pglite');
    // 2,000 piezometers whose latest reading was 30 s ago; P-0001 to P-0004 are the silence cases below.
    await local.db.execute(
      `INSERT INTO instruments (instrument_id, instrument_type, unit, easting, northing, first_observed_at, last_observed_at)
       SELECT 'P-' || lpad(g::text, 4, '0'), 'piezometer', 'kPa', 320000 + g, 5812000 + g, :now::timestamptz - interval '1 day',
         :now::timestamptz - CASE g WHEN 1 THEN interval '70 minutes' WHEN 2 THEN interval '11 minutes'
           WHEN 3 THEN interval '9 minutes' WHEN 4 THEN interval '11 minutes' ELSE interval '30 seconds' END
       FROM generate_series(1, 2000) g`,
      { now: new Date(NOW).toISOString() },
    );
    await local.db.execute(
      `INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence)
       SELECT instrument_id, last_observed_at, (100 + right(instrument_id, 4)::int) * 1000000, 'shardId-000000000000', '1' FROM instruments`,
    );
    await local.db.execute(
      `INSERT INTO instrument_status (instrument_id, status, status_since, last_window_start, last_mean)
       SELECT instrument_id, CASE WHEN right(instrument_id, 1) = '7' THEN 'alarm' ELSE 'normal' END, last_observed_at, last_observed_at, 100
       FROM instruments`,
    );
    // P-0001 logs every 15 minutes, P-0002 every 10 s; P-0003 and P-0004 have no windows.
    await local.db.execute(
      `INSERT INTO window_aggregates (instrument_id, window_seconds, window_start, window_end, reading_count, sum_micro, mean,
         min_value, max_value, first_observed_at, last_observed_at, source_shard)
       SELECT w.id, 10, w.start, w.start + interval '10 seconds', 1, 100000000, 100, 100, 100, w.start, w.start, 'shardId-000000000000'
       FROM (
         SELECT 'P-0001' AS id, :now::timestamptz - interval '70 minutes' - k * interval '15 minutes' AS start FROM generate_series(0, 10) k
         UNION ALL
         -- A burst of re-reads that ran into the next window: one short gap, which the median passes over.
         SELECT 'P-0001', :now::timestamptz - interval '85 minutes' + interval '10 seconds'
         UNION ALL
         SELECT 'P-0002', :now::timestamptz - interval '11 minutes' - k * interval '10 seconds' FROM generate_series(0, 10) k
       ) w`,
      { now: new Date(NOW).toISOString() },
    );
  }, 60_000);

  afterAll(async () => {
    await local?.close();
  });

  it('lists 2,000 instruments in one answer, in id order', async () => {
    const instruments = await model().instruments();
    expect(instruments).toHaveLength(2000);
    expect(instruments.map((i) => i.instrumentId)).toEqual(Array.from({ length: 2000 }, (_, i) => `P-${String(i + 1).padStart(4, '0')}`));
    expect(instruments[1999]).toMatchObject({ instrumentId: 'P-2000', latestValue: 2100, status: 'normal', silent: false });
    expect(instruments.filter((i) => i.status === 'alarm')).toHaveLength(200);
  });

  it('calls an instrument silent after 10 minutes or 5 logging intervals without a reading, whichever is longer', async () => {
    const silent = new Map((await model().instruments()).map((i) => [i.instrumentId, i.silent]));
    // 15-minute logging (the median gap; their mean, with the short one, would be 13.5): 75 minutes, so 70 minutes
    // without a reading is not silent. 10-second logging: 10 minutes. Unknown interval: 10 minutes.
    expect([1, 2, 3, 4].map((n) => silent.get(`P-000${n}`))).toEqual([false, true, false, true]);
  });

  it('ends a page of readings before its JSON reaches the page limit, and the cursor picks up after it', async () => {
    // 1,500 manual readings with the longest note, two bytes a character: about 1.1 KB each.
    await local.db.execute(
      `INSERT INTO readings (instrument_id, observed_at, value_micro, source_shard, source_sequence, source, author, note)
       SELECT 'P-0005', :start::timestamptz + k * interval '1 second', k * 1000, 'shardId-000000000000', k::text, 'manual', 'engineer',
         repeat('é', 500)
       FROM generate_series(1, 1500) k`,
      { start: new Date(NOW - 3_600_000).toISOString() },
    );
    const range = { from: NOW - 3_600_000, to: NOW - 600_000 };
    const { items, pages } = await allPages((after) => model().readings('P-0005', range, { after, limit: 5000 }));
    expect(items).toHaveLength(1500);
    expect(new Set(items.map((r) => r.observedAt)).size).toBe(1500);
    expect(pages.length).toBeGreaterThan(1);
    for (const bytes of pages) expect(bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    expect(items[0]).toMatchObject({ source: 'manual', author: 'engineer', note: 'é'.repeat(500), value: 0.001 });
  });
});
