import { parseResponsePlanRules } from '../shared/response-plan-schema.js';
import type { AlarmApiStore } from './alarm-routes.js';
import { requireEngineer } from './auth.js';
import { jsonResponse, readJsonBody } from './http.js';
import { presentResponsePlans } from './present.js';
import { fail } from './problems.js';
import type { RouteTable } from './router.js';

type ResponsePlanRoutes = Pick<RouteTable, 'GET /response-plans' | 'PUT /response-plans'>;

/**
 * `GET /response-plans` (everyone signed in) and `PUT /response-plans` (engineers): the
 * stored rules and the built-in defaults. PUT takes the full rule list, `{"rules": [...]}`,
 * checked by the shared schema and the domain (limits, lengths, one rule per scope and
 * level), and replaces the stored rules with it, each change audited with the caller.
 */
export function responsePlanRoutes(deps: { readonly alarms: AlarmApiStore }): ResponsePlanRoutes {
  return {
    async 'GET /response-plans'() {
      return jsonResponse(200, presentResponsePlans(await deps.alarms.responsePlanRules()));
    },

    async 'PUT /response-plans'({ event, caller }) {
      requireEngineer(caller, 'changing the response plan');
      const body = readJsonBody(event);
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !('rules' in body)) {
        throw fail('invalid-request', 'the body must be {"rules": [...]}: the full rule list (GET /response-plans gives the current one)', [
          { field: 'body.rules', problem: 'is required: the full list of rules' },
        ]);
      }
      const extra = Object.keys(body).filter((key) => key !== 'rules');
      if (extra.length > 0) {
        throw fail(
          'invalid-request',
          `the body takes only "rules" (got ${extra.join(', ')})`,
          extra.map((key) => ({ field: `body.${key}`, problem: 'unknown field; the body is {"rules": [...]}' })),
        );
      }
      const parsed = parseResponsePlanRules((body as { rules: unknown }).rules);
      if (!parsed.ok) {
        const errors = parsed.problems.map((problem) => ({ field: ruleField(problem.field), problem: problem.message }));
        throw fail('invalid-request', `the response plan: ${errors.map((error) => `${error.field} ${error.problem}`).join('; ')}`, errors);
      }
      await deps.alarms.putResponsePlanRules(parsed.rules, caller.userId);
      return jsonResponse(200, presentResponsePlans(await deps.alarms.responsePlanRules()));
    },
  };
}

/** A rule field as the domain names it (`[2].entry.limitMinutes`, `(rules)`) as a body field (`body.rules[2].entry.limitMinutes`). */
function ruleField(field: string): string {
  if (field === '(rules)') return 'body.rules';
  return `body.rules${field.startsWith('[') ? '' : '.'}${field}`;
}
