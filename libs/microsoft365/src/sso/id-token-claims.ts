/** What a valid ID token must say, for one tenant's sign-in. */
export interface IdTokenExpectations {
  /** `https://<login host>/<directory id>/v2.0` of the tenant's cloud. */
  issuer: string;
  /** The application (client) id. */
  audience: string;
  /** The configured directory (tenant) id. */
  directoryId: string;
  /** The nonce sent with this very sign-in. */
  nonce: string;
  now: Date;
  /** Tolerated clock difference with Entra. */
  skewSeconds: number;
  /** Tokens issued longer ago than this are refused even if not expired (a token redeemed long after issue). */
  maxAgeSeconds: number;
}

/** The Microsoft identity a valid ID token proves. */
export interface MicrosoftIdentity {
  /** Object id: immutable and unique within the directory; the key to link a PBX user to. */
  objectId: string;
  directoryId: string;
  /** `preferred_username`, usually the UPN; mutable and only used as a display name and hint. */
  username: string | null;
  displayName: string | null;
}

export type ClaimsCheck = { valid: true; identity: MicrosoftIdentity } | { valid: false; reason: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function seconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Checks an ID token's claims after its signature was verified (OpenID Connect Core §3.1.3.7 and Entra's
 * id-token reference): issuer, audience, directory, lifetime with a small skew, nonce, and an object id.
 * Pure, so every rule is table-tested; the first failing rule is the reason given.
 */
export function checkIdTokenClaims(
  claims: Record<string, unknown>,
  expected: IdTokenExpectations,
): ClaimsCheck {
  const now = Math.floor(expected.now.getTime() / 1000);
  const skew = expected.skewSeconds;
  const refuse = (reason: string): ClaimsCheck => ({ valid: false, reason });

  if (claims.iss !== expected.issuer) return refuse('issuer is not the tenant’s issuer');
  const audience = claims.aud;
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (!audiences.includes(expected.audience)) return refuse('audience is not the application id');
  // With several audiences, OIDC requires azp to name us.
  if (audiences.length > 1 && claims.azp !== expected.audience)
    return refuse('azp is not the application id');
  const tid = text(claims.tid);
  if (!tid || tid.toLowerCase() !== expected.directoryId.toLowerCase()) {
    return refuse('tid is not the configured directory');
  }
  const exp = seconds(claims.exp);
  if (exp === null) return refuse('exp is missing');
  if (now - skew >= exp) return refuse('token expired');
  const nbf = seconds(claims.nbf);
  if (nbf !== null && nbf > now + skew) return refuse('token not yet valid (nbf)');
  const iat = seconds(claims.iat);
  if (iat === null) return refuse('iat is missing');
  if (iat > now + skew) return refuse('token issued in the future (iat)');
  if (now - iat > expected.maxAgeSeconds + skew) return refuse('token issued too long ago (iat)');
  if (typeof claims.nonce !== 'string' || claims.nonce !== expected.nonce)
    return refuse('nonce does not match');
  const oid = text(claims.oid);
  if (!oid || !GUID.test(oid)) return refuse('oid is missing');
  return {
    valid: true,
    identity: {
      objectId: oid.toLowerCase(),
      directoryId: tid.toLowerCase(),
      username: text(claims.preferred_username),
      displayName: text(claims.name),
    },
  };
}
