import type { FilterCapabilities } from './odata/filter-capabilities';
import { type DirectoryUser, EXTENSION_ATTRIBUTE_NAMES } from '../state/directory-user';

export const USER_TYPE_NAME = 'microsoft.graph.user';

/** Returned without $select (docs/graph-notes.md §3.1). */
export const DEFAULT_USER_PROPERTIES: readonly string[] = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** Only returned for a single user; $select on the collection answers 501 (docs/graph-notes.md §3.1). */
export const SINGLE_USER_ONLY_PROPERTIES: readonly string[] = [
  'aboutMe',
  'birthday',
  'hireDate',
  'interests',
  'mailboxSettings',
  'mySite',
  'pastProjects',
  'preferredName',
  'responsibilities',
  'schools',
  'skills',
];

const EMPTY: readonly string[] = [];

const READERS: Readonly<Record<string, (user: DirectoryUser) => unknown>> = {
  id: (user) => user.id,
  userPrincipalName: (user) => user.fields.userPrincipalName,
  displayName: (user) => user.fields.displayName,
  givenName: (user) => user.fields.givenName,
  surname: (user) => user.fields.surname,
  mail: (user) => user.fields.mail,
  mailNickname: (user) => user.fields.mailNickname,
  department: (user) => user.fields.department,
  jobTitle: (user) => user.fields.jobTitle,
  mobilePhone: (user) => user.fields.mobilePhone,
  businessPhones: (user) => user.fields.businessPhones,
  officeLocation: (user) => user.fields.officeLocation,
  accountEnabled: (user) => user.fields.accountEnabled,
  userType: (user) => user.fields.userType,
  employeeId: (user) => user.fields.employeeId,
  employeeType: (user) => user.fields.employeeType,
  preferredLanguage: (user) => user.fields.preferredLanguage,
  companyName: (user) => user.fields.companyName,
  usageLocation: (user) => user.fields.usageLocation,
  city: (user) => user.fields.city,
  country: (user) => user.fields.country,
  otherMails: (user) => user.fields.otherMails,
  proxyAddresses: (user) => (user.fields.mail ? [`SMTP:${user.fields.mail}`] : EMPTY),
  createdDateTime: (user) => user.fields.createdDateTime,
  imAddresses: (user) => (user.fields.mail && user.fields.userType === 'Member' ? [user.fields.mail] : EMPTY),
  onPremisesSyncEnabled: () => null,
  onPremisesImmutableId: () => null,
  onPremisesSamAccountName: () => null,
  // All fifteen keys, null when unset, as the resource documents them (returned only on $select):
  // https://learn.microsoft.com/en-us/graph/api/resources/onpremisesextensionattributes
  onPremisesExtensionAttributes: (user) =>
    Object.fromEntries(
      EXTENSION_ATTRIBUTE_NAMES.map((name) => [name, user.fields.extensionAttributes?.[name] ?? null]),
    ),
  externalUserState: (user) => (user.fields.userType === 'Guest' ? 'Accepted' : null),
  creationType: (user) => (user.fields.userType === 'Guest' ? 'Invitation' : null),
  state: () => null,
  streetAddress: () => null,
  postalCode: () => null,
  faxNumber: () => null,
  ageGroup: () => null,
  showInAddressList: () => null,
  employeeHireDate: () => null,
  lastPasswordChangeDateTime: (user) => user.fields.createdDateTime,
  aboutMe: () => null,
  birthday: () => '0001-01-01T08:00:00Z',
  hireDate: () => '0001-01-01T08:00:00Z',
  interests: () => EMPTY,
  mailboxSettings: () => null,
  mySite: () => null,
  pastProjects: () => EMPTY,
  preferredName: () => null,
  responsibilities: () => EMPTY,
  schools: () => EMPTY,
  skills: () => EMPTY,
};

export const USER_PROPERTIES: readonly string[] = Object.keys(READERS);

export function readUserProperty(user: DirectoryUser, property: string): unknown {
  const reader =
    READERS[property] ??
    Object.entries(READERS).find(([name]) => name.toLowerCase() === property.toLowerCase())?.[1];
  return reader ? reader(user) : undefined;
}

export function projectUser(
  user: DirectoryUser,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  const properties = select ?? DEFAULT_USER_PROPERTIES;
  const result: Record<string, unknown> = {};
  for (const property of properties) result[property] = READERS[property]?.(user) ?? null;
  return result;
}

/** Directory $filter support for users, from the matrix in docs/graph-notes.md §3.1. */
export const USER_FILTER_CAPABILITIES: FilterCapabilities = {
  id: { eq: 'default', in: 'default', ne: 'advanced' },
  accountEnabled: { eq: 'default', in: 'default', ne: 'advanced' },
  department: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  userType: { eq: 'default', in: 'default', ne: 'advanced', nullCheck: 'advanced' },
  employeeId: { eq: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  jobTitle: { eq: 'default', in: 'default', ne: 'advanced', nullCheck: 'advanced' },
  givenName: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  surname: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  displayName: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  mail: { eq: 'default', in: 'default', startsWith: 'default', endsWith: 'advanced', ne: 'advanced' },
  userPrincipalName: {
    eq: 'default',
    in: 'default',
    startsWith: 'default',
    endsWith: 'advanced',
    ne: 'advanced',
  },
  mailNickname: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced' },
  mobilePhone: {
    eq: 'advanced',
    in: 'advanced',
    startsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  officeLocation: {
    eq: 'advanced',
    in: 'advanced',
    startsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  companyName: {
    eq: 'advanced',
    in: 'advanced',
    startsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  preferredLanguage: {
    eq: 'advanced',
    in: 'advanced',
    startsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  employeeType: {
    eq: 'advanced',
    in: 'advanced',
    startsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  usageLocation: { eq: 'default', in: 'default', ne: 'advanced', nullCheck: 'advanced' },
  city: { eq: 'advanced', in: 'advanced', startsWith: 'advanced', ne: 'advanced', nullCheck: 'advanced' },
  country: { eq: 'advanced', in: 'advanced', startsWith: 'advanced', ne: 'advanced', nullCheck: 'advanced' },
  createdDateTime: { range: 'advanced', eq: 'advanced', ne: 'advanced', nullCheck: 'advanced' },
  businessPhones: { any: 'default' },
  otherMails: { any: 'default' },
  proxyAddresses: { any: 'default' },
};

/** $orderby works on these without advanced mode, unless combined with $filter (§3.1). */
export const USER_ORDERBY_PROPERTIES: readonly string[] = ['displayName', 'userPrincipalName'];

export const USER_SEARCH_PROPERTIES: readonly string[] = [
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'mailNickname',
  'jobTitle',
  'department',
];
