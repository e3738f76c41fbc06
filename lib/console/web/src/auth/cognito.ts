import type { CognitoAuthConfig } from '../../../console-config.js';
import { base64Url } from './claims.js';

/**
 * Sign-in through the Cognito hosted UI with the authorization code grant and PKCE
 * (RFC 7636, S256): the console is a public client with no secret, so the code is only
 * worth something with the verifier this tab keeps in sessionStorage until the redirect back.
 */

const PENDING = 'geotech-console-pkce';

interface Pending {
  readonly verifier: string;
  readonly state: string;
  /** Where to go after signing in. */
  readonly returnTo: string;
}

/** Sends the browser to the hosted UI. */
export async function beginCognitoSignIn(config: CognitoAuthConfig, returnTo: string): Promise<void> {
  const verifier = randomText(48);
  const state = randomText(24);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo } satisfies Pending));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  window.location.assign(`${config.domain}/oauth2/authorize?${params.toString()}`);
}

/**
 * Finishes a sign-in on the callback page: checks the state, trades the code and the
 * verifier for tokens at the token endpoint, and returns the access token and where to go.
 */
export async function completeCognitoSignIn(
  config: CognitoAuthConfig,
  url: URL,
): Promise<{ accessToken: string; idToken: string | undefined; returnTo: string }> {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const error = url.searchParams.get('error');
  if (error) throw new Error(`sign-in refused: ${url.searchParams.get('error_description') ?? error}`);
  if (!raw) throw new Error('no sign-in was started in this tab; sign in again');
  const pending = JSON.parse(raw) as Pending;
  const code = url.searchParams.get('code');
  if (!code) throw new Error('the sign-in answer has no code');
  if (url.searchParams.get('state') !== pending.state)
    throw new Error('the sign-in answer does not match the request (state); sign in again');
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; id_token?: string; error?: string };
  if (!response.ok || typeof body.access_token !== 'string')
    throw new Error(`the token endpoint refused the code: ${body.error ?? `HTTP ${response.status}`}`);
  return { accessToken: body.access_token, idToken: body.id_token, returnTo: pending.returnTo };
}

/** The hosted UI's sign-out, which ends its session too and returns to the console. */
export function cognitoSignOutUrl(config: CognitoAuthConfig): string {
  return `${config.domain}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: config.logoutUri }).toString()}`;
}

function randomText(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
