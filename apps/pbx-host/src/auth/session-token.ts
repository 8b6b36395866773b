import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: the opaque bearer token handed to the client. Only its hash is stored. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * SHA-256 of a session token, as stored and looked up. A fast hash is right here (unlike for passwords): the token
 * is random with 256 bits of entropy, so it cannot be guessed from its hash, and lookups stay cheap.
 */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer\s+([A-Za-z0-9_-]{16,512})\s*$/i.exec(header ?? '');
  return match?.[1];
}
