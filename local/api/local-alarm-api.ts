import { join } from 'node:path';
import { JwtAuthorizer } from './jwt-authorizer.js';
import { startAlarmApiServer, type AlarmApiServer, type ApiHandler } from './server.js';
import { DEFAULT_USERS_FILE, loadOrCreateSigningKey, loadUsers, LocalSignIn } from './sign-in.js';

/**
 * The alarm API as `npm start` serves it: the API function's handler behind the local
 * server, with the sign-in stand-in's users from the users file and its signing key kept in
 * the data directory (`api/sign-in-key.json`), so tokens outlive a restart.
 */
export interface LocalAlarmApiOptions {
  readonly handler: ApiHandler;
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Default `local/users.json`. */
  readonly usersFile?: string;
}

export interface LocalAlarmApi extends AlarmApiServer {
  /** The users file the sign-in reads. */
  readonly usersFile: string;
  /** The users who can sign in and their groups, for the start-up lines. */
  readonly users: readonly { readonly username: string; readonly groups: readonly string[] }[];
}

/** API Gateway HTTP API's request payload limit: 10 MB. */
export const HTTP_API_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export async function startLocalAlarmApi(options: LocalAlarmApiOptions): Promise<LocalAlarmApi> {
  const usersFile = options.usersFile ?? DEFAULT_USERS_FILE;
  const users = await loadUsers(usersFile);
  const signIn = new LocalSignIn({ users, signingKey: await loadOrCreateSigningKey(join(options.dataDir, 'api', 'sign-in-key.json')) });
  const server = await startAlarmApiServer({
    handler: options.handler,
    authorizer: new JwtAuthorizer(signIn.authorizerOptions()),
    signIn,
    port: options.port,
    // As API Gateway's HTTP API takes: the handler sets its own, lower limits (an upload of manual readings is the largest).
    maxBodyBytes: HTTP_API_MAX_PAYLOAD_BYTES,
  });
  return { ...server, usersFile, users: users.map(({ username, groups }) => ({ username, groups })) };
}
