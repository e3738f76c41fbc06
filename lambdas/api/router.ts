import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Caller } from './auth.js';
import { ProblemError, problem } from './problems.js';
import { ALARM_API_ROUTES, isRouteMatch, matchRoute, type RouteKey, type RouteMatch } from './routes.js';

/** What a route handler is given: the event, its route, path and query parameters, and the caller. */
export interface ApiRequest {
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
  readonly routeKey: RouteKey;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** Query parameters, decoded; a repeated one as API Gateway joins it (values separated by commas). */
  readonly query: Readonly<Record<string, string>>;
  readonly caller: Caller;
}

export type RouteHandler = (request: ApiRequest) => Promise<APIGatewayProxyStructuredResultV2>;

/** One handler per route of {@link ALARM_API_ROUTES}. */
export type RouteTable = Readonly<Record<RouteKey, RouteHandler>>;

/**
 * The route of an event. API Gateway names it in `routeKey` (one integration per route, the
 * stack's routes being {@link ALARM_API_ROUTES}) and gives the path parameters; a catch-all
 * route (`$default`, `ANY /{proxy+}`) leaves the matching to this function, on the same
 * table. Throws a 404 or 405 problem when nothing matches.
 */
export function resolveRoute(event: APIGatewayProxyEventV2WithJWTAuthorizer): RouteMatch {
  if ((ALARM_API_ROUTES as readonly string[]).includes(event.routeKey)) {
    return { routeKey: event.routeKey as RouteKey, pathParameters: (event.pathParameters ?? {}) as Record<string, string> };
  }
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  const match = matchRoute(method, path);
  if (isRouteMatch(match)) return match;
  if (match.kind === 'wrong-method') {
    throw new ProblemError(problem('method-not-allowed', `${path} does not take ${method}; it takes ${match.allowed.join(', ')}`), {
      allow: match.allowed.join(', '),
    });
  }
  throw new ProblemError(problem('not-found', `no route for ${method} ${path}; the routes are ${ALARM_API_ROUTES.join(', ')}`));
}

/** The query parameters of an event, as a plain record without undefined values. */
export function queryOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
