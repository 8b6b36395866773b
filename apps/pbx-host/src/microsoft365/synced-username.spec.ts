import { syncedUsername } from './synced-username';
import { type PbxUserProfile } from '@pbx/microsoft365';

const profile = (userPrincipalName: string | null, email: string | null = null): PbxUserProfile => ({
  displayName: 'X',
  firstName: null,
  lastName: null,
  email,
  userPrincipalName,
  department: null,
  jobTitle: null,
  mobilePhone: null,
  businessPhones: [],
  officeLocation: null,
  preferredLanguage: null,
});

describe('syncedUsername', () => {
  it.each([
    [profile('Alice.Smith@Contoso.com'), 'alice.smith@contoso.com'],
    [profile(null, 'bob@contoso.com'), 'bob@contoso.com'],
    [profile("o'neil+x@contoso.com"), 'o-neil-x@contoso.com'],
    [profile('_admin@contoso.com'), 'admin@contoso.com'],
    [profile(null, null), '201'],
    [profile('___'), '201'],
    [profile(`${'a'.repeat(80)}@contoso.com`), 'a'.repeat(64)],
  ])('%#', (input, expected) => {
    expect(syncedUsername(input, '201')).toBe(expected);
  });
});
