import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';

/**
 * A fake Cognito user pool for the alarms CLI's `--stage` sign-in: `InitiateAuth`
 * (USER_PASSWORD_AUTH) and `RespondToAuthChallenge` (SOFTWARE_TOKEN_MFA) over the awsJson1_1
 * protocol the SDK speaks. Users have a password, groups, an e-mail and optionally an MFA
 * code; tokens are RS256 ID tokens with Cognito's issuer (`https://cognito-idp.<region>.
 * amazonaws.com/<pool id>`), `aud` the app client, and its claims. Point the SDK at it with
 * AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
 */
export interface FakeCognitoUser {
  readonly email: string;
  readonly password: string;
  readonly groups: readonly string[];
  /** Set: the pool asks for this code (SOFTWARE_TOKEN_MFA) after the password. */
  readonly mfaCode?: string;
}

export interface FakeCognito {
  readonly url: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly issuer: string;
  /** The pool's signing keys, for the JWT authorizer in front of the API. */
  readonly keys: JSONWebKeySet;
  /** Every operation called (`InitiateAuth`, `RespondToAuthChallenge`), in order. */
  readonly calls: readonly string[];
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

export async function startFakeCognito(options: {
  readonly region: string;
  readonly users: Readonly<Record<string, FakeCognitoUser>>;
}): Promise<FakeCognito> {
  const userPoolId = `${options.region}_FakePool1`;
  const clientId = 'fakealarmscliclient';
  const issuer = `https://cognito-idp.${options.region}.amazonaws.com/${userPoolId}`;
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'fake-cognito-key';
  const keys: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const sessions = new Map<string, string>();
  const calls: string[] = [];

  const idToken = (username: string, user: FakeCognitoUser) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      'cognito:groups': [...user.groups],
      'cognito:username': username,
      email: user.email,
      email_verified: true,
      token_use: 'id',
      auth_time: now,
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(username)
      .setIssuer(issuer)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
  };
  const result = async (username: string, user: FakeCognitoUser) => ({
    AuthenticationResult: {
      IdToken: await idToken(username, user),
      AccessToken: 'fake-access-token',
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    },
    ChallengeParameters: {},
  });
  /** The user whose e-mail (the pool's sign-in alias) is `alias`, by their username (a UUID in Cognito). */
  const byAlias = (alias: string | undefined) => Object.entries(options.users).find(([, user]) => user.email === alias);

  const operations: Record<string, (body: Record<string, unknown>) => Promise<[number, unknown]>> = {
    async InitiateAuth(body) {
      const parameters = (body.AuthParameters ?? {}) as Record<string, string>;
      if (body.ClientId !== clientId) return [400, { __type: 'ResourceNotFoundException', message: 'User pool client does not exist.' }];
      if (body.AuthFlow !== 'USER_PASSWORD_AUTH') return [400, { __type: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH only' }];
      const found = byAlias(parameters.USERNAME);
      if (!found || found[1].password !== parameters.PASSWORD) {
        return [400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }];
      }
      const [username, user] = found;
      if (user.mfaCode === undefined) return [200, await result(username, user)];
      const session = randomUUID();
      sessions.set(session, username);
      return [200, { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: session, ChallengeParameters: { USER_ID_FOR_SRP: username } }];
    },
    async RespondToAuthChallenge(body) {
      const username = sessions.get(String(body.Session));
      const responses = (body.ChallengeResponses ?? {}) as Record<string, string>;
      if (body.ChallengeName !== 'SOFTWARE_TOKEN_MFA' || username === undefined || responses.USERNAME !== username) {
        return [400, { __type: 'NotAuthorizedException', message: 'Invalid session for the user.' }];
      }
      const user = options.users[username]!;
      if (responses.SOFTWARE_TOKEN_MFA_CODE !== user.mfaCode)
        return [400, { __type: 'CodeMismatchException', message: 'Invalid code received for user' }];
      sessions.delete(String(body.Session));
      return [200, await result(username, user)];
    },
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      calls.push(name);
      const operation = operations[name];
      const answer = operation
        ? operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>)
        : Promise.resolve<[number, unknown]>([
            400,
            { __type: 'UnknownOperationException', message: `the fake Cognito does not answer ${name}` },
          ]);
      void answer.then(([status, body]) => {
        const type = (body as { __type?: string }).__type;
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        response.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    userPoolId,
    clientId,
    issuer,
    keys,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
