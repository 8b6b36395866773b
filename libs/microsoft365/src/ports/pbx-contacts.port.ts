/**
 * The host PBX's address books. The module only ever touches contacts it created itself, which it names by an
 * external id; contacts created by hand in the PBX have none and are never listed, changed or deleted.
 */
export const PBX_CONTACTS = Symbol('PBX_CONTACTS');

export type PbxContactOwner = { kind: 'user'; userId: string } | { kind: 'company' };

export interface PbxContact {
  /** Stable id of the contact in Microsoft 365 (mailbox + contact id), unique per owner. */
  externalId: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  businessPhones: string[];
  homePhones: string[];
  mobilePhone: string | null;
  emailAddresses: string[];
}

export interface PbxContactsPort {
  upsertContacts(pbxTenantId: string, owner: PbxContactOwner, contacts: PbxContact[]): Promise<void>;
  deleteContacts(pbxTenantId: string, owner: PbxContactOwner, externalIds: string[]): Promise<void>;
  /** External ids of the contacts the module created for this owner. */
  listExternalIds(pbxTenantId: string, owner: PbxContactOwner): Promise<string[]>;
}
