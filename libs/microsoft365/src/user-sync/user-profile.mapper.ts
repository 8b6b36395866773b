import { type PbxDirectoryUser, type PbxUserProfile } from '../ports/pbx-directory.port';
import { type Microsoft365User } from './microsoft365-user';

export interface FieldChange {
  field: keyof PbxUserProfile;
  from: unknown;
  to: unknown;
}

/** The PBX profile Microsoft 365 dictates for a user; blank strings count as absent. */
export function toPbxProfile(user: Microsoft365User): PbxUserProfile {
  const firstName = clean(user.givenName);
  const lastName = clean(user.surname);
  const composed = [firstName, lastName].filter(Boolean).join(' ');
  return {
    displayName: clean(user.displayName) ?? (composed || user.userPrincipalName),
    firstName,
    lastName,
    email: clean(user.mail)?.toLowerCase() ?? null,
    userPrincipalName: user.userPrincipalName.toLowerCase(),
    department: clean(user.department),
    jobTitle: clean(user.jobTitle),
    mobilePhone: clean(user.mobilePhone),
    businessPhones: user.businessPhones.map((p) => p.trim()).filter(Boolean),
    officeLocation: clean(user.officeLocation),
    preferredLanguage: clean(user.preferredLanguage),
  };
}

/** Fields Microsoft 365 owns that differ in the PBX; everything else in the PBX is left alone. */
export function diffProfile(current: PbxUserProfile, wanted: PbxUserProfile): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of Object.keys(wanted) as (keyof PbxUserProfile)[]) {
    const from = current[field];
    const to = wanted[field];
    const same =
      Array.isArray(from) && Array.isArray(to)
        ? from.join('\n') === to.join('\n')
        : (from ?? null) === (to ?? null);
    if (!same) changes.push({ field, from, to });
  }
  return changes;
}

export function hasNoName(user: Microsoft365User): boolean {
  return !clean(user.givenName) && !clean(user.surname);
}

export function profileOf(user: PbxDirectoryUser): PbxUserProfile {
  const { id: _id, extension: _extension, enabled: _enabled, ...profile } = user;
  return profile;
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
