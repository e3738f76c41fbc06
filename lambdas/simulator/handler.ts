/**
 * Lambda handler serving the simulated source API behind a Lambda function URL
 * (payload format 2.0). Configured from the environment, read once per instance:
 *
 * - `SIMULATOR_SEED` — seed of the fleet, series and faults (default `geotech`).
 * - `SIMULATOR_INSTRUMENTS_PER_TYPE` — instruments of each type (default: drawn from the seed in 50..150).
 * - `SIMULATOR_SLOW_DELAY_MS` — delay of a slow response (default 5000); keep it under the function timeout.
 * - Fault rates, 0..1 each (default 0): `SIMULATOR_FAULT_RATE_NULL`, `_EMPTY`, `_BAD_TIMESTAMP`,
 *   `_NON_NUMERIC`, `_DUPLICATE`, `_LEGACY_NAMES` (per item), `_5XX`, `_SLOW`, `_INVALID_JSON` (per response).
 *
 * Every instance with the same configuration serves the same fleet and, for the same
 * request time, the same readings.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sleep } from '../shared/retry.js';
import { simulatorOptionsFromEnv } from './options.js';
import { createSimulator, type Simulator } from './simulator.js';

export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A handler for the given environment; `now` replaces the clock (for tests). */
export function createHandler(
  env: Readonly<Record<string, string | undefined>>,
  overrides: { readonly now?: () => number } = {},
): FunctionUrlHandler {
  let simulator: Simulator | undefined;
  return async (event) => {
    simulator ??= createSimulator({ ...simulatorOptionsFromEnv(env), ...overrides });
    const method = event.requestContext.http.method;
    // The query string carries history mode (`since`, `cursor`, `limit`); a function URL hands it over apart from the path.
    const path = event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath;
    const response = simulator.handle({ method, path });
    if (response.delayMs > 0) await sleep(response.delayMs);
    return {
      statusCode: response.status,
      headers: { ...response.headers },
      body: method.toUpperCase() === 'HEAD' ? '' : response.body,
    };
  };
}

export const handler: FunctionUrlHandler = createHandler(process.env);
