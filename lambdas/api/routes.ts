/**
 * The read API's routes: the instrument list, one instrument's registry entry, windows,
 * readings and events, engineers' registry edits, and manual readings.
 */
export const READ_API_ROUTES = [
  'GET /instruments',
  'GET /instruments/{id}',
  'GET /instruments/{id}/windows',
  'GET /instruments/{id}/readings',
  'GET /instruments/{id}/events',
  'PUT /instruments/{id}/trigger-rule',
  'POST /instruments/{id}/baselines',
  'POST /readings',
] as const;

export type ReadRouteKey = (typeof READ_API_ROUTES)[number];

/**
 * The API's routes, in API Gateway's route-key form (`METHOD /path/{param}`): the alarm
 * routes and the read API's. One list for the handler's dispatch, the local server's route
 * matching and the stack's HTTP API routes, so the three cannot drift apart.
 */
export const ALARM_API_ROUTES = [
  'GET /alarms',
  'GET /alarms/{id}',
  'POST /alarms/{id}/acknowledge',
  'GET /response-plans',
  'PUT /response-plans',
  ...READ_API_ROUTES,
] as const;

export type RouteKey = (typeof ALARM_API_ROUTES)[number];

/** A request matched to a route, as API Gateway gives it to the integration. */
export interface RouteMatch {
  readonly routeKey: RouteKey;
  /** Decoded path parameters (`{id}`), as API Gateway decodes them. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** No route for the request: no path matched (404), or the path matched for other methods (405, with them). */
export type RouteMiss = { readonly kind: 'no-path' } | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] };

interface CompiledRoute {
  readonly key: RouteKey;
  readonly method: string;
  readonly segments: readonly string[];
}

const COMPILED: readonly CompiledRoute[] = ALARM_API_ROUTES.map((key) => {
  const [method, path] = key.split(' ') as [string, string];
  return { key, method, segments: path.split('/').slice(1) };
});

/**
 * The route for `method` and `path` (no query string), matched as API Gateway matches HTTP
 * API routes: segment by segment, `{name}` taking one whole non-empty segment. A trailing
 * slash is not the same path. Returns why nothing matched otherwise.
 */
export function matchRoute(method: string, path: string): RouteMatch | RouteMiss {
  const segments = path.split('/').slice(1);
  const allowed: string[] = [];
  for (const route of COMPILED) {
    const parameters = matchSegments(route.segments, segments);
    if (parameters === null) continue;
    if (route.method === method.toUpperCase()) return { routeKey: route.key, pathParameters: parameters };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'no-path' };
}

export function isRouteMatch(result: RouteMatch | RouteMiss): result is RouteMatch {
  return 'routeKey' in result;
}

function matchSegments(template: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const parameters: Record<string, string> = {};
  for (const [index, part] of template.entries()) {
    const segment = actual[index]!;
    if (part.startsWith('{') && part.endsWith('}')) {
      if (segment === '') return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return null;
      }
      parameters[part.slice(1, -1)] = decoded;
    } else if (part !== segment) {
      return null;
    }
  }
  return parameters;
}
