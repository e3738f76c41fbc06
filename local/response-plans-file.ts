import { readFile } from 'node:fs/promises';
import type { ResponsePlanRule } from '../lambdas/domain/response-plans.js';
import { parseResponsePlanRules } from '../lambdas/shared/response-plan-schema.js';

/**
 * Response plan rules for the local runtime (`npm start -- --response-plans <file.json>`):
 * the full list as `PUT /response-plans` takes it, written to the database at start. For a
 * demonstration with short limits, e.g. Alarm and Action to be acknowledged within a minute:
 *
 * ```json
 * [
 *   { "scope": { "kind": "default" }, "level": "alarm",
 *     "entry": { "response": "Notify the designer; review the works", "limitMinutes": 1, "noteRequired": true } },
 *   { "scope": { "kind": "default" }, "level": "action",
 *     "entry": { "response": "Stop the works; make safe", "limitMinutes": 1, "noteRequired": true } }
 * ]
 * ```
 */
export async function readResponsePlansFile(path: string): Promise<ResponsePlanRule[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`--response-plans ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseResponsePlanRules(value);
  if (!parsed.ok) throw new Error(`--response-plans ${path}: ${parsed.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  return parsed.rules;
}
