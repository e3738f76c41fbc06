import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { EscalationPolicy } from '../domain/escalation.js';
import { alarmRoutes, type AlarmApiStore } from './alarm-routes.js';
import { callerOf } from './auth.js';
import { problem, ProblemError, problemResponse } from './problems.js';
import { responsePlanRoutes } from './response-plan-routes.js';
import { openAlarmsOf } from './open-alarms.js';
import { readRoutes, readRoutesNotServed, type ReadApiServices } from './read-routes.js';
import { queryOf, resolveRoute, type RouteTable } from './router.js';

export interface ApiHandlerDeps {
  readonly alarms: AlarmApiStore;
  /**
   * The read API's read model, registry and manual reading intake. The deployed function and
   * the local runtime give them; without them (an API serving alarms only, as some tests run
   * it) the read routes answer 404.
   */
  readonly readings?: ReadApiServices;
  /** The escalation policy the escalation function runs, for the alarm's escalation clock. */
  readonly policy: EscalationPolicy;
  /** IANA zone of the site: times are also given on its clock. */
  readonly siteTimeZone: string;
  /** Epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  readonly logger: Pick<Logger, 'error' | 'info'>;
}

export type ApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The alarm API's Lambda handler (HTTP API, payload 2.0, behind the JWT authorizer), with
 * its dependencies given (the deployed entry, the local server, tests). Each request is
 * routed by its route key, its caller read from the verified claims, and answered with
 * JSON; every refusal is an RFC 9457 problem document, and an unexpected failure is logged
 * and answered with a 500 problem that gives nothing away.
 */
export function createApiHandler(deps: ApiHandlerDeps): ApiHandler {
  const now = deps.now ?? Date.now;
  const routes: RouteTable = {
    ...alarmRoutes({ alarms: deps.alarms, policy: deps.policy, siteTimeZone: deps.siteTimeZone, now }),
    ...responsePlanRoutes({ alarms: deps.alarms }),
    ...(deps.readings
      ? readRoutes({ ...deps.readings, siteTimeZone: deps.siteTimeZone, now, openAlarms: () => openAlarmsOf(deps.alarms) })
      : readRoutesNotServed()),
  };
  return async (event) => {
    const instance = event.rawPath;
    try {
      const route = resolveRoute(event);
      const caller = callerOf(event);
      const response = await routes[route.routeKey]({
        event,
        routeKey: route.routeKey,
        pathParameters: route.pathParameters,
        query: queryOf(event),
        caller,
      });
      deps.logger.info('alarm API request', { routeKey: route.routeKey, status: response.statusCode, user: caller.userId });
      return response;
    } catch (error) {
      if (error instanceof ProblemError) {
        deps.logger.info('alarm API request refused', {
          routeKey: event.routeKey,
          status: error.problem.status,
          detail: error.problem.detail,
        });
        return problemResponse(error.problem, instance, error.headers);
      }
      deps.logger.error('alarm API request failed', { routeKey: event.routeKey, error: error as Error });
      return problemResponse(
        problem(
          'internal-error',
          `the request failed on the server (request id ${event.requestContext.requestId}); the API's logs have the cause`,
        ),
        instance,
      );
    }
  };
}
