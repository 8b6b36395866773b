import { type FeatureSwitches } from '../settings/feature-switches';

/**
 * Application permissions each feature needs: every inner list is "any one of these", and all inner lists are
 * required. The least-privileged permission comes first; it is the one the admin is told to add.
 */
export const FEATURE_PERMISSIONS: Record<keyof FeatureSwitches, string[][]> = {
  userSync: [['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']],
  groupFilter: [['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All']],
  photos: [['ProfilePhoto.Read.All', 'User.Read.All', 'User.ReadWrite.All']],
  personalContacts: [['Contacts.Read', 'Contacts.ReadWrite']],
  sharedMailboxes: [
    ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    ['Contacts.Read', 'Contacts.ReadWrite'],
  ],
  calendarPresence: [['Calendars.Read', 'Calendars.ReadBasic.All', 'Calendars.ReadWrite']],
  mail: [['Mail.Send']],
  // Groups and their transitive members, and /groups/delta: GroupMember.Read.All is the least privileged
  // (https://learn.microsoft.com/en-us/graph/api/group-list-transitivemembers#permissions,
  // https://learn.microsoft.com/en-us/graph/api/group-delta#permissions).
  groupSync: [['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All']],
  // Sign-in uses delegated OpenID Connect scopes that need no application permission.
  singleSignOn: [],
  // setPresence / clearPresence: Presence.ReadWrite.All is the only application permission
  // (https://learn.microsoft.com/en-us/graph/api/presence-setpresence).
  pbxToTeamsPresence: [['Presence.ReadWrite.All']],
  // getPresencesByUserId: Presence.Read.All, or the higher Presence.ReadWrite.All
  // (https://learn.microsoft.com/en-us/graph/api/cloudcommunications-getpresencesbyuserid).
  teamsToPbxPresence: [['Presence.Read.All', 'Presence.ReadWrite.All']],
};

/** Permissions a feature works without, but not fully: each missing one is a warning, not a failure. */
export const OPTIONAL_FEATURE_PERMISSIONS: Partial<
  Record<keyof FeatureSwitches, { anyOf: string[]; without: string }[]>
> = {
  // Attachments of 3 MB and more go through a draft and an upload session, which need Mail.ReadWrite
  // (https://learn.microsoft.com/en-us/graph/outlook-large-attachments).
  mail: [
    {
      anyOf: ['Mail.ReadWrite'],
      without: 'Sending works; large attachments (3 MB and more, e.g. long voicemails) need Mail.ReadWrite',
    },
  ],
};

export interface FeaturePermissionCheck {
  feature: keyof FeatureSwitches;
  enabled: boolean;
  requiredPermissions: string[][];
  missingPermissions: string[];
  /** What does not work without an optional permission that is missing. */
  warnings: string[];
  ok: boolean;
}

export function checkFeaturePermissions(
  features: FeatureSwitches,
  granted: readonly string[],
): FeaturePermissionCheck[] {
  const grantedSet = new Set(granted.map((role) => role.toLowerCase()));
  return (Object.keys(FEATURE_PERMISSIONS) as (keyof FeatureSwitches)[]).map((feature) => {
    const requiredPermissions = FEATURE_PERMISSIONS[feature];
    const missingPermissions = requiredPermissions
      .filter((anyOf) => !anyOf.some((permission) => grantedSet.has(permission.toLowerCase())))
      .map((anyOf) => anyOf[0] ?? '');
    const warnings = (OPTIONAL_FEATURE_PERMISSIONS[feature] ?? [])
      .filter(({ anyOf }) => !anyOf.some((permission) => grantedSet.has(permission.toLowerCase())))
      .map(({ without }) => without);
    return {
      feature,
      enabled: features[feature],
      requiredPermissions,
      missingPermissions,
      warnings,
      ok: missingPermissions.length === 0,
    };
  });
}
