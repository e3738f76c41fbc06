import { readClaims, type UserClaims } from './claims.js';

/** A signed-in user: the access token the API takes, and what it says about them. */
export interface Session {
  readonly accessToken: string;
  readonly claims: UserClaims;
}

const KEY = 'geotech-console-session';
/** The user's name from the ID token, when sign-in gave one (a Cognito access token names the user by id only). */
const NAME_KEY = 'geotech-console-name';

/**
 * The session lives in sessionStorage: it survives a reload and the hosted UI's redirect,
 * is gone when the tab closes, and is never sent anywhere but the API's Authorization header.
 */
export function loadSession(now = Date.now()): Session | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    const claims = readClaims(token);
    if (claims.expiresAt <= now) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    const name = sessionStorage.getItem(NAME_KEY);
    return { accessToken: token, claims: name ? { ...claims, name } : claims };
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

/** Keeps the access token, and the name the ID token gives the user when there is one. */
export function saveSession(accessToken: string, idToken?: string): Session {
  const claims = readClaims(accessToken);
  sessionStorage.setItem(KEY, accessToken);
  sessionStorage.removeItem(NAME_KEY);
  if (idToken) {
    const name = readClaims(idToken).name;
    sessionStorage.setItem(NAME_KEY, name);
    return { accessToken, claims: { ...claims, name } };
  }
  return { accessToken, claims };
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(NAME_KEY);
}
