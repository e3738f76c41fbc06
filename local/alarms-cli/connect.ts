import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { stackName } from '../../lib/config/stack-name.js';
import { loadUsers } from '../api/sign-in.js';
import { SIGN_IN_PATH } from '../api/server.js';
import { AlarmApiClient, AlarmApiError, errorOf, request } from './api-client.js';
import type { Connection } from './options.js';

/**
 * Finds the alarm API and signs in to it: locally through the sign-in stand-in
 * (`POST /local/sign-in`, the password from `--password`, ALARMS_PASSWORD or the users
 * file), for `--stage` through the stack's outputs and Cognito.
 */

/** Stack outputs the CLI reads for `--stage`. */
export const STAGE_OUTPUTS = { apiUrl: 'AlarmsApiUrl', clientId: 'AlarmsCliClientId', userPoolId: 'AlarmsUserPoolId' } as const;

/** Signing in failed for a reason the user can act on (the message says which). */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** A client of the API `options` point at, signed in as `options.user`. */
export async function connect(options: Connection): Promise<AlarmApiClient> {
  const { apiUrl, token } = await signIn(options);
  return new AlarmApiClient(apiUrl, token);
}

/** The base URL of the API `connection` points at, and a bearer token for `connection.user`. */
export async function signIn(connection: Connection): Promise<{ readonly apiUrl: string; readonly token: string }> {
  if (connection.target.kind === 'local') {
    const password = connection.password ?? (await localPassword(connection.target.usersFile, connection.user));
    return { apiUrl: connection.target.apiUrl, token: await localSignIn(connection.target.apiUrl, connection.user, password) };
  }
  const stage = await stageEndpoint(connection.target.env, connection.target.region);
  if (connection.password === undefined) throw new SignInError('--stage needs --password (or ALARMS_PASSWORD) for the Cognito sign-in');
  return { apiUrl: stage.apiUrl, token: await cognitoSignIn(stage, connection.user, connection.password, connection.target.mfaCode) };
}

async function localPassword(usersFile: string, user: string): Promise<string> {
  let users;
  try {
    users = await loadUsers(usersFile);
  } catch (error) {
    throw new SignInError(`no --password given, and ${(error as Error).message}`, { cause: error });
  }
  const found = users.find((candidate) => candidate.username === user);
  if (!found) {
    throw new SignInError(
      `no --password given, and ${usersFile} has no user ${user} (it has ${users.map((u) => u.username).join(', ') || 'none'})`,
    );
  }
  return found.password;
}

/** A token from the local sign-in stand-in. */
export async function localSignIn(apiUrl: string, username: string, password: string): Promise<string> {
  const response = await request(`${apiUrl}${SIGN_IN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (response.status === 404) {
    throw new AlarmApiError(
      `${apiUrl} has no local sign-in (${SIGN_IN_PATH}): is it the API npm start serves? For a deployed stage use --stage <env>`,
      404,
    );
  }
  if (!response.ok) {
    const error = errorOf('POST', SIGN_IN_PATH, response, body);
    throw new SignInError(`signing in as ${username} failed: ${error.message}`);
  }
  const token = (body as { accessToken?: unknown }).accessToken;
  if (typeof token !== 'string') throw new SignInError(`the local sign-in answered without a token: ${text.slice(0, 200)}`);
  return token;
}

/** What `--stage` reads from the stack's outputs. */
export interface StageEndpoint {
  readonly stack: string;
  readonly apiUrl: string;
  readonly clientId: string;
  readonly userPoolId: string;
}

/** The alarm API's URL and the Cognito app client of a stage, from its stack's outputs. */
export async function stageEndpoint(env: string, region: string | undefined): Promise<StageEndpoint> {
  const stack = stackName({ env });
  const client = new CloudFormationClient(region === undefined ? {} : { region });
  let outputs: Map<string, string>;
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = new Map((answer.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  } catch (error) {
    throw new SignInError(`cannot read the outputs of stack ${stack}: ${awsMessage(error)}`, { cause: error });
  } finally {
    client.destroy();
  }
  const missing = Object.values(STAGE_OUTPUTS).filter((key) => !outputs.get(key));
  if (missing.length > 0) {
    throw new SignInError(`stack ${stack} has no output ${missing.join(', ')}: is the alarm API deployed to this stage?`);
  }
  return {
    stack,
    apiUrl: outputs.get(STAGE_OUTPUTS.apiUrl)!.replace(/\/+$/, ''),
    clientId: outputs.get(STAGE_OUTPUTS.clientId)!,
    userPoolId: outputs.get(STAGE_OUTPUTS.userPoolId)!,
  };
}

/**
 * Signs in to the stage's user pool with USER_PASSWORD_AUTH, answering the
 * SOFTWARE_TOKEN_MFA challenge with `mfaCode`, and returns the ID token: the API's JWT
 * authorizer takes it (its audience is the app client), and it carries the user's e-mail
 * and groups.
 */
export async function cognitoSignIn(
  stage: StageEndpoint,
  username: string,
  password: string,
  mfaCode: string | undefined,
): Promise<string> {
  // The pool id starts with its Region (`ap-southeast-2_AbC123`).
  const region = stage.userPoolId.split('_', 1)[0];
  const client = new CognitoIdentityProviderClient(region ? { region } : {});
  try {
    const first = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: stage.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    if (first.AuthenticationResult) return idToken(first.AuthenticationResult);
    if (first.ChallengeName === 'SOFTWARE_TOKEN_MFA') {
      if (mfaCode === undefined)
        throw new SignInError(`the user pool asks ${username} for an MFA code: add --mfa-code <code from the authenticator app>`);
      const second = await client.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          ClientId: stage.clientId,
          Session: first.Session,
          ChallengeResponses: { USERNAME: first.ChallengeParameters?.USER_ID_FOR_SRP ?? username, SOFTWARE_TOKEN_MFA_CODE: mfaCode },
        }),
      );
      if (second.AuthenticationResult) return idToken(second.AuthenticationResult);
      throw new SignInError(
        `the user pool asked for another step after the MFA code (${second.ChallengeName ?? 'unknown'}); sign in once in the hosted UI to finish it`,
      );
    }
    throw new SignInError(
      `the user pool asks ${username} for ${first.ChallengeName ?? 'an unknown step'}, which the CLI does not answer: sign in once in the hosted UI (set a password, set up MFA), then try again`,
    );
  } catch (error) {
    if (error instanceof SignInError) throw error;
    throw new SignInError(`Cognito sign-in as ${username} failed: ${awsMessage(error)}`, { cause: error });
  } finally {
    client.destroy();
  }
}

function idToken(result: AuthenticationResultType): string {
  if (!result.IdToken) throw new SignInError('Cognito signed in without returning an ID token');
  return result.IdToken;
}

function awsMessage(error: unknown): string {
  const named = error as { name?: string; message?: string };
  return named.name && named.message && !named.message.startsWith(named.name)
    ? `${named.name}: ${named.message}`
    : (named.message ?? String(error));
}
