import { type UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import { type PbxDirectoryUser, type PbxUserProfile } from '@pbx/microsoft365';

/**
 * The user fields Microsoft 365 owns. The adapter copies exactly these from the module, whatever else an update
 * carries, so the module can never change a PBX-owned field (username, role, extension, password, PIN).
 */
export const PROFILE_FIELDS = [
  'displayName',
  'firstName',
  'lastName',
  'email',
  'userPrincipalName',
  'department',
  'jobTitle',
  'mobilePhone',
  'businessPhones',
  'officeLocation',
  'preferredLanguage',
] as const satisfies readonly (keyof PbxUserProfile)[];

export function pickProfile(profile: Partial<PbxUserProfile>): Partial<PbxUserProfile> {
  const picked: Partial<Record<keyof PbxUserProfile, unknown>> = {};
  for (const field of PROFILE_FIELDS) {
    if (profile[field] !== undefined) {
      picked[field] = profile[field];
    }
  }
  return picked as Partial<PbxUserProfile>;
}

export function toDirectoryUser(user: UserEntity): PbxDirectoryUser {
  return {
    id: user.id,
    // Directory users always belong to a tenant, and tenant users always have an extension.
    extension: user.extension ?? '',
    enabled: user.enabled,
    role: user.role === UserRole.TenantAdmin ? 'tenant-admin' : 'user',
    displayName: user.displayName,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    userPrincipalName: user.userPrincipalName,
    department: user.department,
    jobTitle: user.jobTitle,
    mobilePhone: user.mobilePhone,
    businessPhones: [...user.businessPhones],
    officeLocation: user.officeLocation,
    preferredLanguage: user.preferredLanguage,
  };
}
