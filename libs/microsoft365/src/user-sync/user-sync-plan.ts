import { type PbxDirectoryUser, type PbxUserProfile } from '../ports/pbx-directory.port';
import { type ExtensionRange } from './extension-range';
import { type ExtensionSource, type ExtensionSourceNote } from './extension-source';
import { type OwnableField } from './field-ownership';
import { type FieldChange } from './user-profile.mapper';
import { type OutOfScopeReason, type UserScope } from './user-scope';

export enum LeaverPolicy {
  /** Disable the PBX user (default): extension, voicemail and history stay, nobody can sign in or call. */
  Disable = 'DISABLE',
  Delete = 'DELETE',
  /** Leave the PBX user as it is and stop syncing it. */
  Keep = 'KEEP',
}

export enum LinkState {
  Active = 'ACTIVE',
  /** Disabled by the sync because the user left; re-enabled if the user comes back. */
  Disabled = 'DISABLED',
  /** The PBX user was deleted by the sync; the extension stays reserved for the user's return. */
  Deleted = 'DELETED',
  /** Left scope under the "keep" policy: no longer synced, untouched. */
  Kept = 'KEPT',
  /** An admin unbound the account: the sync leaves it alone until it is bound again. */
  Unbound = 'UNBOUND',
}

export interface UserLink {
  objectId: string;
  pbxUserId: string | null;
  extension: string | null;
  state: LinkState;
}

export type LeaverReason = 'deleted-in-microsoft365' | OutOfScopeReason;

export type UserSyncAction =
  | {
      action: 'create';
      objectId: string;
      userPrincipalName: string;
      profile: PbxUserProfile;
      reuseExtension: string | null;
      /** The number `extensionSource` gives the user, checked free and in range (absent: the allocator's). */
      sourceExtension?: string;
      /** Why the source's value was not used (the allocator's number is given instead). */
      extensionNote?: ExtensionSourceNote;
    }
  | {
      action: 'link';
      objectId: string;
      userPrincipalName: string;
      pbxUserId: string;
      matchedBy: 'userPrincipalName' | 'email';
      changes: FieldChange[];
      enable: boolean;
      extension: string;
    }
  | {
      action: 'update';
      objectId: string;
      userPrincipalName: string;
      pbxUserId: string;
      changes: FieldChange[];
      enable: boolean;
    }
  | {
      action: 'disable' | 'delete' | 'keep';
      objectId: string;
      userPrincipalName: string | null;
      pbxUserId: string;
      reason: LeaverReason;
    }
  | { action: 'skip'; objectId: string; userPrincipalName: string; reason: SkipReason };

/** `no-name`: first and last name both empty (a room, a service account). `unbound`: an admin unbound it. */
export type SkipReason = 'no-name' | 'unbound';

/** The number a create asks for: a returning user's own, else the one its extension source gave (else null). */
export function plannedExtension(action: Extract<UserSyncAction, { action: 'create' }>): string | null {
  return action.reuseExtension ?? action.sourceExtension ?? null;
}

export type LeaverAction = Extract<UserSyncAction, { action: 'disable' | 'delete' | 'keep' }>;

export interface PlanContext {
  scope: UserScope;
  leaverPolicy: LeaverPolicy;
  linkExistingUsers: boolean;
  /**
   * Fields the PBX keeps: set when the sync creates the PBX user, never part of a later update (a linked user's
   * local caller-ID survives), and a PBX-owned photo is only copied for a user being created.
   */
  pbxOwned: ReadonlySet<OwnableField>;
  /** Links of the users being planned, by object id. */
  links: ReadonlyMap<string, UserLink>;
  /** The PBX users those links point to, by PBX user id. */
  pbxUsers: ReadonlyMap<string, PbxDirectoryUser>;
  /**
   * Where new users' extensions come from, when not from the allocator: the source, the range its values must
   * be in, and the numbers among those values that the PBX or another link already uses.
   */
  numbering?: {
    source: ExtensionSource;
    range: ExtensionRange;
    unavailable: ReadonlySet<string>;
  };
  /** PBX users no Microsoft 365 user is linked to, by lower-cased UPN and email: candidates for linking. */
  matchable: {
    byUserPrincipalName: ReadonlyMap<string, PbxDirectoryUser>;
    byEmail: ReadonlyMap<string, PbxDirectoryUser>;
  };
}

export interface PagePlan {
  actions: UserSyncAction[];
  unchanged: number;
  outOfScope: Partial<Record<OutOfScopeReason, number>>;
  /** Whose Microsoft 365 photo to copy, when photos are synced; a user not listed costs no photo request. */
  photos: PhotoPlan[];
}

/**
 * `created`: the PBX user is being created (again): its photo is downloaded whatever its ETag was. `follows-microsoft365`:
 * Microsoft 365 owns the photo of a user already in the PBX: copied when its ETag changed.
 */
export interface PhotoPlan {
  objectId: string;
  reason: 'created' | 'follows-microsoft365';
}
