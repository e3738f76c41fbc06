import { InvalidCursorError, type AlarmStore } from '../alarms/alarm-store.js';
import type { EscalationPolicy } from '../domain/escalation.js';
import { requireEngineer } from './auth.js';
import { readJsonBody, jsonResponse } from './http.js';
import { presentAcknowledgement, presentAlarmDetail, presentAlarmSummary, type PresentContext } from './present.js';
import { fail } from './problems.js';
import { ACKNOWLEDGE_BODY_SCHEMA, listAlarmsQuerySchema, parseInput } from './request-schemas.js';
import type { RouteTable } from './router.js';
import type { AcknowledgeResponse, AlarmDetailResponse, AlarmListResponse } from './views.js';

/** What the alarm API needs of the store. */
export type AlarmApiStore = Pick<AlarmStore, 'listAlarms' | 'getAlarm' | 'acknowledge' | 'responsePlanRules' | 'putResponsePlanRules'>;

export interface AlarmRouteDeps {
  readonly alarms: AlarmApiStore;
  readonly policy: EscalationPolicy;
  readonly siteTimeZone: string;
  /** Epoch ms: acknowledgement times and what is overdue. */
  readonly now: () => number;
}

type AlarmRoutes = Pick<RouteTable, 'GET /alarms' | 'GET /alarms/{id}' | 'POST /alarms/{id}/acknowledge'>;

/** `GET /alarms`, `GET /alarms/{id}` and `POST /alarms/{id}/acknowledge`. */
export function alarmRoutes(deps: AlarmRouteDeps): AlarmRoutes {
  const { alarms, siteTimeZone } = deps;
  const querySchema = listAlarmsQuerySchema(siteTimeZone);
  const context = async (): Promise<PresentContext> => ({
    siteTimeZone,
    rules: await alarms.responsePlanRules(),
    policy: deps.policy,
    now: deps.now(),
  });
  const detailOf = async (alarmId: string) => {
    const detail = await alarms.getAlarm(alarmId);
    if (detail === null) throw fail('not-found', `there is no alarm ${alarmId}; GET /alarms lists them`);
    return presentAlarmDetail(detail, await context());
  };

  return {
    async 'GET /alarms'({ query }) {
      const q = parseInput(querySchema, query, 'query', 'the alarm filter');
      let page;
      try {
        page = await alarms.listAlarms(
          {
            ...(q.state === undefined ? {} : { state: q.state }),
            ...(q.level === undefined ? {} : { level: q.level }),
            ...(q.type === undefined ? {} : { instrumentType: q.type }),
            ...(q.from === undefined ? {} : { from: q.from }),
            ...(q.to === undefined ? {} : { to: q.to }),
            ...(q.instrument === undefined ? {} : { instrumentId: q.instrument }),
          },
          { cursor: q.cursor ?? null, ...(q.limit === undefined ? {} : { limit: q.limit }) },
        );
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw fail('invalid-request', 'the cursor is not one this API gave; pass the nextCursor of the previous page as it is', [
            { field: 'query.cursor', problem: 'is not a cursor this API gave' },
          ]);
        }
        throw error;
      }
      const shared = await context();
      const body: AlarmListResponse = {
        siteTimeZone,
        alarms: page.alarms.map((alarm) => presentAlarmSummary(alarm, shared)),
        nextCursor: page.nextCursor,
      };
      return jsonResponse(200, body);
    },

    async 'GET /alarms/{id}'({ pathParameters }) {
      const body: AlarmDetailResponse = { siteTimeZone, alarm: await detailOf(alarmIdOf(pathParameters)) };
      return jsonResponse(200, body);
    },

    async 'POST /alarms/{id}/acknowledge'({ event, pathParameters, caller }) {
      requireEngineer(caller, 'acknowledging');
      const alarmId = alarmIdOf(pathParameters);
      const request = parseInput(ACKNOWLEDGE_BODY_SCHEMA, readJsonBody(event), 'body', 'the acknowledgement');
      const result = await alarms.acknowledge(alarmId, {
        by: caller.userId,
        byName: caller.userName,
        at: deps.now(),
        note: request.note,
        response: request.response ?? null,
      });
      if (result === 'not-found') throw fail('not-found', `there is no alarm ${alarmId}; GET /alarms lists them`);
      if (result.outcome === 'rejected') throw fail(result.problem, result.detail, [{ field: 'body.note', problem: result.detail }]);
      const body: AcknowledgeResponse = {
        siteTimeZone,
        outcome: result.outcome,
        acknowledgement: presentAcknowledgement(result.acknowledgement, siteTimeZone),
        alarm: await detailOf(alarmId),
      };
      return jsonResponse(200, body);
    },
  };
}

function alarmIdOf(pathParameters: Readonly<Record<string, string>>): string {
  const id = pathParameters.id;
  if (id === undefined || id.trim() === '') throw fail('not-found', 'the path names no alarm; GET /alarms lists them');
  return id;
}
