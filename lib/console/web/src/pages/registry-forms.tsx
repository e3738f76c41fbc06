import { useState } from 'preact/hooks';
import type { Direction, JudgedQuantity, TriggerRule } from '../../../../../lambdas/domain/trigger-rules.js';
import { ApiProblem } from '../api/client.js';
import type { RegistryEntry } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Field } from '../components/field.js';
import { ProblemMessage, UnclaimedFieldErrors } from '../components/problem.js';
import { wallInput, wallInstant } from './manual-readings.js';

const LEVEL_NAMES = ['alert', 'alarm', 'action'] as const;
type LevelName = (typeof LEVEL_NAMES)[number];
type Levels = Record<LevelName, string>;

/** The rule as the form holds it: every number as the text typed. */
interface RuleDraft {
  bands: Array<{ direction: Direction; quantity: JudgedQuantity; levels: Levels }>;
  rateBands: Array<{ direction: Direction; periodHours: string; levels: Levels }>;
  confirmation: Levels;
  hysteresisFraction: string;
  baselineReadings: string;
}

function draftOf(rule: TriggerRule): RuleDraft {
  const text = (levels: Record<LevelName, number>): Levels => ({
    alert: String(levels.alert),
    alarm: String(levels.alarm),
    action: String(levels.action),
  });
  return {
    bands: rule.bands.map((b) => ({ direction: b.direction, quantity: b.quantity, levels: text(b.levels) })),
    rateBands: rule.rateBands.map((b) => ({ direction: b.direction, periodHours: String(b.periodHours), levels: text(b.levels) })),
    confirmation: text(rule.confirmation),
    hysteresisFraction: String(rule.hysteresisFraction),
    baselineReadings: String(rule.baselineReadings),
  };
}

/** The draft as the API takes it. Blank or non-numeric text goes as NaN, which JSON sends as null: the API names the field. */
function ruleOf(draft: RuleDraft): TriggerRule {
  const number = (text: string) => (text.trim() === '' ? NaN : Number(text));
  const numbers = (levels: Levels) => ({ alert: number(levels.alert), alarm: number(levels.alarm), action: number(levels.action) });
  return {
    bands: draft.bands.map((b) => ({ direction: b.direction, quantity: b.quantity, levels: numbers(b.levels) })),
    rateBands: draft.rateBands.map((b) => ({ direction: b.direction, periodHours: number(b.periodHours), levels: numbers(b.levels) })),
    confirmation: numbers(draft.confirmation),
    hysteresisFraction: number(draft.hysteresisFraction),
    baselineReadings: number(draft.baselineReadings),
  };
}

/** Field names as the API words them (`bands[0].levels`, `body.bands.0.levels.alert`) in one form: `bands.0.levels`. */
function normalised(field: string): string {
  return field.replace(/^body\./, '').replace(/\[(\d+)\]/g, '.$1');
}

function messagesUnder(error: Error | undefined, prefix: string): string[] {
  if (!(error instanceof ApiProblem)) return [];
  return error.errors.filter((e) => normalised(e.field) === prefix || normalised(e.field).startsWith(`${prefix}.`)).map((e) => e.message);
}

/**
 * The instrument's own trigger rule (engineers): level bands, rate bands, confirmation,
 * dead band and baseline readings, checked by the API against the type's physical range;
 * a refusal shows each message beside its field. Or back to the type's default.
 */
