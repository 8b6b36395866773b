import { type PbxUserProfile } from '@pbx/microsoft365';

/**
 * The login name of a user created by the Microsoft 365 sync: the UPN (or email) lower-cased, with characters
 * the PBX does not allow in usernames replaced, at most 64 characters; the extension when neither exists.
 */
export function syncedUsername(profile: PbxUserProfile, extension: string): string {
  const source = (profile.userPrincipalName ?? profile.email ?? '').trim().toLowerCase();
  const cleaned = source
    .replace(/[^a-z0-9._@-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return cleaned === '' ? extension : cleaned;
}
