import { type LeaverPolicy } from '../user-sync/user-sync-plan';

/** Where the module's link to a PBX group stands. */
export enum GroupLinkState {
  /** Synced: the PBX group follows the Entra group. */
  Active = 'ACTIVE',
  /** The Entra group was deleted or deselected under the DISABLE leaver policy: the PBX group is switched off. */
  Disabled = 'DISABLED',
  /** Deleted or deselected under the KEEP leaver policy: the PBX group is left as it is and no longer synced. */
  Kept = 'KEPT',
}

/** What the module knows of one linked group (`m365_group_links`), as the planner needs it. */
export interface GroupLink {
  objectId: string;
  pbxGroupId: string;
  state: GroupLinkState;
  /** The name last given to the PBX group. */
  pbxName: string;
  /** The PBX user ids last set as its members, sorted. */
  pbxMembers: readonly string[];
}

/** An Entra group as this run sees it: read in full, or the stored state with the groups delta applied. */
export interface EntraGroupState {
  objectId: string;
  displayName: string;
  /** Object ids of the users reached through the group, nested groups included. */
  members: readonly string[];
  /** The group and every group nested in it (lower-cased): what the groups delta must watch. */
  closure: readonly string[];
}

/** The user sync's link of a Microsoft 365 user: only an active link with a PBX user makes a group member. */
export interface MemberLink {
  pbxUserId: string | null;
  active: boolean;
}

export interface GroupPlanInput {
  /** The selected groups' object ids, lower-cased. */
  selected: ReadonlySet<string>;
  leaverPolicy: LeaverPolicy;
  /** By lower-cased object id. */
  links: ReadonlyMap<string, GroupLink>;
  /** Selected groups that exist in Entra, by lower-cased object id. */
  groups: ReadonlyMap<string, EntraGroupState>;
  /** Linked groups Entra reported deleted (or no longer knows), lower-cased. */
  deleted: ReadonlySet<string>;
  /** User links by the user's object id, lower-cased. */
  userLinks: ReadonlyMap<string, MemberLink>;
}

export type GroupAction = 'CREATE' | 'UPDATE' | 'UNCHANGED' | 'DISABLE' | 'DELETE' | 'KEEP';

export interface GroupPlanItem {
  objectId: string;
  action: GroupAction;
  /** The linked PBX group; null for CREATE. */
  pbxGroupId: string | null;
  name: string;
  /** UPDATE: the name changed in Entra. */
  rename?: { from: string; to: string };
  /** CREATE and UPDATE: the PBX members to set, and the difference to the last ones set. */
  members?: { set: string[]; added: string[]; removed: string[] };
  /** UPDATE of a group a leaver policy had disabled or kept: it is synced again. */
  reEnable?: boolean;
  /** DISABLE / DELETE / KEEP: why the group left. */
  reason?: GroupLeaveReason;
}

export type GroupLeaveReason = 'DELETED_IN_ENTRA' | 'DESELECTED';

export interface SkippedMember {
  groupObjectId: string;
  userObjectId: string;
  reason: 'NOT_SYNCED' | 'USER_NOT_ACTIVE';
}

export interface GroupPlan {
  items: GroupPlanItem[];
  skipped: SkippedMember[];
  /** Selected groups Entra does not know and the module never linked: nothing to do but to tell the admin. */
  missing: string[];
}
