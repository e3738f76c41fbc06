import type { Role } from '../api/types.js';

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
 * only needs to know whom to greet and which controls to show). Groups come as Cognito's
 * `cognito:groups` list, or as a space-separated string as API Gateway passes them on.
 */
export function readClaims(token: string): UserClaims {
  const [, payload] = token.split('.');
  if (!payload) throw new Error('the token is not a JWT');
  const json = JSON.parse(new TextDecoder().decode(base64UrlBytes(payload))) as Record<string, unknown>;
  const groups = groupList(json['cognito:groups']);
  const name = [json.username, json['cognito:username'], json.email, json.sub].find((v) => typeof v === 'string') as string | undefined;
  return {
    sub: typeof json.sub === 'string' ? json.sub : '',
    name: name ?? 'unknown user',
    groups,
    role: roleOf(groups),
    expiresAt: typeof json.exp === 'number' ? json.exp * 1000 : 0,
  };
}

/** The API's rule: `engineers` or `admins` may change things, `viewers` may look. */
export function roleOf(groups: readonly string[]): Role | null {
  if (groups.includes('engineers') || groups.includes('admins')) return 'engineer';
  if (groups.includes('viewers')) return 'viewer';
  return null;
}

function groupList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value === 'string')
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Bytes as unpadded base64url, as PKCE and OAuth state use. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
