import { checkIdTokenClaims, type IdTokenExpectations } from './id-token-claims';

const NOW = new Date('2026-11-22T10:00:00Z');
const now = NOW.getTime() / 1000;
const TID = '11111111-2222-3333-4444-555555555555';
const OID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

const expected: IdTokenExpectations = {
  issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
  audience: 'client-id',
  directoryId: TID,
  nonce: 'the-nonce',
  now: NOW,
  skewSeconds: 120,
  maxAgeSeconds: 600,
};

const valid: Record<string, unknown> = {
  iss: expected.issuer,
  aud: 'client-id',
  tid: TID,
  iat: now - 5,
  nbf: now - 5,
  exp: now + 3600,
  nonce: 'the-nonce',
  oid: OID,
  preferred_username: 'ada@contoso.test',
  name: 'Ada',
};

describe('checkIdTokenClaims', () => {
  it('accepts a valid token and returns the identity', () => {
    expect(checkIdTokenClaims(valid, expected)).toEqual({
      valid: true,
      identity: { objectId: OID, directoryId: TID, username: 'ada@contoso.test', displayName: 'Ada' },
    });
  });

  it.each<[string, Record<string, unknown>, string | null]>([
    ['another tenant’s issuer', { iss: 'https://login.microsoftonline.com/other/v2.0' }, 'issuer'],
    ['the v1 issuer', { iss: `https://sts.windows.net/${TID}/` }, 'issuer'],
    ['another audience', { aud: 'other-client' }, 'audience'],
    ['several audiences without azp', { aud: ['client-id', 'other'] }, 'azp'],
    ['several audiences with our azp', { aud: ['client-id', 'other'], azp: 'client-id' }, null],
    ['another directory', { tid: '99999999-2222-3333-4444-555555555555' }, 'tid'],
    ['no directory', { tid: undefined }, 'tid'],
    ['directory in upper case', { tid: TID.toUpperCase() }, null],
    ['expired long ago', { exp: now - 3600 }, 'expired'],
    ['expired within the skew', { exp: now - 60 }, null],
    ['expired just beyond the skew', { exp: now - 121 }, 'expired'],
    ['no exp', { exp: undefined }, 'exp'],
    ['nbf in the future', { nbf: now + 600 }, 'nbf'],
    ['nbf within the skew', { nbf: now + 60 }, null],
    ['iat in the future', { iat: now + 600 }, 'iat'],
    ['no iat', { iat: undefined }, 'iat'],
    ['issued too long ago', { iat: now - 3000, nbf: now - 3000 }, 'iat'],
    ['another nonce', { nonce: 'other' }, 'nonce'],
    ['no nonce', { nonce: undefined }, 'nonce'],
    ['a non-string nonce', { nonce: 42 }, 'nonce'],
    ['no oid', { oid: undefined }, 'oid'],
    ['a malformed oid', { oid: 'not-a-guid' }, 'oid'],
    ['exp as a string', { exp: String(now + 3600) }, 'exp'],
  ])('%s', (_name, changes, reason) => {
    const result = checkIdTokenClaims({ ...valid, ...changes }, expected);
    if (reason === null) {
      expect(result.valid).toBe(true);
    } else {
      expect(result).toEqual({ valid: false, reason: expect.stringContaining(reason) });
    }
  });
});
