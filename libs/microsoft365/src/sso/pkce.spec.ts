import { hashToken, randomToken, s256, verifierMatches } from './pkce';

describe('PKCE helpers', () => {
  it('computes the RFC 7636 appendix B example', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('matches only the right verifier', () => {
    const verifier = randomToken();
    expect(verifierMatches(verifier, s256(verifier))).toBe(true);
    expect(verifierMatches(randomToken(), s256(verifier))).toBe(false);
    expect(verifierMatches('short', s256('short'))).toBe(false);
  });

  it('makes distinct random tokens and stable hashes', () => {
    expect(randomToken()).not.toBe(randomToken());
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken('x')).toBe(hashToken('x'));
    expect(hashToken('x')).not.toBe(hashToken('y'));
  });
});
