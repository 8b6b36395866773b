import { clientStateMatches, hashClientState } from './notification-client-state';

describe('clientState checks', () => {
  const secret = 'q5tJ0sV7Z0mS3w2kzjv7yGz2dX0hXn3b2x8nLwq9Yk0';
  const stored = hashClientState(secret);

  it('stores a SHA-256, never the secret', () => {
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(secret);
  });

  it.each<[string, unknown, boolean]>([
    ['the secret', secret, true],
    ['another string', `${secret}x`, false],
    ['an empty string', '', false],
    ['null', null, false],
    ['a number', 42, false],
    ['missing', undefined, false],
  ])('%s → %s', (_name, received, expected) => {
    expect(clientStateMatches(received, stored)).toBe(expected);
  });
});
