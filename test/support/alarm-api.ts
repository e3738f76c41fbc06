import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { createApiHandler } from '../../lambdas/api/api-handler.js';
import { DEFAULT_ESCALATION_POLICY, type EscalationPolicy } from '../../lambdas/domain/escalation.js';
import { JwtAuthorizer, type JwtAuthorizerOptions } from '../../local/api/jwt-authorizer.js';
import { startAlarmApiServer, type AlarmApiServer } from '../../local/api/server.js';
import { loadOrCreateSigningKey, loadUsers, LocalSignIn, type LocalUser } from '../../local/api/sign-in.js';

/**
 * The alarm API as the tests run it: the real handler on a real alarm store, behind the
 * local server with the sign-in stand-in (users of `local/users.json`, plus any given),
 * on a free loopback port.
 */
export interface TestAlarmApi {
  readonly server: AlarmApiServer;
  readonly signIn: LocalSignIn;
  readonly users: readonly LocalUser[];
  /** A bearer token for a user of the users file, through `POST /local/sign-in`. */
  tokenFor(username: string): Promise<string>;
  close(): Promise<void>;
}

export const SITE_TIME_ZONE = 'Australia/Melbourne';

/** A logger that keeps quiet (the handler logs every request). */
export const QUIET_LOGGER = new Logger({ serviceName: 'alarm-api-test', logLevel: 'SILENT' });

export async function startTestAlarmApi(options: {
  readonly store: AlarmStore;
  readonly now: () => number;
  readonly policy?: EscalationPolicy;
  readonly extraUsers?: readonly LocalUser[];
  /** Trust these tokens instead of the sign-in stand-in's (e.g. a fake Cognito's). */
  readonly authorizer?: Omit<JwtAuthorizerOptions, 'now'>;
}): Promise<TestAlarmApi> {
  const scratch = mkdtempSync(join(tmpdir(), 'alarm-api-'));
  const users = [...(await loadUsers('local/users.json')), ...(options.extraUsers ?? [])];
  const signIn = new LocalSignIn({ users, signingKey: await loadOrCreateSigningKey(join(scratch, 'sign-in-key.json')) });
  const server = await startAlarmApiServer({
    handler: createApiHandler({
      alarms: options.store,
      policy: options.policy ?? DEFAULT_ESCALATION_POLICY,
      siteTimeZone: SITE_TIME_ZONE,
      now: options.now,
      logger: QUIET_LOGGER,
    }),
    authorizer: new JwtAuthorizer(options.authorizer ?? signIn.authorizerOptions()),
    signIn,
  });
  return {
    server,
    signIn,
    users,
    async tokenFor(username) {
      const user = users.find((candidate) => candidate.username === username);
      if (!user) throw new Error(`no test user ${username}`);
      const response = await fetch(`${server.url}/local/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: user.password }),
      });
      if (!response.ok) throw new Error(`sign-in as ${username} failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
    async close() {
      await server.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
