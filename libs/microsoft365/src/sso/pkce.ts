import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the size of state, nonce, PKCE verifiers and one-time codes alike. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Hash under which a bearer value (state, browser key, one-time code) is stored: a database read grants nothing. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** RFC 7636 §4.1: 43..128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const PKCE_VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is a base64url SHA-256: exactly 43 characters. */
export const PKCE_CHALLENGE_PATTERN = /^[A-Za-z0-9\-_]{43}$/;

/** Does the verifier the app presents match the challenge it sent when the sign-in started? */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!PKCE_VERIFIER_PATTERN.test(verifier)) return false;
  const actual = Buffer.from(s256(verifier));
  const wanted = Buffer.from(challenge);
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}
