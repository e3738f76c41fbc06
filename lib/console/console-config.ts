/**
 * `config.json`, served beside the console's bundle: where the API is and how to sign in.
 * Locally the console server writes it (the sign-in stand-in, the API proxied on the same
 * origin); in AWS the ConsoleSite construct deploys it (the Cognito hosted UI, the HTTP API).
 * No secrets: everything in it is public to anyone who can load the page.
 */
export interface ConsoleConfig {
  /** Base URL of the HTTP API, absolute or relative to the page (`/api` locally). No trailing slash. */
  readonly apiUrl: string;
  readonly auth: LocalAuthConfig | CognitoAuthConfig;
  /** The site's IANA time zone: times are shown on its clocks. */
  readonly siteTimeZone: string;
}

/** The local sign-in stand-in: `POST <apiUrl>/local/sign-in` with a username and password. */
export interface LocalAuthConfig {
  readonly kind: 'local';
}

/** The Cognito hosted UI, authorization code grant with PKCE (a public client, no secret). */
export interface CognitoAuthConfig {
  readonly kind: 'cognito';
  /** The user pool's hosted domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domain: string;
  readonly clientId: string;
  /** Where the hosted UI sends the browser back with the code: the console's `/callback`. */
  readonly redirectUri: string;
  /** Where signing out lands: the console's origin. */
  readonly logoutUri: string;
  readonly scopes: readonly string[];
}

/** The console route the hosted UI returns to. */
export const CALLBACK_PATH = '/callback';

/** The OAuth scopes the console asks for: who the user is; their groups come in the access token. */
export const CONSOLE_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

/** Why a value is not a console configuration, or undefined when it is one. */
export function consoleConfigProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'config.json must be a JSON object';
  const config = value as Record<string, unknown>;
  if (typeof config.apiUrl !== 'string' || config.apiUrl === '') return 'config.json needs apiUrl, the API base URL';
  if (typeof config.siteTimeZone !== 'string' || config.siteTimeZone === '') return 'config.json needs siteTimeZone, an IANA zone name';
  const auth = config.auth as Record<string, unknown> | undefined;
  if (typeof auth !== 'object' || auth === null) return 'config.json needs auth: { kind: "local" } or { kind: "cognito", ... }';
  if (auth.kind === 'local') return undefined;
  if (auth.kind !== 'cognito') return `config.json auth.kind must be "local" or "cognito" (got ${JSON.stringify(auth.kind)})`;
  for (const field of ['domain', 'clientId', 'redirectUri', 'logoutUri'])
    if (typeof auth[field] !== 'string' || auth[field] === '') return `config.json auth.${field} is missing`;
  if (!Array.isArray(auth.scopes) || !auth.scopes.every((s) => typeof s === 'string')) return 'config.json auth.scopes must be a list';
  return undefined;
}
