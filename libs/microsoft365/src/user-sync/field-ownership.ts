import { type PbxUserProfile } from '../ports/pbx-directory.port';

/** Who decides a profile field of a synced user. */
export enum FieldOwner {
  /** Overwritten from Microsoft 365 on every sync (the default). */
  Microsoft365 = 'MICROSOFT_365',
  /** Set from Microsoft 365 when the sync creates the PBX user, never overwritten afterwards. */
  Pbx = 'PBX',
}

/**
 * The fields an admin may keep in the PBX, e.g. a local caller-ID display name. The user principal name is not
 * among them: links, sign-in and the provisioning log identify a user by it, so it always follows Microsoft 365.
 * `officeLocation` and `preferredLanguage` are not shown by the PBX and always follow Microsoft 365 too.
 */
export const OWNABLE_FIELDS = [
  'displayName',
  'firstName',
  'lastName',
  'email',
  'businessPhones',
  'mobilePhone',
  'jobTitle',
  'department',
  'photo',
] as const;

export type OwnableField = (typeof OWNABLE_FIELDS)[number];

/** As stored: only what an admin set; an absent field is owned by Microsoft 365. */
export type FieldOwnership = Partial<Record<OwnableField, FieldOwner>>;

/** Every ownable field with its owner, the default filled in: what the settings view shows. */
export function effectiveOwnership(stored: FieldOwnership): Record<OwnableField, FieldOwner> {
  return Object.fromEntries(
    OWNABLE_FIELDS.map((field) => [field, stored[field] ?? FieldOwner.Microsoft365]),
  ) as Record<OwnableField, FieldOwner>;
}

/** The fields the PBX keeps, for the planner. */
export function pbxOwnedFields(stored: FieldOwnership): ReadonlySet<OwnableField> {
  return new Set(OWNABLE_FIELDS.filter((field) => stored[field] === FieldOwner.Pbx));
}

/** Whether a profile field follows Microsoft 365 after the user was created. */
export function followsMicrosoft365(
  field: keyof PbxUserProfile,
  pbxOwned: ReadonlySet<OwnableField>,
): boolean {
  return !(pbxOwned as ReadonlySet<string>).has(field);
}

/**
 * Stored ownership after a partial update: fields sent replace the stored ones; only PBX-owned fields are kept, so
 * the default needs no row content and two spellings of "all Microsoft 365" compare equal.
 */
export function mergeOwnership(
  stored: FieldOwnership,
  changes: Partial<Record<OwnableField, FieldOwner | undefined>>,
): FieldOwnership {
  const merged: FieldOwnership = {};
  for (const field of OWNABLE_FIELDS) {
    const owner = changes[field] ?? stored[field];
    if (owner === FieldOwner.Pbx) merged[field] = owner;
  }
  return merged;
}
