import * as z from 'zod/mini';
import {
  dataApiTargetVariables,
  parseEnvironment,
  unsetWhenBlank,
  wholeNumber,
  windowSecondsVariable,
  type Environment,
} from '../shared/environment.js';
import { DEFAULT_LATE_HORIZON_MS } from '../domain/reevaluation.js';

/** The batch processor's settings, from the variables the stack sets. */
export interface BatchConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
  /** Event-time window length, seconds. */
  readonly windowSeconds: number;
  /** How late a reading may arrive and still count for its window's trigger evaluation, ms. */
  readonly allowedLatenessMs: number;
  /** How far before an instrument's latest judged window arriving windows are still judged, ms. */
  readonly lateHorizonMs: number;
}

export const DEFAULT_ALLOWED_LATENESS_SECONDS = 30;

/** `ALLOWED_LATENESS_SECONDS`, the same rule for every consumer that closes event windows. */
export const allowedLatenessVariable = () =>
  unsetWhenBlank(z._default(wholeNumber('seconds', 0, 86_400), DEFAULT_ALLOWED_LATENESS_SECONDS));

const EnvironmentSchema = z.object({
  ...dataApiTargetVariables,
  WINDOW_SECONDS: windowSecondsVariable(10),
  ALLOWED_LATENESS_SECONDS: allowedLatenessVariable(),
  LATE_HORIZON_SECONDS: unsetWhenBlank(z._default(wholeNumber('seconds', 3600, 90 * 86_400), DEFAULT_LATE_HORIZON_MS / 1000)),
});

/** Throws ConfigError naming every variable that is missing or malformed. */
export function readBatchConfig(env: Environment): BatchConfig {
  const e = parseEnvironment(EnvironmentSchema, env, 'batch processor environment');
  return {
    clusterArn: e.DB_CLUSTER_ARN,
    secretArn: e.DB_SECRET_ARN,
    database: e.DB_NAME,
    windowSeconds: e.WINDOW_SECONDS,
    allowedLatenessMs: e.ALLOWED_LATENESS_SECONDS * 1000,
    lateHorizonMs: e.LATE_HORIZON_SECONDS * 1000,
  };
}
