/**
 * The host PBX's ring groups / extension groups (optional: a PBX without groups leaves it out, and the group sync
 * then answers FEATURE_UNAVAILABLE). The module keeps its own link from each Entra group (by object id) to the
 * group it created here and names groups only by the id the host answered on creation; groups created by hand in
 * the PBX are never touched.
 */
export const PBX_GROUPS = Symbol('PBX_GROUPS');

export interface PbxGroupDraft {
  /** The Entra group's object id, stable across renames. The host may store it to make `createGroup` idempotent. */
  externalId: string;
  name: string;
  /** PBX user ids (users the module's user sync linked), in no particular order. */
  memberUserIds: string[];
}

export interface PbxGroupsPort {
  /**
   * Creates an enabled group and answers its id. Called again with an `externalId` the host already holds (a
   * crash between the host's write and the module's link), it should answer that group instead of a second one.
   */
  createGroup(pbxTenantId: string, group: PbxGroupDraft): Promise<{ id: string }>;
  renameGroup(pbxTenantId: string, groupId: string, name: string): Promise<void>;
  /** Makes the members exactly these PBX users. */
  setMembers(pbxTenantId: string, groupId: string, memberUserIds: string[]): Promise<void>;
  /** Disables (the group stops ringing, its settings stay) or enables it again. */
  setEnabled(pbxTenantId: string, groupId: string, enabled: boolean): Promise<void>;
  /** Deletes the group; an id the host no longer knows is not an error. */
  deleteGroup(pbxTenantId: string, groupId: string): Promise<void>;
}
