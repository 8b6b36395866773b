import { aUser } from '../../testing/microsoft365-user.fixture';
import { diffProfile, hasNoName, toPbxProfile } from './user-profile.mapper';

describe('toPbxProfile', () => {
  it('should map every field Microsoft 365 owns', () => {
    expect(
      toPbxProfile(aUser({ mail: 'Adele@Contoso.com', userPrincipalName: 'Adele@Contoso.com' })),
    ).toEqual({
      displayName: 'Adele Vance',
      firstName: 'Adele',
      lastName: 'Vance',
      email: 'adele@contoso.com',
      userPrincipalName: 'adele@contoso.com',
      department: 'Sales',
      jobTitle: 'Account Manager',
      mobilePhone: '+1 555 0100',
      businessPhones: ['+1 555 0101'],
      officeLocation: 'Berlin',
      preferredLanguage: 'de-DE',
    });
  });

  it('should treat blanks as absent and compose a missing display name', () => {
    const profile = toPbxProfile(
      aUser({
        displayName: '  ',
        givenName: 'Ann',
        surname: ' ',
        department: '',
        businessPhones: [' ', '+49 1'],
      }),
    );
    expect(profile).toMatchObject({
      displayName: 'Ann',
      firstName: 'Ann',
      lastName: null,
      department: null,
      businessPhones: ['+49 1'],
    });
  });
});

describe('diffProfile', () => {
  it('should list only the fields that differ', () => {
    const current = toPbxProfile(aUser());
    const wanted = toPbxProfile(
      aUser({ department: 'Marketing', businessPhones: ['+1 555 0101', '+1 555 0102'] }),
    );
    expect(diffProfile(current, wanted)).toEqual([
      { field: 'department', from: 'Sales', to: 'Marketing' },
      { field: 'businessPhones', from: ['+1 555 0101'], to: ['+1 555 0101', '+1 555 0102'] },
    ]);
    expect(diffProfile(current, current)).toEqual([]);
  });
});

describe('hasNoName', () => {
  it.each([
    [{ givenName: null, surname: null }, true],
    [{ givenName: ' ', surname: '' }, true],
    [{ givenName: 'A', surname: null }, false],
    [{ givenName: null, surname: 'B' }, false],
  ])('%j → %s', (names, expected) => {
    expect(hasNoName(aUser(names))).toBe(expected);
  });
});
