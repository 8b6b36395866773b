import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { base64UrlDecode, base64UrlEncode } from '../core/base64url';

export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

export type SupportedJwsAlgorithm = 'RS256' | 'PS256';

function parseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(base64UrlDecode(segment).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseSegment(headerPart);
  const payload = parseSegment(payloadPart);
  if (!header || !payload) return undefined;
  return {
    header,
    payload,
    signingInput: Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'),
    signature: base64UrlDecode(signaturePart),
  };
}

export function signJwtRs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const signingInput = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${base64UrlEncode(signature)}`;
}

/**
 * PS256 is verified with salt length = digest length, as Entra and jwa (used by MSAL) do (docs/graph-notes.md
 * §1.3).
 */
export function verifyJwtSignature(
  algorithm: SupportedJwsAlgorithm,
  jwt: DecodedJwt,
  publicKey: KeyObject,
): boolean {
  try {
    if (algorithm === 'RS256') return verify('sha256', jwt.signingInput, publicKey, jwt.signature);
    return verify(
      'sha256',
      jwt.signingInput,
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      jwt.signature,
    );
  } catch {
    return false;
  }
}

export function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

export function numberClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
