import { clientStateMatches, contactsMailbox, hashClientState } from './subscription.manager';

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

describe('contactsMailbox', () => {
  it.each<[string, string | null]>([
    ['users/2f6c9a1e-0000-4000-8000-000000000001/contacts', '2f6c9a1e-0000-4000-8000-000000000001'],
    ['users/2f6c9a1e-0000-4000-8000-000000000001/events', null],
    ['users', null],
    ['users/a/contactFolders/b/contacts', null],
  ])('%s → %s', (resource, expected) => {
    expect(contactsMailbox(resource)).toBe(expected);
  });
});
