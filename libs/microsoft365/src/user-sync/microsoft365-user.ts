/** A user as Graph returns it with {@link USER_SELECT}. */
export interface Microsoft365User {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  department: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  officeLocation: string | null;
  preferredLanguage: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  employeeId: string | null;
  /** `onPremisesExtensionAttributes` entries that hold text, by name (`extensionAttribute1`...). */
  extensionAttributes: Readonly<Record<string, string>>;
}

/** A delta entry for a user that is gone: `changed` = soft-deleted (restorable), `deleted` = permanently. */
export interface RemovedMicrosoft365User {
  id: string;
  removed: 'changed' | 'deleted';
}

/**
 * Only what the PBX needs. department, accountEnabled, userType and employeeId are outside Graph's default
 * set and must be selected explicitly (docs/graph-notes.md §3.1).
 */
export const USER_SELECT = [
  'id',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'department',
  'jobTitle',
  'mobilePhone',
  'businessPhones',
  'officeLocation',
  'preferredLanguage',
  'accountEnabled',
  'userType',
  'employeeId',
  // extensionAttribute1..15 as one object, for `extensionSource` (returned only on $select):
  // https://learn.microsoft.com/en-us/graph/api/resources/onpremisesextensionattributes
  'onPremisesExtensionAttributes',
].join(',');
