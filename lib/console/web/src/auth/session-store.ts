import { readClaims, type UserClaims } from './claims.js';

/** A signed-in user: the access token the API takes, and what it says about them. */
export interface Session {
  readonly accessToken: string;
  readonly claims: UserClaims;
}

const KEY = 'geotech-console-session';

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
    return { accessToken: token, claims };
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(accessToken: string): Session {
  const session = { accessToken, claims: readClaims(accessToken) };
  sessionStorage.setItem(KEY, accessToken);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
