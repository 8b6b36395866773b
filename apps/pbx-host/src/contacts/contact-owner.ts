import { ContactOwnerKind } from './contact-owner-kind';

/** Whose address book: a user's personal one, or the tenant's company one. */
export type ContactOwner =
  { kind: ContactOwnerKind.User; userId: string } | { kind: ContactOwnerKind.Company };

export const companyOwner: ContactOwner = { kind: ContactOwnerKind.Company };

export function userOwner(userId: string): ContactOwner {
  return { kind: ContactOwnerKind.User, userId };
}

/** The filter selecting one owner's contacts in a tenant. */
export function ownerFilter(
  tenantId: string,
  owner: ContactOwner,
): { tenant: string; ownerKind: ContactOwnerKind; ownerUser?: string } {
  return owner.kind === ContactOwnerKind.User
    ? { tenant: tenantId, ownerKind: ContactOwnerKind.User, ownerUser: owner.userId }
    : { tenant: tenantId, ownerKind: ContactOwnerKind.Company };
}
