import { INITIAL_BASELINE_ID } from '../domain/baselines.js';
import { INSTRUMENT_TYPE_SPECS, isInstrumentType, type InstrumentType } from '../domain/instrument-types.js';
import type { RuleProblem, TriggerRule } from '../domain/trigger-rules.js';
import type { SqlDatabase } from '../db/sql-client.js';
import { parseTriggerRule } from '../shared/trigger-rule-schema.js';

/**
 * Engineers' changes to the instrument registry in the batch store: an instrument's own
 * trigger rule, and re-baselines. Every change is checked before anything is written;
 * a refused change names each field at fault and leaves the store as it was.
 */

/** A registry change that was refused. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    readonly instrumentId: string,
    readonly problems: readonly RuleProblem[],
  ) {
    super([`Refused change to ${instrumentId}:`, ...problems.map((p) => `  - ${p.field}: ${p.message}`)].join('\n'));
  }
}

export interface NewBaseline {
  /** Names the baseline in the history; unique per instrument, not `initial`. */
  readonly baselineId: string;
  readonly value: number;
  /** Epoch ms: windows starting at or after it are judged against this baseline. */
  readonly effectiveFrom: number;
  readonly reason: string;
}

const BASELINE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class InstrumentRegistry {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * Sets an instrument's own rule (checked against its type), or returns it to its type's
   * default with null. The rule applies to windows judged from now on.
   */
  async setTriggerRule(instrumentId: string, rule: unknown, setBy: string): Promise<TriggerRule | null> {
    const type = await this.typeOf(instrumentId);
    if (rule === null) {
      await this.db.execute(
        `UPDATE instruments SET trigger_rule = NULL, trigger_levels_source = 'default', trigger_rule_set_by = :set_by,
           trigger_rule_set_at = now() WHERE instrument_id = :id`,
        { id: instrumentId, set_by: setBy },
      );
      return null;
    }
    const parsed = parseTriggerRule(rule, type);
    if (!parsed.ok) throw new RegistryError(instrumentId, parsed.problems);
    await this.db.execute(
      `UPDATE instruments SET trigger_rule = :rule::jsonb, trigger_levels_source = 'manual', trigger_rule_set_by = :set_by,
         trigger_rule_set_at = now() WHERE instrument_id = :id`,
      { id: instrumentId, rule: JSON.stringify(parsed.rule), set_by: setBy },
    );
    return parsed.rule;
  }

  /**
   * Adds a baseline. Windows from its effective time are judged again (they are marked
   * pending, and the instrument's processor re-evaluates them from the checkpoint before
   * that time); windows before it keep their judgements.
   */
  async addBaseline(instrumentId: string, baseline: NewBaseline, setBy: string): Promise<void> {
    const type = await this.typeOf(instrumentId);
    const problems = baselineProblems(baseline, type);
    if (problems.length > 0) throw new RegistryError(instrumentId, problems);
    await this.db.transaction(async (session) => {
      const added = await session.execute(
        `INSERT INTO instrument_baselines (instrument_id, baseline_id, source, value, effective_from, reason, set_by)
         VALUES (:id, :baseline_id, 'manual', :value, :effective_from::timestamptz, :reason, :set_by)
         ON CONFLICT (instrument_id, baseline_id) DO NOTHING`,
        {
          id: instrumentId,
          baseline_id: baseline.baselineId,
          value: baseline.value,
          effective_from: new Date(baseline.effectiveFrom).toISOString(),
          reason: baseline.reason,
          set_by: setBy,
        },
      );
      if (added === 0)
        throw new RegistryError(instrumentId, [
          { field: 'baselineId', message: `${baseline.baselineId} is already in the baseline history` },
        ]);
      await session.execute(
        `UPDATE window_aggregates SET evaluated = false WHERE instrument_id = :id AND window_start >= :effective_from::timestamptz AND evaluated AND NOT beyond_horizon`,
        { id: instrumentId, effective_from: new Date(baseline.effectiveFrom).toISOString() },
      );
    });
  }

  private async typeOf(instrumentId: string): Promise<InstrumentType> {
    const rows = await this.db.query<{ instrument_type: string }>('SELECT instrument_type FROM instruments WHERE instrument_id = :id', {
      id: instrumentId,
    });
    const type = rows[0]?.instrument_type;
    if (type === undefined)
      throw new RegistryError(instrumentId, [{ field: 'instrumentId', message: 'no such instrument in the registry' }]);
    if (!isInstrumentType(type)) throw new RegistryError(instrumentId, [{ field: 'instrumentType', message: `unknown type ${type}` }]);
    return type;
  }
}

/** Checks a new baseline: a free identifier, a value inside the type's physical range, a valid time, a reason. */
export function baselineProblems(baseline: NewBaseline, type: InstrumentType): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { min, max } = INSTRUMENT_TYPE_SPECS[type].physicalRange;
  if (!BASELINE_ID.test(baseline.baselineId) || baseline.baselineId === INITIAL_BASELINE_ID)
    problems.push({ field: 'baselineId', message: `must be 1-64 letters, digits, '.', '_' or '-', and not '${INITIAL_BASELINE_ID}'` });
  if (!Number.isFinite(baseline.value) || baseline.value < min || baseline.value > max)
    problems.push({ field: 'value', message: `must be inside the physical range ${min}..${max} of a ${type} (got ${baseline.value})` });
  if (!Number.isFinite(baseline.effectiveFrom)) problems.push({ field: 'effectiveFrom', message: 'must be a valid instant' });
  if (baseline.reason.trim() === '') problems.push({ field: 'reason', message: 'say why the instrument is re-baselined' });
  return problems;
}
