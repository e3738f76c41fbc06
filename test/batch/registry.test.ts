import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import { InstrumentRegistry, RegistryError } from '../../lambdas/batch/registry.js';
import { defaultTriggerRule } from '../../lambdas/domain/trigger-rules.js';
import { CLEAR_BATCH_STORE, startLocalBatchDatabase, type Engine, type LocalBatchDatabase } from '../support/batch-database.js';
import { describeWithPostgres } from '../support/postgres-server.js';
import { piezometerReading, streamRecord, windowEvent } from '../support/tumbling-events.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
let local: LocalBatchDatabase;

async function run(means: readonly number[], from = 0, arrival = T0 + 1_000_000): Promise<void> {
  const deps = { store: new AuroraBatchStore(local.db, 10), alarms: new AlarmStore(local.db), windowSeconds: 10, allowedLatenessMs: 0 };
  const records = means.map((mean, k) =>
    streamRecord(piezometerReading('BH-R', T0 + (from + k) * 10_000 + 1_000, mean), from + k, arrival),
  );
  const first = await processBatch(windowEvent(records, {}, false), deps);
  await processBatch(windowEvent([], first.response.state, true), deps);
}

async function judged() {
  const rows = await local.rows<{ status: string; change_value: number | null; baseline_id: string | null }>(
    'SELECT status, change_value, baseline_id FROM window_aggregates ORDER BY window_start',
  );
  return rows.map((r) => [r.status, r.change_value, r.baseline_id]);
}

function registrySuite(engine: Engine) {
  beforeAll(async () => {
    local = await startLocalBatchDatabase(engine);
  });
  afterAll(async () => local?.close());
  afterEach(async () => local.rows(CLEAR_BATCH_STORE));

  it('refuses a rule whose levels do not ascend, naming the field, and changes nothing', async () => {
    await run([100]);
    const registry = new InstrumentRegistry(local.db);
    const bad = {
      ...defaultTriggerRule('piezometer', null),
      bands: [{ direction: 'rise', quantity: 'change', levels: { alert: 50, alarm: 30, action: 70 } }],
    };
    const error = await registry.setTriggerRule('BH-R', bad, 'engineer@site').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).problems).toEqual([
      { field: 'bands[0].levels', message: 'rise levels must ascend (alert 50 < alarm 30 < action 70)' },
    ]);
    expect(await local.rows('SELECT trigger_rule, trigger_levels_source FROM instruments')).toEqual([
      { trigger_rule: null, trigger_levels_source: 'default' },
    ]);
    const shapeless = await registry.setTriggerRule('BH-R', { bands: 'high' }, 'engineer@site').catch((e: unknown) => e);
    expect((shapeless as RegistryError).problems.map((p) => p.field)).toContain('bands');
    await expect(registry.setTriggerRule('BH-NONE', null, 'x')).rejects.toThrow(/no such instrument/);
  });

  it("judges windows after a rule change by the instrument's own rule", async () => {
    // Baseline 100 from windows 0-4; an engineer lowers the alert to +10 kPa with no confirmation delay.
    await run([100, 100, 100, 100, 100]);
    const own = {
      ...defaultTriggerRule('piezometer', null),
      bands: [{ direction: 'rise', quantity: 'change', levels: { alert: 10, alarm: 20, action: 30 } }],
      confirmation: { alert: 1, alarm: 1, action: 1 },
    };
    await new InstrumentRegistry(local.db).setTriggerRule('BH-R', own, 'engineer@site');
    await run([112, 125], 5);
    expect((await judged()).slice(5)).toEqual([
      ['alert', 12, 'initial'],
      ['alarm', 25, 'initial'],
    ]);
    expect(await local.rows('SELECT trigger_levels_source, trigger_rule_set_by FROM instruments')).toEqual([
      { trigger_levels_source: 'manual', trigger_rule_set_by: 'engineer@site' },
    ]);
  });

  it('re-baselines: windows from the effective time are judged again on the new baseline, earlier ones keep theirs', async () => {
    // Baseline 100; windows 5-8 at 140 (+40): alert confirmed at 6. The gauge was re-zeroed at window 7: baseline 140.
    await run([100, 100, 100, 100, 100, 140, 140, 140, 140]);
    expect((await judged()).slice(5)).toEqual([
      ['normal', 40, 'initial'],
      ['alert', 40, 'initial'],
      ['alert', 40, 'initial'],
      ['alert', 40, 'initial'],
    ]);
    const registry = new InstrumentRegistry(local.db);
    await registry.addBaseline(
      'BH-R',
      { baselineId: 're-zero-1', value: 140, effectiveFrom: T0 + 70_000, reason: 'gauge re-zeroed' },
      'engineer@site',
    );
    await run([140], 9);
    expect((await judged()).slice(5)).toEqual([
      ['normal', 40, 'initial'],
      ['alert', 40, 'initial'],
      ['normal', 0, 're-zero-1'],
      ['normal', 0, 're-zero-1'],
      ['normal', 0, 're-zero-1'],
    ]);
    const refused = await registry
      .addBaseline('BH-R', { baselineId: 'initial', value: 5000, effectiveFrom: Number.NaN, reason: ' ' }, 'engineer@site')
      .catch((e: unknown) => e);
    expect((refused as RegistryError).problems.map((p) => p.field)).toEqual(['baselineId', 'value', 'effectiveFrom', 'reason']);
    expect(await local.rows('SELECT baseline_id FROM instrument_baselines ORDER BY effective_from')).toEqual([
      { baseline_id: 'initial' },
      { baseline_id: 're-zero-1' },
    ]);
  });
}

describe('instrument registry (local Data API over PGlite)', () => registrySuite('pglite'));
describeWithPostgres('instrument registry (local Data API over a real PostgreSQL server)', () => registrySuite('postgres'));
