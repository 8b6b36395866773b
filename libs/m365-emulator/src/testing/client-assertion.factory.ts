import { constants, randomUUID, sign, type KeyObject } from 'node:crypto';
import { base64UrlEncode } from '../core/base64url';

export interface ClientAssertionInput {
  clientId: string;
  /** Token endpoint URL (the assertion audience). */
  audience: string;
  privateKey: KeyObject;
  thumbprintSha1Hex?: string;
  thumbprintSha256Hex?: string;
  algorithm?: 'RS256' | 'PS256';
  /** Seconds since epoch; defaults to the real clock. */
  now?: number;
  lifetimeSeconds?: number;
  claims?: Record<string, unknown>;
}

/** Builds a certificate client assertion by hand: PS256 + x5t#S256 (MSAL's form) or RS256 + x5t (legacy). */
export function createClientAssertion(input: ClientAssertionInput): string {
  const algorithm = input.algorithm ?? 'PS256';
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { alg: algorithm, typ: 'JWT' };
  if (algorithm === 'PS256' && input.thumbprintSha256Hex)
    header['x5t#S256'] = Buffer.from(input.thumbprintSha256Hex, 'hex').toString('base64url');
  if (algorithm === 'RS256' && input.thumbprintSha1Hex)
    header['x5t'] = Buffer.from(input.thumbprintSha1Hex, 'hex').toString('base64url');
  const payload = {
    aud: input.audience,
    iss: input.clientId,
    sub: input.clientId,
    jti: randomUUID(),
    nbf: now,
    iat: now,
    exp: now + (input.lifetimeSeconds ?? 600),
    ...input.claims,
  };
  const signingInput = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  const key =
    algorithm === 'PS256'
      ? {
          key: input.privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : input.privateKey;
  return `${signingInput}.${base64UrlEncode(sign('sha256', Buffer.from(signingInput), key))}`;
}
