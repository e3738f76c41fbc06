import { parseGroups, roleOf, type Role } from '../../../../../lambdas/api/auth.js';

/** Who a token says the user is: for display and to hide what they may not do. The API decides. */
export interface UserClaims {
  readonly sub: string;
  readonly name: string;
  readonly groups: readonly string[];
  /** Null when the user is in neither group: the API refuses them everything. */
  readonly role: Role | null;
  /** Epoch ms; the token is not used after it. */
  readonly expiresAt: number;
}

/**
 * The claims of a JWT, read without checking its signature (the API checks it; the console
 * only needs to know whom to greet and which controls to show). Groups and role follow the
 * API's own rule (lambdas/api/auth.ts).
 */
export function readClaims(token: string): UserClaims {
  const [, payload] = token.split('.');
  if (!payload) throw new Error('the token is not a JWT');
  const json = JSON.parse(new TextDecoder().decode(base64UrlBytes(payload))) as Record<string, unknown>;
  const groups = parseGroups(json['cognito:groups'] as Parameters<typeof parseGroups>[0]);
  // Named as the API names the user in acknowledgements and the audit.
  const name = [json.email, json['cognito:username'], json.username, json.sub].find((v) => typeof v === 'string') as string | undefined;
  return {
    sub: typeof json.sub === 'string' ? json.sub : '',
    name: name ?? 'unknown user',
    groups,
    role: roleOf(groups),
    expiresAt: typeof json.exp === 'number' ? json.exp * 1000 : 0,
  };
}

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Bytes as unpadded base64url, as PKCE and OAuth state use. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
