import { contactsMailbox } from './wanted-subscriptions.resolver';

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
