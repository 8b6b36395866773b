/** A contact as Graph returns it with {@link CONTACT_SELECT}. */
export interface OutlookContact {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  companyName: string | null;
  jobTitle: string | null;
  businessPhones: string[];
  homePhones: string[];
  mobilePhone: string | null;
  emailAddresses: { name?: string | null; address?: string | null }[];
}

/** A delta entry for a contact deleted (or moved out of the folder) since the last round. */
export interface RemovedOutlookContact {
  id: string;
  removed: true;
}

export type OutlookContactEntry = OutlookContact | RemovedOutlookContact;

/** Only what a PBX address book shows: a smaller `$select` means smaller delta pages from Outlook. */
export const CONTACT_SELECT = [
  'id',
  'displayName',
  'givenName',
  'surname',
  'companyName',
  'jobTitle',
  'businessPhones',
  'homePhones',
  'mobilePhone',
  'emailAddresses',
].join(',');

/**
 * The default Contacts folder has no well-known name in Graph (docs/graph-notes.md §7): it is reached as
 * `/contacts`.
 */
export const DEFAULT_FOLDER_ID = 'default';

export interface OutlookContactFolder {
  /** Outlook id, or {@link DEFAULT_FOLDER_ID}. */
  folderId: string;
  /** Slash-separated names from the default folder down, for people reading the report. */
  path: string;
}

/** One contact of a delta page as we use it; called for every contact of a full run, so no closures per call. */
export function toOutlookContactEntry(raw: Record<string, unknown>): OutlookContactEntry {
  const id = String(raw['id']);
  if (raw['@removed']) return { id, removed: true };
  const emails = raw['emailAddresses'];
  return {
    id,
    displayName: textOf(raw['displayName']),
    givenName: textOf(raw['givenName']),
    surname: textOf(raw['surname']),
    companyName: textOf(raw['companyName']),
    jobTitle: textOf(raw['jobTitle']),
    businessPhones: textsOf(raw['businessPhones']),
    homePhones: textsOf(raw['homePhones']),
    mobilePhone: textOf(raw['mobilePhone']),
    emailAddresses: Array.isArray(emails) ? emails.filter(isObject) : [],
  };
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function textsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter(isText) : [];
}

function isText(value: unknown): value is string {
  return typeof value === 'string';
}

function isObject(value: unknown): value is { name?: string; address?: string } {
  return typeof value === 'object' && value !== null;
}
