import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import * as z from 'zod/mini';
import type { JwtAuthorizerOptions } from './jwt-authorizer.js';

/**
 * The local sign-in: a stand-in for the Cognito user pool the deployed alarm API signs in
 * to. Users, their passwords and groups come from a JSON file (default `local/users.json`);
 * tokens are ES256 JWTs signed with a key generated once per data directory, carrying the
 * claims a Cognito ID token carries (`sub`, `email`, `cognito:username`, `cognito:groups`,
 * `aud`, `iss`, `token_use`), so the handler sees what it sees in AWS. It is for this
 * machine only: passwords are plain text in the file, and there is no MFA, lock-out or
 * password policy.
 */

/** The default users file: `engineer` (engineers) and `viewer` (viewers). */
export const DEFAULT_USERS_FILE = 'local/users.json';

/** Issuer and audience of the stand-in's tokens (the JWT authorizer stand-in checks both). */
export const LOCAL_ISSUER = 'urn:geotech:local-sign-in';
export const LOCAL_AUDIENCE = 'geotech-alarms-local';

/** How long a token lasts: an hour, as Cognito's ID tokens by default. */
export const TOKEN_LIFETIME_SECONDS = 3600;

const UsersFileSchema = z.object({
  users: z.array(
    z.object({
      username: z.string().check(z.minLength(1)),
      password: z.string().check(z.minLength(1)),
      groups: z.array(z.string()),
      email: z.optional(z.string()),
      sub: z.optional(z.string().check(z.minLength(1))),
    }),
  ),
});

/** One user of the users file. */
export interface LocalUser {
  readonly username: string;
  readonly password: string;
  readonly groups: readonly string[];
  readonly email?: string;
  /** Stable id; default a UUID derived from the username, so it is the same on every machine. */
  readonly sub: string;
}

/** Reads and checks a users file; the error names the file and what is wrong. */
export async function loadUsers(file: string): Promise<LocalUser[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the users file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the users file ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = UsersFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
    throw new Error(`the users file ${file} is not {"users": [{"username", "password", "groups": [...], "email"?}]}: ${problems}`);
  }
  const names = new Set<string>();
  for (const user of parsed.data.users) {
    if (names.has(user.username)) throw new Error(`the users file ${file} names ${user.username} twice`);
    names.add(user.username);
  }
  return parsed.data.users.map((user) => ({ ...user, sub: user.sub ?? derivedSub(user.username) }));
}

/** A UUID-shaped id from a username (like Cognito's `sub`, stable across machines). */
function derivedSub(username: string): string {
  const hex = createHash('sha256').update(`geotech-local-user:${username}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The signing key, kept in `file` (a private JWK); generated on first use. */
export async function loadOrCreateSigningKey(file: string): Promise<JWK> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read the signing key ${file}: ${(error as Error).message}`, { cause: error });
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const key: JWK = {
    ...jwk,
    alg: 'ES256',
    use: 'sig',
    kid: createHash('sha256')
      .update(jwk.x ?? '')
      .digest('hex')
      .slice(0, 16),
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(key)}\n`, { mode: 0o600 });
  return key;
}

/** A token and how long it lasts, as `POST /local/sign-in` answers. */
export interface SignInResult {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

export interface LocalSignInOptions {
  readonly users: readonly LocalUser[];
  /** A private ES256 JWK with its `kid` ({@link loadOrCreateSigningKey}). */
  readonly signingKey: JWK;
  readonly issuer?: string;
  readonly audience?: string;
  /** The clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Signs users in and issues their tokens. */
export class LocalSignIn {
  readonly issuer: string;
  readonly audience: string;
  private readonly now: () => number;
  private readonly users: ReadonlyMap<string, LocalUser>;

  constructor(private readonly options: LocalSignInOptions) {
    this.issuer = options.issuer ?? LOCAL_ISSUER;
    this.audience = options.audience ?? LOCAL_AUDIENCE;
    this.now = options.now ?? Date.now;
    this.users = new Map(options.users.map((user) => [user.username, user]));
  }

  /** A token for `username` if `password` is theirs, else null (which of the two was wrong is not told). */
  async signIn(username: string, password: string): Promise<SignInResult | null> {
    const user = this.users.get(username);
    if (!user || !samePassword(user.password, password)) return null;
    return { accessToken: await this.issueToken(user), tokenType: 'Bearer', expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** A token for `user`, issued at `issuedAt` (default now): tests issue expired ones this way. */
  async issueToken(user: LocalUser, issuedAt = this.now()): Promise<string> {
    const { kid } = this.options.signingKey;
    const key = await importJWK(this.options.signingKey, 'ES256');
    const iat = Math.floor(issuedAt / 1000);
    return new SignJWT({
      'cognito:groups': [...user.groups],
      'cognito:username': user.username,
      ...(user.email === undefined ? {} : { email: user.email }),
      token_use: 'id',
      auth_time: iat,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
      .setSubject(user.sub)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_LIFETIME_SECONDS)
      .sign(key);
  }

  /** What the JWT authorizer stand-in needs to accept these tokens. */
  authorizerOptions(): Omit<JwtAuthorizerOptions, 'now'> {
    return { issuer: this.issuer, audience: [this.audience], keys: publicKeySet(this.options.signingKey) };
  }
}

/** The public half of a private JWK, as a key set. */
export function publicKeySet(privateKey: JWK): JSONWebKeySet {
  const { d: _private, ...publicKey } = privateKey;
  return { keys: [publicKey] };
}

function samePassword(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
