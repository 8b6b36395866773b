import type { UserPhoto } from './user-photo';

/** The user properties the emulator models; all other Graph user properties read as null. */
export interface DirectoryUserFields {
  userPrincipalName: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string | null;
  department: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: readonly string[];
  officeLocation: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  employeeId: string | null;
  employeeType: string | null;
  preferredLanguage: string | null;
  companyName: string | null;
  usageLocation: string | null;
  city: string | null;
  country: string | null;
  otherMails: readonly string[];
  createdDateTime: string;
  /**
   * extensionAttribute1..15 that hold a value (absent = null). Graph returns all fifteen as one
   * `onPremisesExtensionAttributes` object, only on $select; for cloud-only users they are set through Graph:
   * https://learn.microsoft.com/en-us/graph/api/resources/onpremisesextensionattributes
   */
  extensionAttributes?: Readonly<Partial<Record<ExtensionAttributeName, string>>>;
}

export type ExtensionAttributeName = `extensionAttribute${number}`;

/** extensionAttribute1 .. extensionAttribute15, in Graph's order. */
export const EXTENSION_ATTRIBUTE_NAMES: readonly ExtensionAttributeName[] = Array.from(
  { length: 15 },
  (_, i): ExtensionAttributeName => `extensionAttribute${i + 1}`,
);

export const USER_FIELD_NAMES: readonly (keyof DirectoryUserFields)[] = [
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'mailNickname',
  'department',
  'jobTitle',
  'mobilePhone',
  'businessPhones',
  'officeLocation',
  'accountEnabled',
  'userType',
  'employeeId',
  'employeeType',
  'preferredLanguage',
  'companyName',
  'usageLocation',
  'city',
  'country',
  'otherMails',
  'createdDateTime',
];

/**
 * One user. A plain class with a fixed shape keeps 100k users compact (shared strings for departments, titles
 * and empty arrays; photos rendered on demand).
 */
export class DirectoryUser {
  /** Sequence number of the last change in the tenant's change log. */
  lastChangeSeq = 0;
  password: string | undefined;
  photo: UserPhoto | undefined;
  /**
   * Graph's `signInSessionsValidFromDateTime` (epoch ms): refresh tokens issued before it are refused with
   * AADSTS50173. Set by revokeSignInSessions and by a password change
   * (https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions).
   */
  signInSessionsValidFromMs: number | undefined;

  constructor(
    readonly id: string,
    /** Creation order; the stable paging order of /users. */
    readonly ordinal: number,
    public fields: DirectoryUserFields,
  ) {}
}
