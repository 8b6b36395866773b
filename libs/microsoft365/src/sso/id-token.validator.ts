import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { HttpTransport } from '../graph/http-transport.provider';
import { checkIdTokenClaims, type IdTokenExpectations, type MicrosoftIdentity } from './id-token-claims';
import { SsoError, SsoErrorCode } from './sso-error';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/** Entra signs ID tokens with RS256 only; anything else (`none`, HS256 with the public key, ...) is refused. */
const ALLOWED_ALGORITHMS = ['RS256'];
/** Microsoft: keys roll over without notice; re-read the JWKS at least daily. */
const JWKS_MAX_AGE_MS = 24 * 3600_000;
const JWKS_TIMEOUT_MS = 10_000;

interface CachedKeySet {
  keys: JSONWebKeySet;
  /** The keys as jose uses them, built once per fetch: it imports each key on first use and keeps it. */
  verifier: LocalKeySet;
  fetchedAt: number;
  /**
   * Unknown kids this very fetch was already the answer to. An unknown `kid` refetches the JWKS unless the last
   * fetch was made for it (at most once per kid and fetch), however recent that fetch is: Entra may roll its keys
   * a moment after we read them. ID tokens reach us only from the token endpoint over TLS after a valid state, so
   * unknown kids mean a rotation, not an attack.
   */
  refetchedFor: Set<string>;
}

/**
 * Verifies Microsoft ID tokens: algorithm allow-list, signature with a key from the tenant's JWKS (refetched once
 * when the `kid` is unknown, which is how a signing-key rotation shows), then every claim.
 */
@Injectable()
export class IdTokenValidator {
  private readonly cache = new Map<string, CachedKeySet>();
  private readonly inFlight = new Map<string, Promise<CachedKeySet>>();

  constructor(
    private readonly transport: HttpTransport,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async validate(
    idToken: string,
    jwksUri: string,
    expected: IdTokenExpectations,
  ): Promise<MicrosoftIdentity> {
    const invalid = (reason: string) =>
      new SsoError(SsoErrorCode.InvalidToken, `ID token refused: ${reason}`);
    let header: { alg?: string; kid?: string };
    try {
      header = decodeProtectedHeader(idToken);
    } catch {
      throw invalid('malformed');
    }
    if (!header.alg || !ALLOWED_ALGORITHMS.includes(header.alg)) {
      throw invalid(`algorithm ${header.alg ?? '(none)'} not allowed`);
    }
    if (!header.kid) throw invalid('no kid');
    let keySet = await this.keySet(jwksUri);
    if (!hasKey(keySet, header.kid) && !keySet.refetchedFor.has(header.kid)) {
      keySet = await this.keySet(jwksUri, header.kid);
    }
    if (!hasKey(keySet, header.kid)) throw invalid('signing key unknown to the tenant’s JWKS');
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(idToken, keySet.verifier, {
        algorithms: ALLOWED_ALGORITHMS,
      }));
    } catch {
      throw invalid('bad signature');
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw invalid('payload is not JSON');
    }
    if (typeof claims !== 'object' || claims === null) throw invalid('payload is not an object');
    const check = checkIdTokenClaims(claims as Record<string, unknown>, expected);
    if (!check.valid) throw invalid(check.reason);
    return check.identity;
  }

  /** The cached key set, or a fresh one when it is old or when `unknownKid` asks for a refetch. */
  private async keySet(jwksUri: string, unknownKid?: string): Promise<CachedKeySet> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(jwksUri);
    const fresh = cached && now - cached.fetchedAt < JWKS_MAX_AGE_MS;
    if (cached && fresh && !unknownKid) return cached;
    // Concurrent sign-ins share one request.
    let pending = this.inFlight.get(jwksUri);
    if (!pending) {
      pending = this.fetchKeySet(jwksUri).finally(() => this.inFlight.delete(jwksUri));
      this.inFlight.set(jwksUri, pending);
    }
    const fetched = await pending;
    if (unknownKid) fetched.refetchedFor.add(unknownKid);
    return fetched;
  }

  private async fetchKeySet(jwksUri: string): Promise<CachedKeySet> {
    let keys: JSONWebKeySet;
    try {
      const response = await this.transport.fetch(jwksUri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no keys array');
      keys = { keys: body.keys as JSONWebKeySet['keys'] };
    } catch (error) {
      throw new SsoError(
        SsoErrorCode.Unavailable,
        `JWKS ${jwksUri} could not be read: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
    const entry: CachedKeySet = {
      keys,
      verifier: createLocalJWKSet(keys),
      fetchedAt: this.clock.now().getTime(),
      refetchedFor: new Set(),
    };
    this.cache.set(jwksUri, entry);
    return entry;
  }
}

function hasKey(set: CachedKeySet, kid: string): boolean {
  return set.keys.keys.some((key) => key.kid === kid);
}
