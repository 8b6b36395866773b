import { bearerToken, generateSessionToken, hashSessionToken } from './session-token';

describe('session tokens', () => {
  it('are random, URL-safe and 256 bits long', () => {
    const token = generateSessionToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSessionToken()).not.toBe(token);
  });

  it('are stored as their SHA-256', () => {
    expect(hashSessionToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['Bearer abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyz'],
    ['bearer   abcdefghijklmnopqrstuvwxyz  ', 'abcdefghijklmnopqrstuvwxyz'],
    [['Bearer abcdefghijklmnopqrstuvwxyz'], 'abcdefghijklmnopqrstuvwxyz'],
    ['Basic YWRtaW46YWRtaW4=', undefined],
    ['Bearer short', undefined],
    ['Bearer abc def ghi jkl mno pqr stu', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads the bearer token of %p', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