export function RuleEditor({ entry, onSaved }: { entry: RegistryEntry; onSaved: () => void }) {
  const { api } = useApp();
  const [draft, setDraft] = useState<RuleDraft>(() => draftOf(entry.rule.inForce));
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const update = (change: (d: RuleDraft) => void) =>
    setDraft((current) => {
      const next = structuredClone(current);
      change(next);
      return next;
    });

  const save = async (rule: TriggerRule | null) => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      await api.setTriggerRule(entry.instrumentId, rule);
      setSaved(rule === null ? "Back to the type's default rule." : 'Rule saved: windows judged from now on use it.');
      onSaved();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  const claimed = (field: string) =>
    /^(bands|rateBands)\.\d+(\.|$)|^confirmation(\.|$)|^hysteresisFraction$|^baselineReadings$/.test(normalised(field));

  return (
    <form
      class="rule-editor"
      aria-labelledby="rule-heading"
      onSubmit={(event) => {
        event.preventDefault();
        void save(ruleOf(draft));
      }}
    >
      <h2 id="rule-heading">Trigger rule</h2>
      {draft.bands.map((band, i) => (
        <fieldset key={`band${i}`} class="band">
          <legend>Level band {i + 1}</legend>
          <Choice
            label="Direction"
            value={band.direction}
            options={['rise', 'fall']}
            onChange={(v) => update((d) => void (d.bands[i]!.direction = v as Direction))}
            errors={messagesUnder(error, `bands.${i}.direction`)}
          />
          <Choice
            label="Judges"
            value={band.quantity}
            options={['change', 'absolute']}
            labels={{ change: 'change from baseline', absolute: 'the value itself' }}
            onChange={(v) => update((d) => void (d.bands[i]!.quantity = v as JudgedQuantity))}
            errors={messagesUnder(error, `bands.${i}.quantity`)}
          />
          <LevelInputs
            levels={band.levels}
            unit={entry.unit}
            errors={messagesUnder(error, `bands.${i}.levels`)}
            onChange={(name, v) => update((d) => void (d.bands[i]!.levels[name] = v))}
          />
          <button type="button" class="link-button" onClick={() => update((d) => void d.bands.splice(i, 1))}>
            Remove level band {i + 1}
          </button>
        </fieldset>
      ))}
      {draft.rateBands.map((band, i) => (
        <fieldset key={`rate${i}`} class="band">
          <legend>Rate band {i + 1}</legend>
          <Choice
            label="Direction"
            value={band.direction}
            options={['rise', 'fall']}
            onChange={(v) => update((d) => void (d.rateBands[i]!.direction = v as Direction))}
            errors={messagesUnder(error, `rateBands.${i}.direction`)}
          />
          <NumberInput
            label="Over the trailing (hours)"
            value={band.periodHours}
            errors={messagesUnder(error, `rateBands.${i}.periodHours`)}
            onChange={(v) => update((d) => void (d.rateBands[i]!.periodHours = v))}
          />
          <LevelInputs
            levels={band.levels}
            unit={`${entry.unit}/day`}
            errors={messagesUnder(error, `rateBands.${i}.levels`)}
            onChange={(name, v) => update((d) => void (d.rateBands[i]!.levels[name] = v))}
          />
          <button type="button" class="link-button" onClick={() => update((d) => void d.rateBands.splice(i, 1))}>
            Remove rate band {i + 1}
          </button>
        </fieldset>
      ))}
      <p class="band-buttons">
        <button
          type="button"
          onClick={() =>
            update((d) => void d.bands.push({ direction: 'rise', quantity: 'change', levels: { alert: '', alarm: '', action: '' } }))
          }
        >
          Add a level band
        </button>{' '}
        <button
          type="button"
          onClick={() =>
            update((d) => void d.rateBands.push({ direction: 'fall', periodHours: '24', levels: { alert: '', alarm: '', action: '' } }))
          }
        >
          Add a rate band
        </button>
      </p>
      <fieldset>
        <legend>Confirmation (consecutive windows a rise must hold)</legend>
        {LEVEL_NAMES.map((name) => (
          <NumberInput
            key={name}
            label={name}
            value={draft.confirmation[name]}
            errors={messagesUnder(error, `confirmation.${name}`)}
            onChange={(v) => update((d) => void (d.confirmation[name] = v))}
          />
        ))}
      </fieldset>
      <NumberInput
        label="Dead band (fraction of the narrowest level gap)"
        value={draft.hysteresisFraction}
        errors={messagesUnder(error, 'hysteresisFraction')}
        onChange={(v) => update((d) => void (d.hysteresisFraction = v))}
      />
      <NumberInput
        label="Readings for the initial baseline"
        value={draft.baselineReadings}
        errors={messagesUnder(error, 'baselineReadings')}
        onChange={(v) => update((d) => void (d.baselineReadings = v))}
      />
      <ProblemMessage error={error} what="Rule not saved" />
      <UnclaimedFieldErrors error={error} claimed={claimed} />
      {saved ? (
        <p class="done" role="status">
          {saved}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        Save rule
      </button>{' '}
      {entry.rule.source === 'manual' ? (
        <button type="button" disabled={busy} onClick={() => void save(null)}>
          Use the type's default
        </button>
      ) : null}
    </form>
  );
}

/**
 * A re-baseline (engineers): the new baseline's value, from when, and why. Windows from
 * that time are judged again.
 */
export function BaselineForm({ entry, onSaved }: { entry: RegistryEntry; onSaved: () => void }) {
  const { api, zone } = useApp();
  const [value, setValue] = useState('');
  const [from, setFrom] = useState(() => wallInput(Date.now(), zone));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const instant = wallInstant(from, zone);
      await api.addBaseline(entry.instrumentId, {
        value: Number(value),
        effectiveFrom: Number.isFinite(instant) ? new Date(instant).toISOString() : from,
        reason,
      });
      setSaved(true);
      setValue('');
      setReason('');
      onSaved();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="baseline-form" onSubmit={(event) => void submit(event)} aria-labelledby="baseline-heading">
      <h2 id="baseline-heading">Re-baseline</h2>
      <NumberInput
        label={`Baseline value (${entry.unit})`}
        value={value}
        errors={messagesUnder(error, 'value')}
        onChange={setValue}
        required
      />
      <Field label={`In force from (${zone})`} errors={messagesUnder(error, 'effectiveFrom')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="datetime-local"
            step="1"
            required
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Reason" hint="Why: replaced, damaged, re-zeroed…" errors={messagesUnder(error, 'reason')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        )}
      </Field>
      <ProblemMessage error={error} what="Baseline not added" />
      <UnclaimedFieldErrors error={error} claimed={(field) => ['value', 'effectiveFrom', 'reason'].includes(normalised(field))} />
      {saved ? (
        <p class="done" role="status">
          Baseline added: windows from its time are judged again.
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        Add baseline
      </button>
    </form>
  );
}

function LevelInputs(props: { levels: Levels; unit: string; errors: string[]; onChange: (name: LevelName, value: string) => void }) {
  return (
    <div class="levels-inputs">
      {LEVEL_NAMES.map((name) => (
        <NumberInput key={name} label={`${name} (${props.unit})`} value={props.levels[name]} onChange={(v) => props.onChange(name, v)} />
      ))}
      {props.errors.length > 0 ? (
        <ul class="errors" role="alert">
          {props.errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function NumberInput(props: { label: string; value: string; errors?: string[]; onChange: (value: string) => void; required?: boolean }) {
  return (
    <Field label={props.label} errors={props.errors ?? []}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="text"
          inputMode="decimal"
          required={props.required}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={props.value}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

function Choice(props: {
  label: string;
  value: string;
  options: readonly string[];
  labels?: Record<string, string>;
  errors: string[];
  onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} errors={props.errors}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          {props.options.map((o) => (
            <option key={o} value={o}>
              {props.labels?.[o] ?? o}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
