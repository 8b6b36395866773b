import { type HttpTransport } from '../graph/http-transport.provider';
import { type IdTokenExpectations } from './id-token-claims';
import { IdTokenValidator } from './id-token.validator';
import { SsoError, SsoErrorCode } from './sso-error';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

const TID = '11111111-2222-3333-4444-555555555555';
const OID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const JWKS_URI = `https://login.test/${TID}/discovery/v2.0/keys`;

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string; jwk: JWK };

async function newKey(kid: string): Promise<Key> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { ...pair, kid, jwk: { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', kty: 'RSA' } };
}

describe('IdTokenValidator', () => {
  let now: Date;
  let published: Key[];
  let fetches: number;
  let validator: IdTokenValidator;
  let first: Key;
  let second: Key;
  let stranger: Key;

  const expected = (): IdTokenExpectations => ({
    issuer: `https://login.test/${TID}/v2.0`,
    audience: 'client-id',
    directoryId: TID,
    nonce: 'n-1',
    now,
    skewSeconds: 120,
    maxAgeSeconds: 600,
  });

  function sign(key: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({
      tid: TID,
      oid: OID,
      nonce: 'n-1',
      preferred_username: 'ada@contoso.test',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header })
      .setIssuer(`https://login.test/${TID}/v2.0`)
      .setAudience('client-id')
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 3600)
      .sign(key.privateKey);
  }

  beforeAll(async () => {
    [first, second, stranger] = await Promise.all([newKey('k1'), newKey('k2'), newKey('k3')]);
  });

  beforeEach(() => {
    now = new Date('2026-11-22T10:00:00Z');
    published = [first];
    fetches = 0;
    const transport = {
      fetch: (url: string) => {
        expect(url).toBe(JWKS_URI);
        fetches += 1;
        return Promise.resolve(Response.json({ keys: published.map((key) => key.jwk) }));
      },
    } as unknown as HttpTransport;
    validator = new IdTokenValidator(transport, { now: () => now });
  });

  async function refusal(token: string): Promise<SsoError> {
    const error = await validator.validate(token, JWKS_URI, expected()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SsoError);
    return error as SsoError;
  }

  it('accepts a token signed with a published key, reading the JWKS once', async () => {
    await expect(validator.validate(await sign(first), JWKS_URI, expected())).resolves.toMatchObject({
      objectId: OID,
    });
    await validator.validate(await sign(first), JWKS_URI, expected());
    expect(fetches).toBe(1);
  });

  it('follows a key rotation by refetching the JWKS on an unknown kid', async () => {
    await validator.validate(await sign(first), JWKS_URI, expected());
    published = [first, second];
    now = new Date(now.getTime() + 5_000);
    await expect(validator.validate(await sign(second), JWKS_URI, expected())).resolves.toBeDefined();
    expect(fetches).toBe(2);
  });

  it('follows a rotation right after the last fetch, and refetches at most once per unknown kid', async () => {
    await validator.validate(await sign(first), JWKS_URI, expected());
    published = [first, second];
    // Within the same millisecond as the first fetch: Entra rolled its keys just after we read them.
    await expect(validator.validate(await sign(second), JWKS_URI, expected())).resolves.toBeDefined();
    expect(fetches).toBe(2);
    await refusal(await sign(stranger));
    await refusal(await sign(stranger));
    expect(fetches).toBe(3);
  });

  it('re-reads the JWKS after a day', async () => {
    await validator.validate(await sign(first), JWKS_URI, expected());
    now = new Date(now.getTime() + 25 * 3600_000);
    await validator.validate(await sign(first), JWKS_URI, expected()).catch(() => undefined);
    expect(fetches).toBe(2);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['an unknown kid, even after a refetch', () => sign(stranger), 'signing key unknown'],
    [
      'a bad signature (a published kid, another key)',
      () => sign(stranger, {}, { kid: 'k1' }),
      'bad signature',
    ],
    ['alg none', () => Promise.resolve(unsigned({ alg: 'none', kid: 'k1' })), 'algorithm none'],
    ['HS256', () => Promise.resolve(unsigned({ alg: 'HS256', kid: 'k1' }) + 'c2ln'), 'algorithm HS256'],
    ['no kid', () => sign(first, {}, { kid: undefined }), 'no kid'],
    ['garbage', () => Promise.resolve('not.a.jwt'), 'malformed'],
    ['another directory', () => sign(first, { tid: '99999999-2222-3333-4444-555555555555' }), 'tid'],
    ['another nonce', () => sign(first, { nonce: 'n-2' }), 'nonce'],
  ])('refuses %s', async (_name, token, reason) => {
    const error = await refusal(await token());
    expect(error.code).toBe(SsoErrorCode.InvalidToken);
    expect(error.detail).toContain(reason);
  });

  it('answers Unavailable when the JWKS cannot be read', async () => {
    validator = new IdTokenValidator(
      { fetch: () => Promise.resolve(new Response('nope', { status: 500 })) } as unknown as HttpTransport,
      { now: () => now },
    );
    expect((await refusal(await sign(first))).code).toBe(SsoErrorCode.Unavailable);
  });
});

function unsigned(header: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part({ tid: TID, oid: OID, nonce: 'n-1' })}.`;
}
