/**
 * The host PBX's directory of users and their extensions, as the module sees it.
 *
 * Every call is scoped to one PBX tenant and works on batches: a user sync writes thousands of rows, so a port
 * that took one user per call would cost one database round trip each.
 */
export const PBX_DIRECTORY = Symbol('PBX_DIRECTORY');

/** The fields Microsoft 365 owns. The module overwrites them on every sync; everything else belongs to the PBX. */
export interface PbxUserProfile {
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  userPrincipalName: string | null;
  department: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  officeLocation: string | null;
  preferredLanguage: string | null;
}

export interface PbxDirectoryUser extends PbxUserProfile {
  id: string;
  extension: string;
  enabled: boolean;
  /** The user's PBX role; "Sign in with Microsoft" applies the rules of this role. Absent means `user`. */
  role?: 'tenant-admin' | 'user';
}

export interface PbxUserLookup {
  ids?: string[];
  emails?: string[];
  userPrincipalNames?: string[];
}

export interface PbxUserCreate {
  /** Correlates the result with the request; never stored by the host. */
  key: string;
  profile: PbxUserProfile;
  extension: string;
  enabled: boolean;
}

export type PbxUserCreateResult =
  | { key: string; status: 'created'; id: string }
  /** The extension number is used by the host already: the caller picks another number and retries. */
  | { key: string; status: 'extension-taken' }
  | { key: string; status: 'failed'; reason: string };

export interface PbxUserUpdate {
  id: string;
  profile?: Partial<PbxUserProfile>;
  enabled?: boolean;
}

export interface PbxUserPhoto {
  userId: string;
  /** null removes the photo. */
  photo: { contentType: string; data: Buffer } | null;
}

export interface PbxDirectoryPage {
  users: PbxDirectoryUser[];
  /** Opaque cursor for the next page; absent on the last page. */
  next?: string;
}

export interface PbxDirectoryPort {
  /** Users matching any of the given ids, emails or UPNs (case-insensitive for emails and UPNs). */
  findUsers(pbxTenantId: string, lookup: PbxUserLookup): Promise<PbxDirectoryUser[]>;
  listUsers(pbxTenantId: string, page: { after?: string; limit: number }): Promise<PbxDirectoryPage>;
  /** Creates users one by one inside the host's own transaction rules; one failure does not stop the others. */
  createUsers(pbxTenantId: string, users: PbxUserCreate[]): Promise<PbxUserCreateResult[]>;
  updateUsers(pbxTenantId: string, updates: PbxUserUpdate[]): Promise<void>;
  deleteUsers(pbxTenantId: string, ids: string[]): Promise<void>;
  /** Of the given numbers, those the host uses already (users, queues, ring groups, IVRs, ...). */
  findUsedExtensions(pbxTenantId: string, candidates: string[]): Promise<string[]>;
  /**
   * Sets or removes (`photo: null`) users' photos. Called with about 4 MB of photo bytes at most (one larger photo
   * alone), a page's photos in several calls inside one transaction, so the host's own copies of the bytes (a
   * statement's parameters, a file write) stay small.
   */
  setPhotos(pbxTenantId: string, photos: PbxUserPhoto[]): Promise<void>;
  /**
   * Optional. Each given user's direct inward dialing number (DID) as the PBX shows it (e.g. `+1 425 555 0100`),
   * null when the user has none; ids the host does not know may be left out. A host that knows its users' DIDs
   * provides it, and the business phone write-back may then use `{did}` in its template; without it `{did}` is
   * refused.
   */
  findDids?(pbxTenantId: string, userIds: string[]): Promise<Record<string, string | null>>;
}
