import { type Microsoft365User } from '../src/user-sync/microsoft365-user';

/** A complete Microsoft 365 user for specs; override what the case is about. */
export function aUser(overrides: Partial<Microsoft365User> = {}): Microsoft365User {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    displayName: 'Adele Vance',
    givenName: 'Adele',
    surname: 'Vance',
    mail: 'adele@contoso.com',
    userPrincipalName: 'adele@contoso.com',
    department: 'Sales',
    jobTitle: 'Account Manager',
    mobilePhone: '+1 555 0100',
    businessPhones: ['+1 555 0101'],
    officeLocation: 'Berlin',
    preferredLanguage: 'de-DE',
    accountEnabled: true,
    userType: 'Member',
    employeeId: 'E1',
    extensionAttributes: {},
    ...overrides,
  };
}
