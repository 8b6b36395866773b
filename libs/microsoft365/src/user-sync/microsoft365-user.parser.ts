import { type Microsoft365User } from './microsoft365-user';

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A Graph user object as the planner expects it: every selected property present, absent ones null. */
export function toMicrosoft365User(raw: Record<string, unknown>): Microsoft365User {
  return {
    id: String(raw['id']),
    displayName: text(raw['displayName']),
    givenName: text(raw['givenName']),
    surname: text(raw['surname']),
    mail: text(raw['mail']),
    userPrincipalName: text(raw['userPrincipalName']) ?? '',
    department: text(raw['department']),
    jobTitle: text(raw['jobTitle']),
    mobilePhone: text(raw['mobilePhone']),
    businessPhones: Array.isArray(raw['businessPhones'])
      ? raw['businessPhones'].filter((phone): phone is string => typeof phone === 'string')
      : [],
    officeLocation: text(raw['officeLocation']),
    preferredLanguage: text(raw['preferredLanguage']),
    accountEnabled: typeof raw['accountEnabled'] === 'boolean' ? raw['accountEnabled'] : null,
    userType: text(raw['userType']),
    employeeId: text(raw['employeeId']),
    extensionAttributes: extensionAttributes(raw['onPremisesExtensionAttributes']),
  };
}

function extensionAttributes(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
