/**
 * Application permissions accepted per API: least privileged first, then the higher-privileged alternatives
 * Graph documents (docs/graph-notes.md §3.1, §3.3, §4).
 */
export const USER_READ_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

export const GROUP_MEMBER_READ_PERMISSIONS: readonly string[] = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

export const PHOTO_READ_PERMISSIONS: readonly string[] = [
  'ProfilePhoto.Read.All',
  'ProfilePhoto.ReadWrite.All',
  'User.Read.All',
  'User.ReadWrite.All',
];

/**
 * PATCH /users/{id} with `businessPhones` / `mobilePhone` only: `User-Phone.ReadWrite.All` is the least privileged
 * application permission for those two properties, then `User.ReadWrite.All` and `Directory.ReadWrite.All`
 * (https://learn.microsoft.com/en-us/graph/api/user-update, docs/graph-notes.md §3.7).
 */
export const USER_PHONE_WRITE_PERMISSIONS: readonly string[] = [
  'User-Phone.ReadWrite.All',
  'User.ReadWrite.All',
  'Directory.ReadWrite.All',
];

/**
 * Restoring a deleted group (`POST /directory/deletedItems/{id}/restore`): `Group.ReadWrite.All` is the application
 * permission the page lists for a group (https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore);
 * `Directory.ReadWrite.All` covers it too.
 */
export const GROUP_RESTORE_PERMISSIONS: readonly string[] = [
  'Group.ReadWrite.All',
  'Directory.ReadWrite.All',
];
