import type { ContactFolder } from '../../state/mailbox/contact-folder';
import type { MailboxContact } from '../../state/mailbox/mailbox-contact';

export const CONTACT_TYPE_NAME = 'microsoft.graph.contact';
export const CONTACT_FOLDER_TYPE_NAME = 'microsoft.graph.contactFolder';

const EMPTY: readonly string[] = [];
const EMPTY_ADDRESS: Readonly<Record<string, never>> = {};

const READERS: Readonly<Record<string, (contact: MailboxContact) => unknown>> = {
  id: (contact) => contact.id,
  createdDateTime: (contact) => contact.createdDateTime,
  lastModifiedDateTime: (contact) => contact.lastModifiedDateTime,
  changeKey: (contact) => contact.changeKey,
  categories: () => EMPTY,
  parentFolderId: (contact) => contact.folderId,
  birthday: () => null,
  fileAs: (contact) => contact.fields.displayName ?? '',
  displayName: (contact) => contact.fields.displayName,
  givenName: (contact) => contact.fields.givenName,
  initials: () => null,
  middleName: () => null,
  nickName: () => null,
  surname: (contact) => contact.fields.surname,
  title: () => null,
  yomiGivenName: () => null,
  yomiSurname: () => null,
  yomiCompanyName: () => null,
  generation: () => null,
  imAddresses: () => EMPTY,
  jobTitle: (contact) => contact.fields.jobTitle,
  companyName: (contact) => contact.fields.companyName,
  department: () => null,
  officeLocation: () => null,
  profession: () => null,
  businessHomePage: () => null,
  assistantName: () => null,
  manager: () => null,
  homePhones: (contact) => contact.fields.homePhones,
  mobilePhone: (contact) => contact.fields.mobilePhone,
  businessPhones: (contact) => contact.fields.businessPhones,
  spouseName: () => null,
  personalNotes: () => '',
  children: () => EMPTY,
  emailAddresses: (contact) => contact.fields.emailAddresses,
  homeAddress: () => EMPTY_ADDRESS,
  businessAddress: () => EMPTY_ADDRESS,
  otherAddress: () => EMPTY_ADDRESS,
};

/**
 * Every property the contact resource has (docs/graph-notes.md §7); the emulator models a subset, the rest
 * are empty.
 */
export const CONTACT_PROPERTIES: readonly string[] = Object.keys(READERS);

/** Outlook items carry a weak etag made of their change key. */
export function projectContact(
  contact: MailboxContact,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = { '@odata.etag': `W/"${contact.changeKey}"` };
  for (const property of select ?? CONTACT_PROPERTIES)
    result[property] = READERS[property]?.(contact) ?? null;
  result['id'] = contact.id;
  return result;
}

export function projectContactFolder(folder: ContactFolder): Record<string, unknown> {
  return { id: folder.id, displayName: folder.displayName, parentFolderId: folder.parentFolderId };
}
